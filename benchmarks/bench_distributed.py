"""Data-parallel SGD on this machine's cores: throughput against the number of workers, and one all-reduce per step.

Run: python benchmarks/bench_distributed.py [--workers 1 2 4] [--steps 200] [--bs 256] [--arch simple_net]

Every case is `run_workers` (gloo, 127.0.0.1, one thread per worker) running the same loop: `--steps` global
batches of `--bs` MNIST_SAMPLE images, each worker its shard, forward, backward, all-reduce of the gradients
(`allreduce_mean_`, one flat buffer), `SGD_Optim` step. Rank 0 times the loop (wall clock, after a barrier
and 10 warm-up steps) and, separately, `--steps` all-reduces alone of a buffer the size of the gradients.
The table: images per second, the ratio to 1 worker, and the all-reduce's share of a step. On a machine with
fewer cores than workers the workers take turns, so the ratio falls below 1: the benchmark measures that too.
Timings depend on what else runs on the machine; the ratios come from one run.
"""
import argparse, os, sys, tempfile, time, warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import torch
import torch.distributed as dist

from mnist37.distributed import allreduce_mean_, run_workers, shard


def bench_worker(rank, world, x, y, bs, steps, arch, out):
    "Time `steps` data-parallel SGD steps and `steps` all-reduces alone; rank 0 saves the seconds."
    from mnist37.sgd import SGD_Optim, make_model, mnist_loss
    model = make_model(arch, 0)
    opt = SGD_Optim(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(0)
    idx = [torch.randint(0, len(x), (bs,), generator=g) for _ in range(steps + 10)]
    def step(i):
        xb, yb = x[idx[i]], y[idx[i]]
        s = shard(bs, rank, world)
        mnist_loss(model(xb[s]), yb[s]).backward()
        if world > 1: allreduce_mean_([p.grad for p in model.parameters()], len(xb[s])/bs)
        opt.step(); opt.zero_grad()
    for i in range(10): step(i)
    if world > 1: dist.barrier()
    t = time.perf_counter()
    for i in range(10, steps + 10): step(i)
    t_step = (time.perf_counter() - t)/steps
    t_ar = 0.
    if world > 1:
        buf = [torch.zeros(sum(p.numel() for p in model.parameters()))]
        dist.barrier(); t = time.perf_counter()
        for _ in range(steps): allreduce_mean_(buf, 0.5)
        t_ar = (time.perf_counter() - t)/steps
    if rank == 0: torch.save({'step': t_step, 'allreduce': t_ar}, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2, 4])
    ap.add_argument('--steps', type=int, default=200)
    ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--arch', default='simple_net', choices=['linear', 'simple_net'])
    a = ap.parse_args()
    from mnist37.data import load_mnist_sample
    d = load_mnist_sample()
    out = os.path.join(tempfile.mkdtemp(), 'bench.pt')
    rows = []
    for w in a.workers:
        run_workers(bench_worker, w, d.train_x, d.train_y, a.bs, a.steps, a.arch, out)
        r = torch.load(out); rows.append((w, a.bs/r['step'], r['step'], r['allreduce']))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    print(f"{a.arch}, global batch {a.bs}, {a.steps} steps, {cores} CPU cores, gloo on 127.0.0.1, torch {torch.__version__}")
    print(f"{'workers':>7} {'images/s':>10} {'vs 1 worker':>12} {'ms/step':>9} {'all-reduce ms':>14} {'all-reduce share':>17}")
    base = rows[0][1]
    for w, ips, ts, ta in rows:
        print(f"{w:>7} {ips:>10.0f} {ips/base:>12.2f} {ts*1e3:>9.3f} {ta*1e3:>14.3f} {ta/ts:>17.1%}")


if __name__ == '__main__': sys.exit(main())
