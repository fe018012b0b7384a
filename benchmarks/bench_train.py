"""Time per epoch of the chapter-4 training loops, measured side by side in one run.

Run: python benchmarks/bench_train.py [--epochs 10] [--repeat 3]

- book loop: the book's `train_epoch` over a fastai DataLoader of (x, y) pairs (collated sample by sample)
- hand loop: `mnist37.sgd.train_epoch` with `SGD_Optim` over pre-batched tensors (`batches`), with its guards
- hand loop, no stall check: the same with `patience=None` (no parameter copy per step): the guard's cost
- Learner.fit: fastai's `Learner(..., opt_func=SGD).fit`, no progress bar or logging (train + validation)
- autograd floor: 49 empty `backward()` calls, the fixed cost any autograd loop pays per epoch here
All start from the same seeded nn.Linear(784, 1); the table shows the median ms per epoch.
"""
import argparse, statistics, time, warnings

import torch
warnings.filterwarnings('ignore', category=FutureWarning)

from mnist37.data import get_dls, load_mnist_sample
from mnist37.sgd import SGD_Optim, batches, make_model, calc_grad, mnist_loss, batch_accuracy, train_epoch


def per_epoch(f, epochs):
    t = time.perf_counter(); f(); return (time.perf_counter() - t)/epochs*1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--repeat', type=int, default=3)
    a = ap.parse_args()
    data = load_mnist_sample()
    dls, fast = get_dls(data), batches(data.train_x, data.train_y)

    def book():
        m = make_model(); params = list(m.parameters())
        def run():
            for _ in range(a.epochs):
                for xb, yb in dls.train:
                    calc_grad(xb, yb, m)
                    for p in params: p.data -= p.grad*1.; p.grad.zero_()
        return run

    def hand():
        m = make_model(); opt = SGD_Optim(m.parameters(), 1.)
        return lambda: [train_epoch(m, fast, opt) for _ in range(a.epochs)]

    def hand_unguarded():
        m = make_model(); opt = SGD_Optim(m.parameters(), 1.)
        return lambda: [train_epoch(m, fast, opt, patience=None) for _ in range(a.epochs)]

    def learner():
        from fastai.learner import Learner as FastaiLearner
        from fastai.optimizer import SGD as FastaiSGD
        learn = FastaiLearner(get_dls(data), make_model(), opt_func=FastaiSGD, loss_func=mnist_loss,
                              metrics=batch_accuracy)
        def run():
            with learn.no_logging(): learn.fit(a.epochs, 1.)
        return run

    def floor():
        x = torch.ones(1, requires_grad=True)
        return lambda: [(x*2).sum().backward() for _ in range(a.epochs*len(fast))]

    cases = {'book loop (DataLoader of pairs)': book, 'hand loop (pre-batched tensors)': hand,
             'hand loop, no stall check': hand_unguarded,
             'Learner.fit (train + valid)': learner, 'autograd floor (49 empty backwards)': floor}
    times = {k: [] for k in cases}
    for _ in range(a.repeat):
        for k, make in cases.items(): times[k].append(per_epoch(make(), a.epochs))
    ref = statistics.median(times['book loop (DataLoader of pairs)'])
    print(f"{a.epochs} epochs, median of {a.repeat}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'loop':<38}{'ms/epoch':>10}{'vs book':>9}")
    for k, ts in times.items(): print(f"{k:<38}{statistics.median(ts):>10.1f}{statistics.median(ts)/ref:>9.2f}")


if __name__ == '__main__': main()
