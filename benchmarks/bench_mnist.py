"""Full MNIST: loading, and ms per epoch of three training loops on the same model and batches, side by side in one run.

Run: python benchmarks/bench_mnist.py [--epochs 3] [--repeat 3] [--arch linear|mlp|cnn]

- first load: decoding the 70,000 PNGs (`load_mnist(cache=False)`); cached load: `load_mnist()` from the pixel cache
- bare loop: forward, `cross_entropy`, backward, `SGD_Optim.step`, `zero_grad` over the batches, and a validation pass
- our Learner: `mnist37.learner.Learner(...).fit` with its default callbacks (Recorder, ProgressCB, DeviceCB; the bar is
  drawn to a buffer, not the terminal)
- fastai Learner: `fastai.learner.Learner(..., opt_func=SGD).fit`, no progress bar or logging
All train the same seeded model on the same shuffled batches of 64 (TensorLoader, seed 0) at lr = 0.1 and validate on
the 10,000 test images; the table shows the median ms per epoch and the ratio to the bare loop.
"""
import argparse, contextlib, io, statistics, time, warnings

import torch
warnings.filterwarnings('ignore', category=FutureWarning)

from mnist37.digits import DIGIT_ARCHS, accuracy, cross_entropy, digits_model, get_mnist_dls, load_mnist
from mnist37.learner import Learner
from mnist37.sgd import SGD_Optim


def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--arch', default='linear', choices=list(DIGIT_ARCHS))
    a = ap.parse_args()
    first = timed(lambda: load_mnist(cache=False))
    load_mnist()   # make sure the cache exists
    cached = statistics.median(timed(load_mnist) for _ in range(a.repeat))
    data = load_mnist()
    print(f"full MNIST: first load (decode 70,000 PNGs) {first:.2f} s, cached load {cached:.3f} s ({first/cached:.0f}x faster)\n")

    def bare():
        m, dls = digits_model(a.arch), get_mnist_dls(data)
        opt = SGD_Optim(m.parameters(), lr=0.1)
        for _ in range(a.epochs):
            m.train()
            for xb, yb in dls.train:
                cross_entropy(m(xb), yb).backward(); opt.step(); opt.zero_grad()
            m.eval()
            with torch.no_grad():
                tot, n = 0., 0
                for xb, yb in dls.valid: tot, n = tot + accuracy(m(xb), yb)*len(xb), n + len(xb)

    def ours():
        learn = Learner(get_mnist_dls(data), digits_model(a.arch), cross_entropy, SGD_Optim, metrics=accuracy)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()): learn.fit(a.epochs, 0.1)

    def fastai():
        from fastai.learner import Learner as FastaiLearner
        from fastai.callback.progress import ProgressCallback
        from fastai.optimizer import SGD
        learn = FastaiLearner(get_mnist_dls(data), digits_model(a.arch), loss_func=cross_entropy, opt_func=SGD, metrics=accuracy)
        learn.remove_cb(ProgressCallback)
        with learn.no_logging(): learn.fit(a.epochs, lr=0.1)

    runs = {'bare loop': bare, 'our Learner': ours, 'fastai Learner': fastai}
    for f in runs.values(): f()     # warm-up: the first autograd calls and imports pay one-time costs
    times = {k: [] for k in runs}
    for _ in range(a.repeat):       # interleaved, so that a slow moment of the machine hits every loop alike
        for k, f in runs.items(): times[k].append(timed(f)/a.epochs*1000)
    base = statistics.median(times['bare loop'])
    print(f"{a.arch}, {a.epochs} epochs x {a.repeat} runs, batches of 64, median ms per epoch (training + validation)")
    print(f"{'loop':<16}{'ms/epoch':>10}{'vs bare':>9}")
    for k, ts in times.items():
        m = statistics.median(ts)
        print(f"{k:<16}{m:>10.1f}{m/base:>8.2f}x")


if __name__ == '__main__':
    main()
