"""Loading MNIST_SAMPLE (or the full MNIST): a bare one-process Pillow decode loop vs our first load (checks + decode in one
process per core) vs a cached load, measured in this one run, alternating, on the same folder; the table shows the median.

Run: python benchmarks/bench_data.py [--repeat 5] [--full] [--path FOLDER]
The issue's target: the first load within 1.5x of the bare loop (`vs bare` column), using the machine's cores.
"""
import argparse, os, statistics, tempfile, time
from pathlib import Path

import numpy as np
from PIL import Image

from mnist37.cache import _cores, load_pixels
from mnist37.data import CLASSES, SPLITS, mnist_sample_path
from mnist37.digits import DIGITS, MNIST_SPLITS, mnist_path


def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def bare(path, splits, classes):
    "What Pillow alone costs: open and decode every PNG, one process, no checks."
    for s in splits:
        for c in classes:
            d = path/s/c
            np.stack([np.array(Image.open(d/n)) for n in sorted(os.listdir(d))])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--full', action='store_true', help='the full MNIST (70,000 PNGs) instead of MNIST_SAMPLE (14,434)')
    ap.add_argument('--path', default=None, help='an extracted folder (default: fastai\'s)')
    a = ap.parse_args()
    path, splits, classes = ((mnist_path(a.path), MNIST_SPLITS, DIGITS) if a.full else (mnist_sample_path(a.path), SPLITS, CLASSES))
    times = {'bare Pillow loop (1 process)': [], f'first load ({_cores()} processes)': [], 'cached load': []}
    with tempfile.TemporaryDirectory() as d:
        cache = Path(d)/'cache.pt'
        for _ in range(a.repeat):
            cache.unlink(missing_ok=True)
            for k, f in zip(times, (lambda: bare(path, splits, classes), lambda: load_pixels(path, cache, splits, classes),
                                    lambda: load_pixels(path, cache, splits, classes))):
                times[k].append(timed(f))
    base = statistics.median(times['bare Pillow loop (1 process)'])
    print(f"{path}, median of {a.repeat}, {_cores()} cores")
    print(f"{'what':<32}{'seconds':>10}{'vs bare':>10}")
    for k, ts in times.items(): print(f"{k:<32}{statistics.median(ts):>10.3f}{statistics.median(ts)/base:>9.2f}x")


if __name__ == '__main__': main()
