"""Loading MNIST_SAMPLE: decoding every PNG (first load) vs reading the cache (later loads).

Run: python benchmarks/bench_data.py [--repeat 5] [--path FOLDER]
Both are measured in this one run, alternating, on the same folder; the table shows the median.
"""
import argparse, statistics, tempfile, time
from pathlib import Path

from mnist37.data import load_mnist_sample, mnist_sample_path


def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--path', default=None, help='an extracted mnist_sample folder (default: untar_data)')
    a = ap.parse_args()
    path = mnist_sample_path(a.path)
    with tempfile.TemporaryDirectory() as d:
        cache = Path(d)/'cache.pt'
        first, cached = [], []
        for _ in range(a.repeat):
            cache.unlink(missing_ok=True)
            first.append(timed(lambda: load_mnist_sample(path, cache=cache)))    # decode + write cache
            cached.append(timed(lambda: load_mnist_sample(path, cache=cache)))   # fingerprint + read cache
    rows = [('first load (decode 14,434 PNGs)', statistics.median(first)),
            ('cached load', statistics.median(cached))]
    print(f"MNIST_SAMPLE at {path}, median of {a.repeat}")
    print(f"{'what':<34}{'seconds':>10}{'vs first':>10}")
    for name, t in rows: print(f"{name:<34}{t:>10.3f}{t/rows[0][1]:>10.3f}")


if __name__ == '__main__': main()
