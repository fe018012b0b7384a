"""Practice notebooks, fastbook's `clean/` convention: each chapter notebook with its prose, outputs and answers removed.

python .ci/practice.py [--out DIR] [NB ...]         # write DIR/<chapter>.ipynb (default DIR: practice/, git-ignored)
python .ci/practice.py --run [--out DIR] [NB ...]   # write them, then execute each top to bottom in a Jupyter kernel

A practice notebook keeps the title and every heading, the "Stop and think" prompts, the code cells a student
sees (without their outputs) and the exercises (statement, stub and the check line), so that a student re-derives
every result and checks their own answers. Left out: cells hidden from the student (`#| hide` tests, proofs folded
with Jupyter's `source_hidden`) and the answers (cells folded as an answer, `hide-cell`, and the cells that compute
what a prediction asks, `hide-output`), except a cell that binds a name a later kept cell uses. Such a needed answer
cell, when it is exported to the package, becomes a stub: an import of the names from `mnist37`, so the notebook
runs without showing the code; otherwise it is kept as it is (the chapter needs it to go on).
The chapters are nbs/0*.ipynb except the questionnaire; NB limits the run to some of them (a chapter name such
as 02_sgd, or the path of any .ipynb file). --run executes them as .ci/run_nbs.py does (the `#| slow` cells
skipped), with the exercises left as stubs: their checks say "not done yet" and the run goes on.
A notebook that cannot be read or converted is reported by name and the others are still written; exits 1
naming every notebook that failed, 2 with one `error:` line on a bad argument.
"""
import argparse, ast, builtins, json, re, sys, time
from pathlib import Path

import nbformat
from nbformat.validator import normalize

import run_nbs

root = Path(__file__).resolve().parent.parent


def chapters() -> dict:
    "Chapter name -> notebook path: nbs/0*.ipynb, without the questionnaire (and the CLI, before it moves to the appendix)."
    return {p.stem: p for p in sorted((root/'nbs').glob('0*.ipynb')) if not re.search(r'questionnaire|_cli$', p.stem)}


def _src(c) -> str: s = c['source']; return ''.join(s) if isinstance(s, list) else s
def _lines(s:str) -> list: l = s.split('\n'); return [x + '\n' for x in l[:-1]] + [l[-1]]


def practice_markdown(text:str) -> str:
    "What a practice notebook keeps of a prose cell: its headings and its 'Stop and think' prompts ('' if nothing)."
    keep, prompt = [], False
    for line in text.split('\n'):
        if re.match(r'#{1,6} ', line): keep.append(line); prompt = False
        elif re.match(r'>\s*\*\*Stop and think', line): keep.append(line); prompt = True
        elif prompt and line.startswith('>'): keep.append(line)
        else: prompt = False
    return '\n'.join(keep)


def answer(c) -> bool:
    "True for a cell that answers an exercise, a prediction or a Stop-and-think (folded as `hide-cell` or `hide-output`)."
    md = c.get('metadata', {})
    return c['cell_type'] == 'code' and bool({'hide-cell', 'hide-output'} & set(md.get('tags', [])))


def hidden(c) -> bool:
    ("True for a code cell the student does not see or that holds an answer: `#| hide` among its directives, collapsed "
     "(jupyter.source_hidden), or an answer.")
    if c.get('metadata', {}).get('jupyter', {}).get('source_hidden') or answer(c): return True
    for line in _src(c).splitlines():
        m = re.match(r'\s*#\s*\|\s*(.*)', line)
        if not m: break
        if m.group(1).split(':')[0].strip() in ('hide', 'export_hide'): return True
    return False


def _code(c) -> str:
    "A code cell's source as Python (IPython magics and shell lines blanked)."
    return re.sub(r'^\s*[%!].*$', '', _src(c), flags=re.M)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp)

def _free(scope) -> set:
    "Names a function, class, lambda or comprehension reads from outside itself (its parameters and locals left out)."
    local = {a.arg for a in ast.walk(scope) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    reads = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
    return reads | {'.' + n.attr for n in ast.walk(scope) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)}


def _names(src: str) -> tuple:
    ("(names the code binds at the top level, names it reads); (None, None) if it is not Python. Attributes count as "
     "'.name': `Learner.lr_find = f` binds what `learn.lr_find(...)` reads.")
    try: tree = ast.parse(src)
    except SyntaxError: return None, None
    bound, used = set(), set()
    def visit(n):
        if isinstance(n, ast.Name): (used if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, ast.Attribute): (used if isinstance(n.ctx, ast.Load) else bound).add('.' + n.attr)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            bound.update('*' if a.name == '*' else (a.asname or a.name.split('.')[0]) for a in n.names)
        if isinstance(n, _SCOPES):   # only what binds at the top level binds for later cells
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): bound.add(n.name)
            used.update(_free(n))
            return
        for child in ast.iter_child_nodes(n): visit(child)
    visit(tree)
    return bound, used - set(dir(builtins))


def _directives(src:str) -> dict:
    "The `#| name: value` lines at the top of a cell."
    res = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*)', line)
        if not m: break
        res[m.group(1)] = m.group(2).strip()
    return res


def import_stub(c, module:str|None, later:set) -> str|None:
    ("For an exported answer cell: an import of the names it binds that later cells read, from the package (None when "
     "the cell is not exported or a needed name is not a top-level def, class or assignment of it).")
    d = _directives(_src(c))
    if module is None or not ({'export', 'exports'} & set(d)): return None
    bound, _ = _names(_code(c))
    names = sorted(n for n in (bound or set()) & later if not n.startswith('.'))
    if not names or '*' in names: return None
    return (f"# the chapter's own code is an exercise's answer: write it yourself above; here, the package's\n"
            f"from mnist37.{module} import {', '.join(names)}")


def _later_reads(cells, i) -> set:
    "Names that the code cells after `i` read before binding them."
    wanted = set()
    for c in reversed(cells[i + 1:]):
        if c['cell_type'] != 'code': continue
        bound, used = _names(_code(c))
        if bound is not None: wanted = (wanted - bound) | (used - bound)
    return wanted


def _deferred(src: str) -> set:
    "Names the functions the code defines read from outside themselves: read when called, from any later cell."
    try: tree = ast.parse(src)
    except SyntaxError: return set()
    return set().union(*(_free(d) for d in ast.walk(tree) if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))) - set(dir(builtins))


def needed_hidden(cells) -> set:
    """Indices of the hidden code cells that bind a name a later kept code cell reads before binding it, or that a kept
    function or class reads when it is called (they stay, or the notebook would not run); a cell that is not Python, or
    imports `*`, stays too."""
    called = set()   # names read inside the kept cells' functions and classes: needed wherever they are bound
    while True:
        keep, wanted = set(), set()
        for i in reversed(range(len(cells))):
            c = cells[i]
            if c['cell_type'] != 'code': continue
            bound, used = _names(_code(c))
            if hidden(c) and not (bound is None or '*' in bound or bound & (wanted | called)): continue
            if hidden(c): keep.add(i)
            if bound is not None: wanted = (wanted - bound) | (used - bound)
        more = set().union(*(_deferred(_code(c)) for i, c in enumerate(cells)
                             if c['cell_type'] == 'code' and (i in keep or not hidden(c))))
        if more <= called: return keep
        called |= more


def practice(nb:dict, name:str) -> dict:
    "The practice version of notebook `nb`: prose reduced to headings and prompts, outputs and hidden cells removed, exercises kept."
    cells = [{'cell_type': 'markdown', 'id': 'practice-note', 'metadata': {}, 'source': _lines(
        f"*Practice version of `nbs/{name}.ipynb`, generated by `.ci/practice.py`: the prose and the outputs are removed. "
        "Predict what each cell prints before you run it, rewrite the code from the headings, and run the exercises' checks.*")}]
    need = needed_hidden(nb['cells'])
    module = next((_directives(_src(c)).get('default_exp') for c in nb['cells']
                   if c['cell_type'] == 'code' and 'default_exp' in _directives(_src(c))), None)
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] == 'code' and i in need and answer(c):
            stub = import_stub(c, module, _later_reads(nb['cells'], i))
            if stub is not None:
                cells.append({'cell_type': 'code', 'execution_count': None, 'id': c.get('id'), 'metadata': {}, 'outputs': [],
                              'source': _lines(stub)})
                continue
        if c['cell_type'] == 'markdown':
            # an exercise's statement, without the chapter's pointer to the folded answer (not in a practice notebook)
            text = (re.sub(r'\n\n\*(Try it first|Predict first):[^\n]*\*$', '', _src(c)) if str(c.get('id', '')).startswith('ex-')
                    else practice_markdown(_src(c)))
            if text.strip(): cells.append({'cell_type': 'markdown', 'id': c.get('id'), 'metadata': {}, 'source': _lines(text)})
        elif c['cell_type'] == 'code' and (not hidden(c) or i in need):
            cells.append({'cell_type': 'code', 'execution_count': None, 'id': c.get('id'), 'metadata': {}, 'outputs': [], 'source': c['source']})
    if len(cells) > 1 and cells[1]['cell_type'] == 'markdown' and cells[1]['source'][0].startswith('# '):   # the title first, then the note
        cells[0], cells[1] = cells[1], cells[0]
    seen = set()
    for j, c in enumerate(cells):          # nbformat 4.5 wants a unique id on every cell (a 4.4 notebook has none)
        if not c['id'] or not isinstance(c['id'], str) or c['id'] in seen: c['id'] = f'practice-{j}'
        seen.add(c['id'])
    return {'cells': cells, 'metadata': {'kernelspec': nb.get('metadata', {}).get('kernelspec', {'display_name': 'python3', 'language': 'python', 'name': 'python3'})},
            'nbformat': 4, 'nbformat_minor': 5}


def practice_file(src: Path, dest: Path):
    "Write the practice version of the notebook at `src` to `dest`: read and validated with nbformat, written atomically."
    nb = nbformat.read(src, as_version=4)                       # NotJSONError, or a notebook of another nbformat
    out = nbformat.from_dict(practice(json.loads(nbformat.writes(nb)), src.stem))
    normalize(out)
    nbformat.validate(out)                                      # an invalid notebook is never written
    run_nbs.write_atomic(out, dest)


def write(out:Path, srcs) -> tuple:
    "Write the practice notebooks of `srcs` (chapter names or notebook paths) into `out`; return (written paths, {src: error})."
    out.mkdir(parents=True, exist_ok=True)
    known, paths, errors = chapters(), [], {}
    for s in srcs:
        src = Path(s) if str(s).endswith('.ipynb') and Path(s).is_file() else known[str(s)]
        dest = out/f'{src.stem}.ipynb'
        try: practice_file(src, dest)
        except Exception as e:
            errors[src] = f"{type(e).__name__}: {' '.join(str(e).split())[:400]}"
            print(f"FAIL practice {src}\n  no practice notebook written: {errors[src]}", flush=True)
            continue
        paths.append(dest)
    return paths, errors


def main(argv=None):
    p = argparse.ArgumentParser(prog='practice.py', description=__doc__.split('\n')[0])
    p.add_argument('nbs', nargs='*', help='chapter names, e.g. 02_sgd, or .ipynb paths (default: every chapter)')
    p.add_argument('--out', default=str(root/'practice'), help='where to write them (default: practice/)')
    p.add_argument('--run', action='store_true', help='then execute each in a Jupyter kernel')
    p.add_argument('--jobs', type=run_nbs.positive_int, default=1, metavar='N', help='with --run: kernels at a time (default 1)')
    p.add_argument('--timeout', type=run_nbs.positive_int, default=1200, metavar='S', help='with --run: seconds a cell may run (default 1200)')
    a = p.parse_args(argv)
    known = chapters()
    names = [n if n.endswith('.ipynb') and Path(n).is_file() else n.removesuffix('.ipynb') for n in a.nbs]
    bad = [n for n in names if not n.endswith('.ipynb') and n not in known]
    if bad: p.exit(2, f"error: no chapter notebook {', '.join(bad)} in nbs/; the chapters are {', '.join(known)}\n")
    out = Path(a.out)
    if out.exists() and not out.is_dir(): p.exit(2, f"error: --out {out} exists and is not a folder\n")
    if out.resolve() == (root/'nbs').resolve(): p.exit(2, "error: --out must not be nbs/ (the practice notebooks would replace the chapters)\n")
    srcs = names or list(known)
    if len({Path(s).stem for s in srcs}) < len(srcs): p.exit(2, "error: two notebooks of the same name would write the same practice notebook\n")
    t0 = time.perf_counter()
    paths, errors = write(out, srcs)
    print(f"wrote {len(paths)} practice notebooks to {out}" + (f"; {len(errors)} failed: {', '.join(map(str, errors))}" if errors else ''), flush=True)
    failed = [str(e) for e in errors]
    if a.run:
        import os
        os.environ.pop('MPLBACKEND', None)
        try: failed += map(str, run_nbs.run_all(paths, jobs=a.jobs, label='practice ', timeout=a.timeout))
        except KeyboardInterrupt:
            print('interrupted', file=sys.stderr); os._exit(130)
    if failed:
        print(f"{len(srcs) - len(failed)} ok, {len(failed)} failed: {', '.join(failed)} ({time.perf_counter() - t0:.1f} s)", flush=True)
        sys.exit(1)


if __name__ == '__main__': main()
