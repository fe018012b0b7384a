"""Lines of code a student reads on the course's reading path: per notebook, open in Jupyter and shown on the site.

python .ci/lines.py            # the table, then exit 1 if a limit is passed
python .ci/lines.py --json     # the counts as JSON (for the README's reading table)

A line counts when it is not blank and not an nbdev directive (`#| ...`). A code cell is open in Jupyter unless it is
collapsed (`jupyter.source_hidden`); it is shown on the site unless it is collapsed, hidden by nbdev (`#| hide`) or
folded by a tag (`hide-input`, `hide-cell`, `remove-input`, `remove-cell`). The reading path is index and the
chapters 00-08 (with their lettered chapters, 03a, 03b, ...); the limits: 1,500 lines on it, 800 in 00-03b.
"""
import argparse, json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
LIMITS = {'the reading path (index, 00-08)': (r'^(index|0[0-8][a-z]?_.*)$', 1500),
          'chapter 4 of the book (00-03b)': (r'^0[0-3][a-z]?_.*$', 800)}
_SITE_HIDDEN_TAGS = {'hide-input', 'hide-cell', 'remove-input', 'remove-cell'}


def _src(c) -> str: s = c['source']; return ''.join(s) if isinstance(s, list) else s

def _directives(src:str) -> set:
    "The nbdev directives at the top of a cell (`#| hide` -> 'hide')."
    out = set()
    for line in src.splitlines():
        m = re.match(r'\s*#\s*\|\s*([\w-]+)', line)
        if not m: break
        out.add(m.group(1))
    return out

def code_lines(src:str) -> int:
    "Lines that are neither blank nor `#|` directives."
    return sum(1 for l in src.splitlines() if l.strip() and not re.match(r'\s*#\s*\|', l))

def count(path:Path) -> tuple:
    "(lines open in Jupyter, lines shown on the site) of the notebook at `path`."
    jup = site = 0
    for c in json.loads(path.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        md, src = c.get('metadata', {}), _src(c)
        n = code_lines(src)
        collapsed = md.get('jupyter', {}).get('source_hidden', False)
        if not collapsed: jup += n
        if not (collapsed or _directives(src) & {'hide', 'export_hide'} or set(md.get('tags', [])) & _SITE_HIDDEN_TAGS):
            site += n
    return jup, site

def reading_path() -> list:
    return sorted(p for p in (root/'nbs').glob('*.ipynb') if re.match(LIMITS['the reading path (index, 00-08)'][0], p.stem))

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', action='store_true', help='print the counts as JSON instead of the table')
    a = ap.parse_args(argv)
    counts = {p.stem: count(p) for p in reading_path()}
    if a.json: print(json.dumps(counts, indent=1)); return 0
    print(f"{'notebook':24} {'Jupyter':>8} {'site':>6}")
    for k, (j, s) in counts.items(): print(f"{k:24} {j:8} {s:6}")
    bad = []
    for what, (pat, limit) in LIMITS.items():
        j = sum(v[0] for k, v in counts.items() if re.match(pat, k)); s = sum(v[1] for k, v in counts.items() if re.match(pat, k))
        ok = j <= limit and s <= limit
        print(f"{what}: {j} open in Jupyter, {s} shown on the site (limit {limit}){'' if ok else '  <- over'}")
        if not ok: bad.append(what)
    sys.stdout.flush()
    if bad: print(f"error: over the limit: {', '.join(bad)}; collapse proofs (jupyter.source_hidden + tag hide-input) or move them to an appendix", flush=True)
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
