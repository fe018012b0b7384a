"""Run notebooks in a real Jupyter kernel (nbclient + ipykernel), as a student's Jupyter runs them.

python .ci/run_nbs.py [NB ...]          # run (default: every nbs/*.ipynb); outputs are discarded
python .ci/run_nbs.py --save [NB ...]   # run and store the fresh outputs in the notebooks
python .ci/run_nbs.py --slow [NB ...]   # also run the `#| slow` cells (combine with --save to store theirs)
python .ci/run_nbs.py --jobs 2 [NB ...] # two kernels at a time (with OMP_NUM_THREADS=1 on a 2-core machine)

Cells flagged with one of settings.ini's tst_flags (`#| slow`, `#| notest`) or with `#| eval: false` are
skipped, as nbdev_test skips them; in --save mode they keep their stored outputs. Exits 1 naming every
notebook that raised, with the cell and the error.
"""
import configparser, re, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

root = Path(__file__).resolve().parent.parent
cfg = configparser.ConfigParser(); cfg.read(root/'settings.ini')
flags = cfg['DEFAULT'].get('tst_flags', '').split()


def skipped(src: str, run_flags=()) -> bool:
    "True for a cell that nbdev_test would not run (unless its flag is in `run_flags`)."
    for line in src.splitlines():
        m = re.match(r'\s*#\s*\|\s*(.*)', line)
        if not m: continue
        words = m.group(1).replace(':', ' ').split()
        if words and ((words[0] in flags and words[0] not in run_flags) or words[:2] == ['eval', 'false']): return True
    return False


def run(path: Path, save: bool, run_flags=()) -> str | None:
    "Execute one notebook from its own folder; return an error description, or None."
    nb = nbformat.read(path, as_version=4)
    keep = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'code' and skipped(c.source, run_flags): keep[i] = c; nb.cells[i] = nbformat.v4.new_code_cell('', id=c.get('id'))
    try: NotebookClient(nb, timeout=1200, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    except CellExecutionError as e: return str(e)[-3000:]
    for i, c in keep.items(): nb.cells[i] = c
    if save:
        for c in nb.cells:
            if c.cell_type == 'code': c.outputs = [o for o in map(_clean, c.get('outputs', [])) if o is not None]
        nbformat.write(nb, path)
    return None


# Third-party warnings that say nothing to a reader (with this machine's paths in them): not stored.
NOISE = re.compile(r'torch\.jit\.script` is deprecated|^\s*warnings\.warn\($|mode\.chained_assignment')


def _clean(o):
    "A stored output as a reader should see it: stderr without progress-bar redraws and third-party noise; None if nothing is left."
    if o.get('output_type') != 'stream' or o.get('name') != 'stderr': return o
    lines = [l.rsplit('\r', 1)[-1] for l in o['text'].split('\n')]
    o['text'] = '\n'.join(l for l in lines if not NOISE.search(l))
    return o if o['text'].strip() else None


def run_all(paths, save: bool = False, run_flags=(), jobs: int = 1, label: str = '') -> list:
    "Run `paths`, `jobs` kernels at a time, printing one line per notebook as it ends; return the names that raised."
    from concurrent.futures import ThreadPoolExecutor
    def one(p):
        t = time.perf_counter()
        return p, run(p.resolve(), save, run_flags), time.perf_counter() - t
    failed = []
    with ThreadPoolExecutor(max(1, jobs)) as ex:
        for p, err, secs in ex.map(one, paths):
            print(f"{'FAIL' if err else 'ok  '} {label}{p.name} ({secs:.0f} s)", flush=True)
            if err: failed.append(p.name); print(err, flush=True)
    return failed


def jobs_arg(args) -> int:
    "The N of `--jobs N` (default 1): how many kernels run at once (each one a process; set OMP_NUM_THREADS=1)."
    if '--jobs' not in args: return 1
    i = args.index('--jobs')
    try: n = int(args[i + 1])
    except (IndexError, ValueError): sys.exit('error: --jobs takes a whole number, e.g. --jobs 2')
    if n < 1: sys.exit(f'error: --jobs must be at least 1, got {n}')
    del args[i:i + 2]
    return n


if __name__ == '__main__':
    import os
    os.environ.pop('MPLBACKEND', None)   # a student's Jupyter draws inline (CI sets Agg for everything else)
    args = sys.argv[1:]
    jobs = jobs_arg(args)
    save, run_flags = '--save' in args, ('slow',) if '--slow' in args else ()
    nbs = [Path(a) for a in args if not a.startswith('--')] or sorted((root/'nbs').glob('*.ipynb'))
    failed = run_all(nbs, save, run_flags, jobs)
    if failed: sys.exit(f"{len(failed)} notebook(s) raised in a kernel: {', '.join(failed)}")
    print(f"all {len(nbs)} notebooks ran in a Jupyter kernel without an error")
