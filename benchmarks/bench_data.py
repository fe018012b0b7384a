"""Loading MNIST_SAMPLE (or the full MNIST): a bare one-process Pillow decode loop vs our first load (checks + decode in one
process per core) vs a cached load, measured in this one run, alternating, on the same folder; the table shows the median.

Run: python benchmarks/bench_data.py [--repeat 5] [--full] [--path FOLDER] [--archives DIR]
The issue's target: the first load within 1.5x of the bare loop (`vs bare` column), using the machine's cores.
With --archives DIR (e.g. ../shared/data): also the time and peak memory of checking each archive there (`read_archive`),
and of refusing tiny hostile archives (each in a fresh process, so that its peak memory is its own).
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
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
    ap.add_argument('--archives', default=None, help='a folder of .tgz archives to check, with tiny hostile ones')
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


CHECK = """
import re, sys, time
from mnist37.external import read_archive
t = time.perf_counter()
try: read_archive(sys.argv[1]); what = 'accepted'
except ValueError: what = 'refused'
hwm = int(re.search(r'VmHWM:\s+(\d+)', open('/proc/self/status').read()).group(1))   # this process's peak, in kB
print(what, time.perf_counter() - t, hwm/1024)
"""


def archives(folder):
    "Time and peak memory of `read_archive` on the archives in `folder` and on tiny hostile ones, each in its own process."
    import bz2, gzip
    from mnist37.test_utils import make_tar
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        ok = make_tar(d/'ok.tar', [('demo', None), ('demo/a', b'1')], 'w').read_bytes()
        (d/'zeros-after-end.tbz').write_bytes(bz2.compress(ok + bytes(1_000_000_000)))
        (d/'pax.tgz').write_bytes(gzip.compress(b'././@PaxHeader'.ljust(100, b'\0') + bytes(412) + b'%'*1_000_000))
        make_tar(d/'declares-300MB.tbz', [('z', None), ('z/zeros', bytes(300_000_000))], 'w:bz2')
        make_tar(d/'deep-names.tgz', [('/'.join(['d']*k), None) for k in range(1, 41)])
        files = sorted(Path(folder).glob('*.tgz')) + sorted(p for p in d.iterdir() if p.name != 'ok.tar')
        print(f"\n{'archive':<28}{'bytes':>12}{'result':>10}{'seconds':>10}{'peak MB':>10}")
        for f in files:
            out = subprocess.run([sys.executable, '-c', CHECK, str(f)], capture_output=True, text=True).stdout.split()
            print(f"{f.name:<28}{f.stat().st_size:>12,}{out[0]:>10}{float(out[1]):>10.3f}{float(out[2]):>10.0f}")


if __name__ == '__main__':
    main()
    if '--archives' in sys.argv: archives(sys.argv[sys.argv.index('--archives') + 1])
