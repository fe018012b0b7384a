"""The CI scripts on notebooks that fail in each way: every failure is reported in a block naming the file and the
cell, the later notebooks still run, the run ends with `N ok, N failed` and a non-zero exit. They execute
notebooks in this interpreter's own kernel, so they run in a venv with nbclient and ipykernel (.ci/run: the
student venv, `$stu/bin/python -m pytest tests/test_ci_scripts.py`) and are skipped elsewhere."""
import json, os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'.ci'))
import practice, run_nbs   # noqa: E402  (.ci is a folder of importable scripts)

pytest.importorskip('nbclient'); pytest.importorskip('ipykernel')


def nb(*cells, minor=5) -> dict:
    "A notebook of code cells (nbformat 4.`minor`; 4.4 cells carry no id)."
    cs = [{'cell_type': 'code', 'metadata': {}, 'source': s, 'outputs': [], 'execution_count': None} for s in cells]
    if minor >= 5:
        for i, c in enumerate(cs): c['id'] = f'c{i}'
    return {'cells': cs, 'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}},
            'nbformat': 4, 'nbformat_minor': minor}


def write(d: Path, name: str, content) -> Path:
    p = d/name
    p.write_text(content if isinstance(content, str) else json.dumps(content), encoding='utf-8')
    return p


def script(name, *args, timeout=300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != 'MPLBACKEND'}
    return subprocess.run([sys.executable, str(ROOT/'.ci'/name), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def blocks(out: str) -> dict:
    "notebook file name -> (status, lines of its block)."
    res, cur = {}, None
    for line in out.splitlines():
        if line.startswith(('ok   ', 'FAIL ')):
            path = line[5:].removeprefix('practice ').rsplit(' (', 1)[0]
            cur = res[Path(path).name] = (line[:4].strip(), [])
        elif line.startswith('  ') and cur: cur[1].append(line.strip())
        else: cur = None
    return res


def test_run_nbs_reports_each_failure_and_runs_the_rest(tmp_path):
    own = f"import sys; assert sys.prefix == {sys.prefix!r}, sys.prefix\nprint('fine')"   # this interpreter's own kernel
    paths = [write(tmp_path, '1_raises.ipynb', nb('x = 1', 'raise ValueError("bad value 42")', 'print("never")')),
             write(tmp_path, '2_not_json.ipynb', '{"cells": [ cut short'),
             write(tmp_path, '3_slow.ipynb', nb('import time', 'time.sleep(60)')),
             write(tmp_path, '4_dies.ipynb', nb('import os', 'os._exit(1)')),
             write(tmp_path, '5_good.ipynb', nb(own, '#| slow\nraise SystemExit("a slow cell is skipped")'))]
    r = script('run_nbs.py', '--timeout', 5, *paths)
    assert r.returncode == 1, r.stdout + r.stderr
    assert str(ROOT/'.ci') not in r.stderr, r.stderr           # no traceback of the script (a dying kernel may log its own)
    b = blocks(r.stdout)
    assert list(b) == [p.name for p in paths], r.stdout          # every notebook reported, in order
    assert {k: v[0] for k, v in b.items()} == {'1_raises.ipynb': 'FAIL', '2_not_json.ipynb': 'FAIL', '3_slow.ipynb': 'FAIL',
                                               '4_dies.ipynb': 'FAIL', '5_good.ipynb': 'ok'}, r.stdout
    assert b['1_raises.ipynb'][1][0] == "cell 1 (id c1): 'raise ValueError(\"bad value 42\")' raised ValueError: bad value 42", b
    assert b['2_not_json.ipynb'][1][0].startswith('not a notebook Jupyter can open: NotJSONError'), b
    assert b['3_slow.ipynb'][1] == ["cell 1 (id c1): 'time.sleep(60)' ran past the timeout of 5 s (raise it with --timeout)"], b
    assert b['4_dies.ipynb'][1][0].startswith("the kernel died in cell 1 (id c1): 'os._exit(1)'"), b
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith('total ') and last.endswith(': 1 ok, 4 failed: ' + ', '.join(map(str, paths[:4]))), last


def test_run_nbs_good_set_and_jobs(tmp_path):
    paths = [write(tmp_path, f'{i}_ok.ipynb', nb(f'print({i})', "import os; assert os.environ['OMP_NUM_THREADS'] == '1'")) for i in range(3)]
    r = script('run_nbs.py', '--jobs', 2, *paths)
    assert r.returncode == 0, r.stdout + r.stderr
    assert {k: v[0] for k, v in blocks(r.stdout).items()} == {p.name: 'ok' for p in paths}
    assert r.stdout.strip().splitlines()[-1].endswith(': 3 ok, 0 failed'), r.stdout


def test_run_nbs_save_stores_outputs_atomically(tmp_path):
    p = write(tmp_path, 'a.ipynb', nb('print(6*7)', '#| slow\nprint("slow")'))
    r = script('run_nbs.py', '--save', p)
    assert r.returncode == 0, r.stdout + r.stderr
    cells = json.loads(p.read_text())['cells']
    assert ''.join(cells[0]['outputs'][0]['text']) == '42\n' and cells[1]['outputs'] == [] and ''.join(cells[1]['source']) == '#| slow\nprint("slow")'
    assert sorted(x.name for x in tmp_path.iterdir()) == ['a.ipynb']


@pytest.mark.parametrize('args, msg', [(('--jobs', '0'), 'must be at least 1, got 0'), (('--jobs', 'two'), "'two' is not a whole number"),
                                       (('--timeout', '-1'), 'must be at least 1'), (('missing.ipynb',), 'error: no notebook missing.ipynb')])
def test_run_nbs_refuses_bad_arguments(args, msg):
    r = script('run_nbs.py', *args)
    assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(('error:', 'run_nbs.py: error:')), r.stderr


def test_practice_on_nbformat_4_4_and_broken_notebooks(tmp_path):
    old = nb('import math', '#| hide\nfrom math import tau\nassert tau > 6', 'print(math.pi)', minor=4)
    old['cells'].insert(0, {'cell_type': 'markdown', 'metadata': {}, 'source': '# Old\n\n> A chapter saved by an older Jupyter.\n\nProse.'})
    src = tmp_path/'src'; src.mkdir(); out = tmp_path/'out'
    paths = [write(src, '1_old.ipynb', old), write(src, '2_not_json.ipynb', '{"cells": [ cut short'),
             write(src, '3_raises.ipynb', nb('raise KeyError("k")')), write(src, '4_good.ipynb', nb('print(1)'))]
    r = script('practice.py', '--run', '--out', out, *paths)
    assert r.returncode == 1, r.stdout + r.stderr
    assert str(ROOT/'.ci') not in r.stderr, r.stderr           # no traceback of the script (a dying kernel may log its own)
    b = blocks(r.stdout)
    assert b['2_not_json.ipynb'][0] == 'FAIL' and 'NotJSONError' in b['2_not_json.ipynb'][1][0], r.stdout
    assert b['3_raises.ipynb'][0] == 'FAIL' and 'raised KeyError' in b['3_raises.ipynb'][1][0], r.stdout
    assert b['1_old.ipynb'][0] == 'ok' and b['4_good.ipynb'][0] == 'ok', r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith(f'2 ok, 2 failed: {paths[1]}, {out/"3_raises.ipynb"}'), r.stdout
    assert sorted(p.name for p in out.iterdir()) == ['1_old.ipynb', '3_raises.ipynb', '4_good.ipynb']   # nothing half-written
    import nbformat
    got = nbformat.read(out/'1_old.ipynb', as_version=4)
    nbformat.validate(got)                                     # nbformat 4.5: every cell has a unique id
    assert got.nbformat_minor == 5 and len({c.id for c in got.cells}) == len(got.cells)
    assert [c.source for c in got.cells if c.cell_type == 'code'] == ['import math', 'print(math.pi)']   # the hidden cell left out


def test_practice_good_set_exits_0(tmp_path):
    paths = [write(tmp_path, f'{i}.ipynb', nb(f'x = {i}', 'print(x)')) for i in range(2)]
    r = script('practice.py', '--run', '--jobs', 2, '--out', tmp_path/'out', *paths)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1].endswith(': 2 ok, 0 failed'), r.stdout


def test_practice_keeps_hidden_cells_a_later_cell_needs():
    md = {'cell_type': 'markdown', 'id': 't', 'metadata': {}, 'source': '# T\n\n> d'}
    cells = [md, *nb('#| hide\nimport os\nfrom math import tau', '#| hide\ntest = 1\nassert test',
                     'print(os.sep)', '#| hide\nprint(os.sep)', '#| hide\nfor k in range(2): pass', 'k = 5\nprint(k)')['cells']]
    cells.append({**nb('y = 1')['cells'][0], 'id': 'z', 'metadata': {'jupyter': {'source_hidden': True}}})
    got = practice.practice({'cells': cells, 'metadata': {}}, 'x')
    assert [c['source'] for c in got['cells'] if c['cell_type'] == 'code'] == ['#| hide\nimport os\nfrom math import tau', 'print(os.sep)', 'k = 5\nprint(k)']
    assert [practice.hidden(c) for c in cells[1:]] == [True, True, False, True, True, False, True]


def test_practice_keeps_headings_prompts_code_and_exercises():
    md = lambda i, s: {'cell_type': 'markdown', 'id': i, 'metadata': {}, 'source': s}
    nb = {'cells': [md('t', '# Title\n\n> one line'), md('p', 'Prose.\n## A heading\nMore prose.\n> **Stop and think:** why?\n> (two lines)\nafter'),
                    {'cell_type': 'code', 'id': 'c', 'execution_count': 3, 'metadata': {'tags': ['x']}, 'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': '1'}], 'source': 'print(1)'},
                    md('ex-a-statement', '**Exercise: a.** Do it.'), md('q', 'Only prose.')],
          'metadata': {'kernelspec': {'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    out = practice.practice(nb, 'xx')
    srcs = [''.join(c['source']) for c in out['cells']]
    assert srcs[0] == '# Title' and 'Practice version of `nbs/xx.ipynb`' in srcs[1], srcs
    assert srcs[2:] == ['## A heading\n> **Stop and think:** why?\n> (two lines)', 'print(1)', '**Exercise: a.** Do it.'], srcs
    code = out['cells'][3]
    assert code['outputs'] == [] and code['execution_count'] is None and code['metadata'] == {}


def test_practice_command(tmp_path):
    r = script('practice.py', '--out', tmp_path, '01_baseline')
    assert r.returncode == 0, r.stderr
    chapter = json.loads((ROOT/'nbs'/'01_baseline.ipynb').read_text())
    got = json.loads((tmp_path/'01_baseline.ipynb').read_text())
    need = practice.needed_hidden(chapter['cells'])
    code = lambda cells: [''.join(c['source']) for c in cells if c['cell_type'] == 'code']
    stub = lambda i, c: practice.answer(c) and practice.import_stub(c, 'baseline', practice._later_reads(chapter['cells'], i))
    shown = [{**c, 'source': stub(i, c) or c['source']} for i, c in enumerate(chapter['cells']) if not practice.hidden(c) or i in need]
    assert code(got['cells']) == code(shown) and all(not c.get('outputs') for c in got['cells'])
    assert any(practice.hidden(c) for c in chapter['cells']) and len(code(shown)) < len(code(chapter['cells']))
    assert [p.name for p in tmp_path.iterdir()] == ['01_baseline.ipynb']      # no temporary file left
    for args, msg in [(('nope',), 'error: no chapter notebook nope'), (('--out', ROOT/'nbs'), 'error: --out must not be nbs/'),
                      (('--out', ROOT/'settings.ini'), 'is not a folder'), (('--jobs', '0'), 'must be at least 1')]:
        r = script('practice.py', *args)
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr and r.stderr.strip().splitlines()[-1].startswith(('error', 'practice.py: error')), (args, r.stderr)


def test_readme_commands_are_the_quick_start():
    "CI runs the README's Quick start as written: the lines .ci/readme.py extracts, the test command last."
    r = script('readme.py', '--commands')
    assert r.returncode == 0, r.stderr
    cmds = r.stdout.splitlines()
    assert cmds[0].startswith('python3 -m venv .venv') and not any(c.startswith('git clone') for c in cmds), cmds
    assert any(c.endswith(' --extra-index-url https://download.pytorch.org/whl/cpu') for c in cmds), cmds
    assert any('pip install -e ".[nbs,test]"' in c for c in cmds), cmds
    assert cmds[-1] == 'OMP_NUM_THREADS=1 python .ci/run_nbs.py --jobs 2 && python -m pytest -q -n 2 tests', cmds
    assert script('readme.py', '--check').returncode == 0   # README.md is nbs/index.ipynb
    import importlib.util
    spec = importlib.util.spec_from_file_location('readme', ROOT/'.ci'/'readme.py'); m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    with pytest.raises(ValueError, match='no .## Quick start'): m.commands('# x\n\n## Use\n```sh\nls\n```\n')
    assert m.commands('## Quick start\n```sh\ngit clone u && cd x\n# a comment\nls\n```\n## Next\n```sh\npwd\n```\n') == ['ls']


def test_readme_cloud_links_are_built_from_settings():
    "The Colab and Binder links of the README name settings.ini's repository and branch (they cannot be opened from here)."
    import configparser
    cp = configparser.ConfigParser(); cp.read(ROOT/'settings.ini')
    url, branch = cp['DEFAULT']['git_url'], cp['DEFAULT']['branch']
    repo = url.removeprefix('https://github.com/')
    readme = (ROOT/'README.md').read_text()
    assert f'https://colab.research.google.com/github/{repo}/blob/{branch}/nbs/' in readme
    assert f'https://mybinder.org/v2/gh/{repo}/{branch}?labpath=nbs%2F' in readme
    assert f'git clone {url} && cd {repo.split("/")[1]}' in readme


def test_readme_reading_table_lines_follow_lines_py():
    ("The reading table's last column is .ci/lines.py's count and its study time the stated formula's; `readme.py "
     "--lines` refreshes both, --check fails when stale.")
    import importlib.util
    spec = importlib.util.spec_from_file_location('readme', ROOT/'.ci'/'readme.py'); m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    sys.path.insert(0, str(ROOT/'.ci')); import lines
    j, s = lines.count(ROOT/'nbs'/'01_baseline.ipynb')
    md = ('| 2 | [01_baseline](nbs/01_baseline.ipynb) | what | ~1 h | ~10 s | 1 / 1 |\n'
          '| 11 | [07z_future](nbs/07z_future.ipynb) | not written yet | ~1 h | new | new |\n')
    study = m._hours(m.study_minutes(ROOT/'nbs'/'01_baseline.ipynb'))   # the stated formula, recomputed
    assert m.with_lines(md) == md.replace('| 1 / 1 |', f'| {j} / {s} |').replace('| ~1 h | ~10 s', f'| {study} | ~10 s', 1)
    assert (m._hours(30), m._hours(60), m._hours(135), m._hours(200)) == ('~30 min', '~1 h', '~2¼ h', '~3¼ h')
    assert m.with_lines(m.render()) == m.render()       # the committed table is up to date
