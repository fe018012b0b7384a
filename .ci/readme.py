"""README.md is nbs/index.ipynb rendered as markdown (nbdev_readme needs Quarto, which cannot be installed here).

python .ci/readme.py             # rewrite README.md from nbs/index.ipynb
python .ci/readme.py --check     # exit 1 if README.md is out of date
python .ci/readme.py --commands  # print the Quick start's shell commands, one a line, for CI to run as written
python .ci/readme.py --lines     # refresh the reading table's study times and "code lines" in nbs/index.ipynb (.ci/lines.py)

The Quick start's ```sh blocks are what a student types, from the clone to the test command; CI (.ci/run) runs them line by line in a fresh venv in a temporary copy of the repository, so that the README cannot
drift from what is tested. The `git clone` line is the one CI leaves out: it copies the working tree instead
(the repository's address cannot be reached from the build machine).
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/'.ci'))
import lines   # .ci/lines.py: the code-line counts of the reading table
HEADER = '<!-- Generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file. -->\n\n'


def _text_output(cell) -> str:
    "The text a code cell printed or returned (its stored stream and text/plain outputs), without trailing blank lines."
    parts = []
    for o in cell.get('outputs', []):
        t = o.get('text') if o.get('output_type') == 'stream' else o.get('data', {}).get('text/plain')
        if t: parts.append(''.join(t) if isinstance(t, list) else t)
    return ''.join(p if p.endswith('\n') else p + '\n' for p in parts).rstrip('\n')


def render(nb: Path = root/'nbs'/'index.ipynb') -> str:
    "The markdown of index.ipynb: markdown cells as they are, code cells as python blocks followed by their stored text output."
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    out = []
    for c in cells:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'code':
            if src.startswith('#|'): continue
            src = f'```python\n{src}\n```'
            if text := _text_output(c): src += f'\n\n```\n{text}\n```'   # what the cell printed, as a reader sees it
        out.append(src)
    return HEADER + '\n\n'.join(out) + '\n'


_ROW = re.compile(r'^(\| [^|]* \| \[(?P<stem>[\w.-]+)\]\(nbs/(?P=stem)\.ipynb\) \|.*\| )(?P<lines>[^|]*?)( \|)$', re.M)


def study_minutes(nb: Path) -> float:
    "The index's stated estimate: 100 words of prose a minute, 5 open code lines a minute, 15 an exercise, 3 a Stop and think."
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    prose = [''.join(c['source']) for c in cells if c['cell_type'] == 'markdown']
    words = sum(len(t.split()) for t in prose)
    exercises = sum(1 for c in cells if re.fullmatch(r'ex-.+-statement', c.get('id', '')))
    prompts = sum(t.count('Stop and think') for t in prose)
    return words/100 + lines.count(nb)[0]/5 + 15*exercises + 3*prompts


def _hours(minutes: float) -> str:
    "'~2¼ h' (to the quarter hour), or '~40 min' under an hour."
    if minutes < 52.5: return f'~{max(5, round(minutes/5)*5)} min'
    q = round(minutes/15); h, r = divmod(q, 4)
    return f"~{h if h else ''}{['', '¼', '½', '¾'][r]} h"


def with_lines(md: str) -> str:
    ("`md` with each reading-table row's code-line column set to `.ci/lines.py`'s count of its notebook (Jupyter / site) "
     "and its study time (a '~' estimate) recomputed by `study_minutes`.")
    def fix(m):
        nb = root/'nbs'/f"{m['stem']}.ipynb"
        if not nb.exists(): return m[0]      # a notebook still to come keeps its text
        j, s = lines.count(nb)
        cols = m[1].split(' | ')              # '| #', '[stem](...)', what, study, runs in, ''
        if cols[3].startswith('~'): cols[3] = _hours(study_minutes(nb))
        return f"{' | '.join(cols)}{j} / {s}{m[4]}"
    return _ROW.sub(fix, md)


def refresh_lines(nb: Path = root/'nbs'/'index.ipynb') -> bool:
    "Rewrite the reading table's code-line counts in the index notebook; True if anything changed."
    d = json.loads(nb.read_text(encoding='utf-8'))
    changed = False
    for c in d['cells']:
        if c['cell_type'] != 'markdown': continue
        src = ''.join(c['source']); new = with_lines(src)
        if new != src: c['source'], changed = new.splitlines(keepends=True), True
    if changed: nb.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return changed


def commands(md: str, section: str = 'Quick start') -> list:
    "The lines of the ```sh blocks under the `## {section}` heading of `md`, without the `git clone` line."
    m = re.search(rf'^## {re.escape(section)}\n(.*?)(?=^## |\Z)', md, re.M | re.S)
    if not m: raise ValueError(f"the README has no '## {section}' heading")
    blocks = re.findall(r'^```sh\n(.*?)^```', m.group(1), re.M | re.S)
    lines = [l for b in blocks for l in b.splitlines() if l.strip() and not l.lstrip().startswith('#')]
    if not lines: raise ValueError(f"the README's '## {section}' has no ```sh block")
    return [l for l in lines if not l.startswith('git clone ')]


if __name__ == '__main__':
    readme = root/'README.md'
    if '--check' in sys.argv:
        if readme.read_text(encoding='utf-8') != render():
            sys.exit('README.md differs from nbs/index.ipynb: run `python .ci/readme.py` and commit.')
        if with_lines(render()) != render():
            sys.exit("the reading table's code lines differ from .ci/lines.py: run `python .ci/readme.py --lines && "
                     "python .ci/readme.py` and commit.")
    elif '--lines' in sys.argv: print('updated nbs/index.ipynb' if refresh_lines() else 'the code lines are up to date')
    elif '--commands' in sys.argv: print('\n'.join(commands(render())))
    else: readme.write_text(render(), encoding='utf-8')
