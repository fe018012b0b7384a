"""Run notebooks in a real Jupyter kernel (nbclient + ipykernel), as a student's Jupyter runs them.

python .ci/run_nbs.py [NB ...]          # run (default: every nbs/*.ipynb); outputs are discarded
python .ci/run_nbs.py --save [NB ...]   # run and store the fresh outputs in the notebooks
python .ci/run_nbs.py --slow [NB ...]   # also run the `#| slow` cells (combine with --save to store theirs)
python .ci/run_nbs.py --jobs 2 [NB ...] # two kernels at a time, each with OMP_NUM_THREADS=1

The kernel is this interpreter's own (`python3` from its environment). Cells flagged with one of
settings.ini's tst_flags (`#| slow`, `#| notest`) or with `#| eval: false` are skipped, as nbdev_test skips
them; in --save mode they keep their stored outputs. A notebook that fails (a cell raises, a cell runs past
--timeout, the kernel dies, the file is not a notebook) is reported in one block naming the file, the cell and
the error, and the others still run. Prints each notebook's time, then `N ok, N failed` naming the failed
files; exits 1 if any failed, 2 (one `error:` line) on a bad argument, 130 on Ctrl-C.
"""
import argparse, configparser, os, re, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

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


def _where(nb, i) -> str:
    "How a report names cell `i` of `nb`: its index, id and first line."
    if i is None or not 0 <= i < len(nb.cells): return 'before the first cell'
    c = nb.cells[i]
    first = next((l for l in c.source.splitlines() if l.strip()), '')
    return f"cell {i}" + (f" (id {c['id']})" if c.get('id') else '') + (f": {first[:70]!r}" if first else '')


def _tail(text: str, n: int = 3000) -> str:
    "The last `n` characters of `text` (where a traceback ends with its error)."
    text = re.sub(r'\x1b\[[0-9;]*m', '', text).strip()
    return text if len(text) <= n else '...' + text[-n:]


def write_atomic(nb, path: Path):
    "Write notebook `nb` to `path` through a temporary file beside it, so that `path` is never half-written."
    tmp = path.with_name(f'.{path.name}.tmp')
    try:
        nbformat.write(nb, tmp)
        tmp.replace(path)
    finally: tmp.unlink(missing_ok=True)


def run(path: Path, save: bool = False, run_flags=(), timeout: int = 1200) -> str | None:
    "Execute one notebook from its own folder; return what went wrong (the cell and the error), or None."
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    try: nb = nbformat.read(path, as_version=4)
    except Exception as e: return f"not a notebook Jupyter can open: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
    keep = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'code' and skipped(c.source, run_flags):
            keep[i] = c; nb.cells[i] = nbformat.v4.new_code_cell('', **({'id': c['id']} if c.get('id') else {}))
    current = [None]
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}},
                            on_cell_start=lambda cell, cell_index: current.__setitem__(0, cell_index))
    try: client.execute()
    except CellExecutionError as e: return f"{_where(nb, current[0])} raised {e.ename}: {e.evalue}\n{_tail(str(e))}"
    except CellTimeoutError: return f"{_where(nb, current[0])} ran past the timeout of {timeout} s (raise it with --timeout)"
    except DeadKernelError as e: return f"the kernel died in {_where(nb, current[0])}: {e}"
    except Exception as e: return f"{_where(nb, current[0])}: {type(e).__name__}: {_tail(str(e), 600)}"
    for i, c in keep.items(): nb.cells[i] = c
    if save:
        for c in nb.cells:
            if c.cell_type == 'code': c.outputs = [o for o in map(_clean, c.get('outputs', [])) if o is not None]
        write_atomic(nb, path)
    return None


# Third-party warnings that say nothing to a reader (with this machine's paths in them): not stored.
NOISE = re.compile(r'torch\.jit\.script` is deprecated|^\s*warnings\.warn\($|mode\.chained_assignment')


def _clean(o):
    "A stored output as a reader should see it: stderr without progress-bar redraws and third-party noise; None if nothing is left."
    if o.get('output_type') != 'stream' or o.get('name') != 'stderr': return o
    lines = [l.rsplit('\r', 1)[-1] for l in o['text'].split('\n')]
    o['text'] = '\n'.join(l for l in lines if not NOISE.search(l))
    return o if o['text'].strip() else None


def run_all(paths, save: bool = False, run_flags=(), jobs: int = 1, label: str = '', timeout: int = 1200) -> list:
    """Run every notebook of `paths`, `jobs` kernels at a time; print one line per notebook as it ends (a failure
    with its block), then the total time and `N ok, N failed`; return the paths that failed."""
    if jobs > 1: os.environ['OMP_NUM_THREADS'] = '1'   # N kernels, one torch thread each (else they spin-wait on each other)
    def one(p):
        t = time.perf_counter()
        try: err = run(Path(p).resolve(), save, run_flags, timeout)
        except Exception as e: err = f'{type(e).__name__}: {e}'        # a bug here must not hide the other notebooks
        return p, err, time.perf_counter() - t
    failed, t0 = [], time.perf_counter()
    with ThreadPoolExecutor(max(1, jobs)) as ex:
        for p, err, secs in ex.map(one, paths):
            if err:
                failed.append(p)
                print(f"FAIL {label}{p} ({secs:.1f} s)\n" + '\n'.join('  ' + l for l in err.splitlines()), flush=True)
            else: print(f"ok   {label}{p} ({secs:.1f} s)", flush=True)
    summary = f"{len(paths) - len(failed)} ok, {len(failed)} failed"
    print(f"{label}total {time.perf_counter() - t0:.1f} s: {summary}" + (f": {', '.join(map(str, failed))}" if failed else ''), flush=True)
    return failed


def positive_int(s: str) -> int:
    "argparse type: a whole number at least 1."
    try: n = int(s)
    except ValueError: raise argparse.ArgumentTypeError(f'{s!r} is not a whole number') from None
    if n < 1: raise argparse.ArgumentTypeError(f'must be at least 1, got {n}')
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='run_nbs.py', description=__doc__.split('\n')[0])
    p.add_argument('nbs', nargs='*', type=Path, help='notebooks to run (default: every nbs/*.ipynb)')
    p.add_argument('--save', action='store_true', help='store the fresh outputs in the notebooks')
    p.add_argument('--slow', action='store_true', help='also run the `#| slow` cells')
    p.add_argument('--jobs', type=positive_int, default=1, metavar='N', help='kernels at a time, each with OMP_NUM_THREADS=1 (default 1)')
    p.add_argument('--timeout', type=positive_int, default=1200, metavar='S', help="seconds a cell may run (default 1200)")
    return p


def main(argv=None):
    p = parser()
    a = p.parse_args(argv)
    missing = [str(n) for n in a.nbs if not n.is_file()]
    if missing: p.exit(2, f"error: no notebook {', '.join(missing)}: give paths to .ipynb files\n")
    nbs = a.nbs or sorted((root/'nbs').glob('*.ipynb'))
    os.environ.pop('MPLBACKEND', None)   # a student's Jupyter draws inline (CI sets Agg for everything else)
    try: failed = run_all(nbs, a.save, ('slow',) if a.slow else (), a.jobs, timeout=a.timeout)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr); os._exit(130)
    sys.exit(1 if failed else 0)


if __name__ == '__main__': main()
