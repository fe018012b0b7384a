"""The scheduler callback's cost per batch: the same fit with and without `ScheduleCB`, side by side in one run.

Run: python benchmarks/bench_schedule.py [--epochs 5] [--repeat 5] [--bs 256]

- constant rate: `Learner.fit(epochs, lr)` with SGD with momentum 0.9
- one-cycle: `Learner.fit_one_cycle(epochs, lr)`, the same fit plus a `ScheduleCB` that sets the rate and the
  momentum before every training batch (each batch's values computed and checked when the batch comes, plus
  a check at up to 1,001 sample points in `before_fit`: included)
- cosine (schedule_cbs): `Learner.fit(epochs, lr, cbs=schedule_cbs('cosine', ...))`, the CLI's path
Both train the chapter's linear model on MNIST_SAMPLE from the same seed on the same batches: the cheapest batch
of the course, so the callback's share is the largest it gets. Cases alternate within each repeat; the table
shows the median CPU microseconds (process time: other processes on the machine do not count) per training
batch and the ratio to the constant rate. The last line times `ScheduleCB.before_batch` alone, the callback's
whole work per batch, as a share of the constant-rate batch.
"""
import argparse, statistics, time, warnings
from functools import partial

import torch
warnings.filterwarnings('ignore', category=FutureWarning)

from mnist37.data import load_mnist_sample
from mnist37.learner import Learner, Recorder
from mnist37.optimizers import Momentum
from mnist37.schedules import ScheduleCB, combined_cos, schedule_cbs
from mnist37.sgd import Loaders, batch_accuracy, make_model, mnist_loss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--lr', type=float, default=0.1)
    a = ap.parse_args()
    d = load_mnist_sample()

    def learner():
        dls = Loaders.from_tensors(*d, bs=a.bs)
        return Learner(dls, make_model('linear', 42), mnist_loss, partial(Momentum, momentum=0.9), metrics=batch_accuracy,
                       cbs=[Recorder()], default_cbs=False)

    def constant(learn): learn.fit(a.epochs, a.lr)
    def one_cycle(learn): learn.fit_one_cycle(a.epochs, a.lr)
    def cosine(learn): learn.fit(a.epochs, a.lr, cbs=schedule_cbs('cosine', a.lr, a.epochs, len(learn.dls.train)))
    cases = {'constant rate (Learner.fit)': constant, 'one-cycle (fit_one_cycle)': one_cycle, 'cosine (schedule_cbs)': cosine}
    times = {k: [] for k in cases}
    n_batches = a.epochs*len(learner().dls.train)
    for k, f in cases.items(): f(learner())   # warm-up: first calls pay for imports and allocator growth
    for _ in range(a.repeat):
        for k, f in cases.items():
            learn = learner()
            t = time.process_time(); f(learn); times[k].append((time.process_time() - t)/n_batches*1e6)
    ref = statistics.median(times['constant rate (Learner.fit)'])
    print(f"{a.epochs} epochs x {n_batches//a.epochs} training batches of {a.bs} (+ validation), median of {a.repeat}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'fit':<32}{'us/batch':>10}{'ratio':>8}")
    for k, ts in times.items(): print(f"{k:<32}{statistics.median(ts):>10.1f}{statistics.median(ts)/ref:>8.3f}")
    learn = learner(); learn.fit_one_cycle(1, a.lr)   # a fitted learner: its ScheduleCB is set up, learn.training is False
    cb = ScheduleCB({'lr': combined_cos(0.25, a.lr/25, a.lr, a.lr/1e5), 'mom': combined_cos(0.25, 0.95, 0.85, 0.95)})
    cb.learn, learn.training, learn.n_epochs, learn.epoch = learn, True, 1, 0
    cb.before_fit()
    n, t = len(learn.dls.train), time.process_time()
    for _ in range(200):
        for learn.iter in range(n): cb.before_batch()
    per = (time.process_time() - t)/(200*n)*1e6
    print(f"{'ScheduleCB.before_batch alone':<32}{per:>10.2f}{per/ref:>8.4f}")


if __name__ == '__main__': main()
