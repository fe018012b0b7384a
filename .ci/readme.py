"""README.md is nbs/index.ipynb rendered as markdown (nbdev_readme needs Quarto, which cannot be installed here).

python .ci/readme.py             # rewrite README.md from nbs/index.ipynb
python .ci/readme.py --check     # exit 1 if README.md is out of date
python .ci/readme.py --commands  # print the Quick start's shell commands, one a line, for CI to run as written

The Quick start's ```sh blocks are what a student types, from the clone to the test command; CI (.ci/run's last
step) runs them line by line in a fresh venv in a temporary copy of the repository, so that the README cannot
drift from what is tested. The `git clone` line is the one CI leaves out: it copies the working tree instead
(the repository's address cannot be reached from the build machine).
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file. -->\n\n'


def render(nb: Path = root/'nbs'/'index.ipynb') -> str:
    "The markdown of index.ipynb: markdown cells as they are, code cells as python blocks."
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    out = []
    for c in cells:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'code':
            if src.startswith('#|'): continue
            src = f'```python\n{src}\n```'
        out.append(src)
    return HEADER + '\n\n'.join(out) + '\n'


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
    elif '--commands' in sys.argv: print('\n'.join(commands(render())))
    else: readme.write_text(render(), encoding='utf-8')
