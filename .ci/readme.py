"""README.md is nbs/index.ipynb rendered as markdown (nbdev_readme needs Quarto, which cannot be installed here).

python .ci/readme.py          # rewrite README.md from nbs/index.ipynb
python .ci/readme.py --check  # exit 1 if README.md is out of date
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def render() -> str:
    "The markdown of index.ipynb: markdown cells as they are, code cells as python blocks."
    cells = json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))['cells']
    out = []
    for c in cells:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'code':
            if src.startswith('#|'): continue
            src = f'```python\n{src}\n```'
        out.append(src)
    return '<!-- Generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file. -->\n\n' + '\n\n'.join(out) + '\n'


if __name__ == '__main__':
    readme = root/'README.md'
    if '--check' in sys.argv:
        if readme.read_text(encoding='utf-8') != render():
            sys.exit('README.md differs from nbs/index.ipynb: run `python .ci/readme.py` and commit.')
    else: readme.write_text(render(), encoding='utf-8')
