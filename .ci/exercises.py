"""The exercise cells of the chapters, generated from `mnist37.exercises.EXERCISES` (nbs/94_exercises.ipynb).

python .ci/exercises.py sync [NB ...]    # rewrite every chapter's ex-* cells (idempotent)
python .ci/exercises.py check [NB ...]   # exit 1 naming each chapter (and exercise) that `sync` would change
python .ci/exercises.py --report         # counts: exercises, transfers and predictions, per chapter, answers visible
                                         # (with sync or check: the counts of the chapters as they are after it)

Each exercise is three cells, ids `ex-<name>-statement` (markdown), `ex-<name>-stub` (the code the student edits) and
`ex-<name>-check` (the line that checks it, with the "not done yet" the stub gets as its output), and each chapter
has one `ex-import` cell, right before its first exercise, importing the checks it uses. Where they go is the
exercise's `kind` (try first, then see):

- a rewrite goes right before the first cell that matches one of its `reveals` (the chapter's code that answers
  it), and every such cell is folded, code and output: `{"jupyter": {"source_hidden": true, "outputs_hidden": true},
  "tags": ["hide-cell"]}`;
- a prediction goes right before the first cell that matches its `reveals` (the cell that computes the number), and
  the output of every such code cell is folded: `{"jupyter": {"outputs_hidden": true}, "tags": ["hide-output"]}`;
- a transfer (or an exercise with no `reveals`) goes after the first cell that matches one of its `anchors`, tried
  in order (before it, for `before=True`); nothing is folded.

Folds are only added, never removed (a chapter's own folds stay). A regex that matches nothing is an error that
names the exercise, the notebook and the regexes. A chapter that does not exist yet is skipped, with a note.
The answer of an exercise counts as visible when a cell above it matches one of its `reveals` and is open (a code
cell whose code, or for a prediction whose output, is not folded; any markdown cell).
"""
import argparse, copy, json, re, sys
from collections import defaultdict
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root))

FOLD = {'rewrite': ({'source_hidden': True, 'outputs_hidden': True}, 'hide-cell'),
        'prediction': ({'outputs_hidden': True}, 'hide-output')}
LABEL = {'rewrite': 'Exercise', 'transfer': 'Exercise', 'prediction': 'Prediction'}
TRY_FIRST = {'rewrite': "\n\n*Try it first: the chapter's own code comes in the folded cell below.*",
             'prediction': "\n\n*Predict first: the cell below that computes it has its output folded.*", 'transfer': ''}


class AnchorError(Exception): "An exercise's regexes match no cell of its chapter."


def _src(c) -> str: s = c['source']; return ''.join(s) if isinstance(s, list) else s
def _lines(s: str) -> list: l = s.split('\n'); return [x + '\n' for x in l[:-1]] + [l[-1]]
def _is_ex(c) -> bool: return str(c.get('id', '')).startswith('ex-')
def _match(regexes, c) -> bool: return any(re.search(r, _src(c), re.M) for r in regexes)
def _test(c) -> bool:
    "A `#| hide` cell (the chapter's tests): never where an exercise goes, never folded by one."
    return c['cell_type'] == 'code' and bool(re.match(r'\s*#\s*\|\s*hide\s*$', _src(c).split('\n')[0]))


def exercises() -> dict:
    from mnist37.exercises import EXERCISES
    return EXERCISES


_NOT_DONE = {}
def not_done(ex) -> str:
    "What the check prints for the untouched stub (the check cell's output)."
    if ex.name not in _NOT_DONE:
        import torch
        from torch import nn
        from mnist37.exercises import run_check
        from mnist37.learner import Callback
        ns = {'torch': torch, 'nn': nn, 'Callback': Callback}
        exec(ex.stub, ns)
        v = run_check(ex.name, ns[ex.answer])
        if v.status != 'todo': raise AssertionError(f"{ex.name}: the stub is not 'not done yet': {v.message}")
        _NOT_DONE[ex.name] = v.message
    return _NOT_DONE[ex.name]


def ex_cells(ex) -> list:
    "The three cells of exercise `ex`."
    return [{'cell_type': 'markdown', 'id': f'ex-{ex.name}-statement', 'metadata': {},
             'source': _lines(f"**{LABEL[ex.kind]}: {ex.title}.** {ex.statement}{TRY_FIRST[ex.kind] if ex.reveals else ''}")},
            {'cell_type': 'code', 'execution_count': None, 'id': f'ex-{ex.name}-stub', 'metadata': {}, 'outputs': [],
             'source': _lines(ex.stub)},
            {'cell_type': 'code', 'execution_count': None, 'id': f'ex-{ex.name}-check', 'metadata': {},
             'outputs': [{'name': 'stdout', 'output_type': 'stream', 'text': _lines(not_done(ex) + '\n')}],
             'source': _lines(ex.check_call)}]


def placement(ex, cells) -> tuple:
    "(position key, indices of the cells to fold) of `ex` in `cells` (a chapter without ex-* cells)."
    if ex.kind != 'transfer' and ex.reveals:
        hits = [i for i, c in enumerate(cells) if not _test(c) and _match(ex.reveals, c)]
        if not hits:
            raise AnchorError(f"exercise {ex.name!r} ({ex.kind}) in nbs/{ex.nb}.ipynb: no cell matches its reveals "
                              f"{list(ex.reveals)}")
        return hits[0] - 0.5, [i for i in hits if cells[i]['cell_type'] == 'code']
    for a in ex.anchors:
        hits = [i for i, c in enumerate(cells) if not _test(c) and _match([a], c)]
        if hits: return hits[0] + (-0.5 if ex.before else 0.5), []
    raise AnchorError(f"exercise {ex.name!r} ({ex.kind}) in nbs/{ex.nb}.ipynb: no cell matches its anchors "
                      f"{list(ex.anchors)}")


def fold(c, kind):
    "Add `kind`'s fold to cell `c` (in place); a rewrite's whole-cell fold replaces the input/output-only tags."
    jup, tag = FOLD[kind]
    md = c.setdefault('metadata', {})
    md.setdefault('jupyter', {}).update(jup)
    tags = [t for t in md.get('tags', []) if not (kind == 'rewrite' and t in ('hide-input', 'hide-output'))]
    if tag not in tags and not (kind == 'prediction' and 'hide-cell' in tags): tags.append(tag)
    md['tags'] = tags


def synced(nb: dict, exs: list) -> dict:
    "Notebook `nb` with its ex-* cells rewritten for the exercises `exs` (in course order) and their reveals folded."
    nb = copy.deepcopy(nb)
    old = {c['id']: c for c in nb['cells'] if _is_ex(c)}
    cells = [c for c in nb['cells'] if not _is_ex(c)]
    spots = []
    for k, ex in enumerate(exs):
        pos, folds = placement(ex, cells)
        for i in folds: fold(cells[i], ex.kind)
        spots.append((pos, k, ex))
    spots.sort(key=lambda s: (s[0], s[1]))
    inserts = defaultdict(list)   # index of the cell they go before -> cells
    for n, (pos, k, ex) in enumerate(spots):
        new = ex_cells(ex)
        if n == 0:
            names = ', '.join(f'check_{e.name}' for e in exs)
            new.insert(0, {'cell_type': 'code', 'execution_count': None, 'id': 'ex-import', 'metadata': {}, 'outputs': [],
                           'source': _lines(f'from mnist37.exercises import {names}')})
        inserts[int(pos + 0.5)].extend(new)
    out = []
    for i in range(len(cells) + 1):
        for c in inserts.get(i, []):   # a cell whose source is unchanged keeps the outputs the chapter saved
            o = old.get(c['id'])
            if o is not None and c['cell_type'] == 'code' and _src(o) == _src(c) and o.get('outputs'): c['outputs'] = o['outputs']
            out.append(c)
        if i < len(cells): out.append(cells[i])
    nb['cells'] = out
    return nb


def _key(c) -> tuple:
    "What `check` compares of a cell: its kind, id, source and metadata (not outputs, which a run may rewrite)."
    return (c['cell_type'], c.get('id'), _src(c), json.dumps(c.get('metadata', {}), sort_keys=True))


def diff(before: dict, after: dict) -> list:
    "What `sync` changes, in words."
    if [_key(c) for c in before['cells']] == [_key(c) for c in after['cells']]: return []
    b = {c.get('id'): c for c in before['cells']}
    a_ids = [c.get('id') for c in after['cells'] if _is_ex(c)]
    b_ids = [c.get('id') for c in before['cells'] if _is_ex(c)]
    why = []
    if missing := [i for i in a_ids if i not in b_ids]: why.append(f"missing {', '.join(missing)}")
    if extra := [i for i in b_ids if i not in a_ids]: why.append(f"not in EXERCISES {', '.join(extra)}")
    if changed := [c['id'] for c in after['cells'] if _is_ex(c) and c['id'] in b and _key(c) != _key(b[c['id']])]:
        why.append(f"different text {', '.join(changed)}")
    if unfolded := [c.get('id') for c in after['cells'] if not _is_ex(c) and c.get('id') in b
                    and _key(c) != _key(b[c.get('id')])]:
        why.append(f"not folded: cells {', '.join(map(str, unfolded))}")
    if not why: why.append("exercise cells in other places")
    return why


def visible(nb: dict, exs: list) -> list:
    "The exercises whose answer is visible above them: an open cell matching one of their reveals."
    res = []
    for ex in exs:
        ids = [c.get('id') for c in nb['cells']]
        if f'ex-{ex.name}-statement' not in ids: continue
        for c in nb['cells'][:ids.index(f'ex-{ex.name}-statement')]:
            if _is_ex(c) or not ex.reveals or not _match(ex.reveals, c): continue
            jup = c.get('metadata', {}).get('jupyter', {})
            shut = (c['cell_type'] == 'code' and (jup.get('source_hidden') and (ex.kind != 'prediction' or jup.get('outputs_hidden'))
                                                    or ex.kind == 'prediction' and jup.get('outputs_hidden')))
            if not shut: res.append(ex.name); break
    return res


def by_chapter(names=None) -> dict:
    "Chapter name -> its exercises, in course order (only `names`, if given)."
    res = defaultdict(list)
    for ex in exercises().values():
        if not names or ex.nb in names: res[ex.nb].append(ex)
    return dict(res)


def run(mode: str, names=None, report=False) -> int:
    notes, changes, errors, counts = [], {}, [], {}
    for nb_name, exs in by_chapter(names).items():
        path = root/'nbs'/f'{nb_name}.ipynb'
        if not path.exists():
            notes.append(f"skipped nbs/{nb_name}.ipynb: not there yet ({len(exs)} exercises: {', '.join(e.name for e in exs)})")
            continue
        text = path.read_text(encoding='utf-8')
        nb = json.loads(text)
        try: new = synced(nb, exs)
        except AnchorError as e: errors.append(str(e)); continue
        if why := diff(nb, new): changes[nb_name] = why
        if mode == 'sync':
            out = json.dumps(new, indent=1, ensure_ascii=False) + '\n'
            if out != text: path.write_text(out, encoding='utf-8')
        counts[nb_name] = (exs, new if mode == 'sync' else nb)
    for e in errors: print(f"error: {e}", file=sys.stderr)
    if mode == 'check':
        for n, why in changes.items(): print(f"nbs/{n}.ipynb: sync would change it: {'; '.join(why)}")
        if not changes and not errors: print(f"the exercise cells of {len(counts)} chapters are as sync writes them")
    elif mode == 'sync':
        print(f"synced {len(counts)} chapters" + (f"; changed {', '.join(changes)}" if changes else '; nothing changed'))
    for n in notes: print(f"note: {n}")
    if report: print_report(counts, notes)
    return 1 if errors or (mode == 'check' and changes) else 0


def print_report(counts: dict, notes: list):
    allex = list(exercises().values())
    placed = [e for exs, _ in counts.values() for e in exs]
    vis = [n for exs, nb in counts.values() for n in visible(nb, exs)]
    tp = lambda exs: sum(e.kind != 'rewrite' for e in exs)
    print(f"exercises: {len(allex)} registered, {tp(allex)} transfers or predictions "
          f"({sum(e.kind == 'transfer' for e in allex)} transfers, {sum(e.kind == 'prediction' for e in allex)} predictions)")
    print(f"in the chapters that exist: {len(placed)}, {tp(placed)} transfers or predictions; "
          f"answer visible above the exercise: {len(vis)}" + (f" ({', '.join(vis)})" if vis else ''))
    for nb_name, (exs, nb) in counts.items():
        print(f"  {nb_name:18} {len(exs):2} ({', '.join(f'{e.name}:{e.kind[0]}' for e in exs)})")
    for n in notes: print(f"  {n}")


def main(argv=None):
    p = argparse.ArgumentParser(prog='exercises.py', description=__doc__.split('\n')[0])
    p.add_argument('mode', nargs='?', choices=('sync', 'check'), help='rewrite the chapters, or check them')
    p.add_argument('nbs', nargs='*', help='chapter names, e.g. 02_sgd (default: every chapter with an exercise)')
    p.add_argument('--report', action='store_true', help='print the counts')
    a = p.parse_args(argv)
    if not a.mode and not a.report: p.error("give sync, check or --report")
    known = {e.nb for e in exercises().values()}
    if bad := [n for n in a.nbs if n.removesuffix('.ipynb') not in known]:
        p.error(f"no exercise in {', '.join(bad)}; the chapters with exercises are {', '.join(sorted(known))}")
    sys.exit(run(a.mode or 'report', [n.removesuffix('.ipynb') for n in a.nbs] or None, a.report))


if __name__ == '__main__': main()
