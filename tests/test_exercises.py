"What the notebooks cannot show about the exercises: the module in a bare process, and the practice-notebook generator's command line."
import importlib.util, json, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def run(*args, **kw):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=root, **kw)


def test_exercises_need_only_torch():
    "A student's Jupyter without nbdev: importing the checks and running one loads no nbdev, fastcore or fastai."
    code = ("import sys, mnist37.exercises as E\n"
            "v = E.run_check('mnist_loss', lambda p, t: p.sigmoid().mean())\n"
            "assert v.status == 'wrong', v\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('nbdev', 'fastcore', 'fastai', 'execnb'))\n"
            "assert not bad, bad\n")
    r = run('-c', code)
    assert r.returncode == 0, r.stderr


def _practice():
    spec = importlib.util.spec_from_file_location('practice', root/'.ci'/'practice.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def test_practice_keeps_headings_prompts_code_and_exercises():
    md = lambda i, s: {'cell_type': 'markdown', 'id': i, 'metadata': {}, 'source': s}
    nb = {'cells': [md('t', '# Title\n\n> one line'), md('p', 'Prose.\n## A heading\nMore prose.\n> **Stop and think:** why?\n> (two lines)\nafter'),
                    {'cell_type': 'code', 'id': 'c', 'execution_count': 3, 'metadata': {'tags': ['x']}, 'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': '1'}], 'source': 'print(1)'},
                    md('ex-a-statement', '**Exercise: a.** Do it.'), md('q', 'Only prose.')],
          'metadata': {'kernelspec': {'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    out = _practice().practice(nb, 'xx')
    srcs = [''.join(c['source']) for c in out['cells']]
    assert srcs[0] == '# Title' and 'Practice version of `nbs/xx.ipynb`' in srcs[1], srcs
    assert srcs[2:] == ['## A heading\n> **Stop and think:** why?\n> (two lines)', 'print(1)', '**Exercise: a.** Do it.'], srcs
    code = out['cells'][3]
    assert code['outputs'] == [] and code['execution_count'] is None and code['metadata'] == {}


def test_practice_command(tmp_path):
    r = run('.ci/practice.py', '--out', str(tmp_path), '01_baseline')
    assert r.returncode == 0, r.stderr
    chapter = json.loads((root/'nbs'/'01_baseline.ipynb').read_text())
    got = json.loads((tmp_path/'01_baseline.ipynb').read_text())
    code = lambda nb: [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    assert code(got) == code(chapter) and all(not c.get('outputs') for c in got['cells'])
    assert [p.name for p in tmp_path.iterdir()] == ['01_baseline.ipynb']      # no temporary file left
    for args, msg in [(('nope',), 'error: no chapter notebook nope'), (('--out', str(root/'nbs')), 'error: --out must not be nbs/'),
                      (('--out', str(root/'settings.ini')), 'is not a folder')]:
        r = run('.ci/practice.py', *args)
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
