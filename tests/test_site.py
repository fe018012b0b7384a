"""The website's checker (.ci/website.py check) fails on each kind of broken page, and its conversion of nbdev's
processed notebooks keeps what a page needs. The browser tests need Playwright and Chromium: they run in the
site venv (.ci/run: `$site/bin/python -m pytest tests/test_site.py`) and are skipped in venvs without them."""
import base64, importlib.util, json, os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'.ci'))
import website as site   # noqa: E402  (.ci is a folder of importable scripts)
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
browser = pytest.mark.skipif(importlib.util.find_spec('playwright') is None or not Path(CHROMIUM).exists(),
                             reason='needs Playwright and Chromium (the site venv)')
PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==')


def page(body: str, title='t') -> str: return f'<!DOCTYPE html><html><head><title>{title}</title><link rel="icon" href="data:,"></head><body>{body}</body></html>'


NB = {'cells': [{'cell_type': 'code', 'id': 'c0', 'metadata': {}, 'source': 'x = 1', 'outputs': [], 'execution_count': None}],
      'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}


def write_site(d: Path, pages: dict) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d/'ok.png').write_bytes(PNG)
    (d/'practice').mkdir(exist_ok=True)
    (d/'practice'/'ok.ipynb').write_text(json.dumps(NB))                           # a download link's target
    (d/'practice'/'truncated.ipynb').write_text(json.dumps(NB)[:40])               # cut short: not JSON
    (d/'practice'/'no_outputs.ipynb').write_text(json.dumps({**NB, 'cells': [{k: v for k, v in NB['cells'][0].items() if k != 'outputs'}]}))
    for name, body in pages.items(): (d/name).write_text(page(body))
    return d


def notebook(d: Path, name: str, cells) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    nb = {'cells': [{'cell_type': 'code', 'metadata': {}, 'source': s, 'outputs': [], 'execution_count': None} for s in cells],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    (d/name).write_text(json.dumps(nb))
    return d/name


GOOD = {'index.html': '<h1>Home</h1><img src="ok.png"><a href="a.html">a</a> <a href="a.html#sec">a, sec</a> <a href="#top">top</a>'
                      '<span id="top"></span><a href="https://example.com/">an external link is not a request</a>'
                      '<a href="practice/ok.ipynb" download>a notebook</a>',
        'a.html': '<h2 id="sec">Section</h2><pre>x = 1</pre><p>cells marked <code>#| slow</code> are skipped</p>'}


def check(d: Path, nbs: Path):
    return subprocess.run([sys.executable, str(ROOT/'.ci'/'website.py'), 'check', str(d), '--nbs', str(nbs), '--proc', str(nbs.parent/'proc'),
                           '--chromium', CHROMIUM],
                          capture_output=True, text=True, timeout=300)


@browser
def test_check_passes_a_good_site(tmp_path):
    r = check(write_site(tmp_path/'html', GOOD), tmp_path/'nbs')
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == '2 passed, 0 failed'


@browser
def test_check_fails_each_broken_page(tmp_path):
    nbs = tmp_path/'nbs'
    notebook(nbs, '01_foo.ipynb', ['#| hide\nsecret_value = 42\nprint(secret_value)', 'shown = 1'])
    processed = notebook(tmp_path/'proc', '01_foo.ipynb', ['shown = 1'])        # what nbdev's processing left on the page
    nb = json.loads(processed.read_text())
    nb['cells'].insert(0, {'cell_type': 'raw', 'metadata': {}, 'source': '---\noutput-file: foo.html\n---\n'})
    processed.write_text(json.dumps(nb))
    bad = {'broken_image.html': '<img src="missing.png"><img src="ok.png">',
           'dead_link.html': '<a href="nowhere.html">x</a><a href="a.html">fine</a>',
           'dead_anchor.html': '<a href="a.html#no-such-id">x</a>',
           'external.html': '<img src="https://cdn.example.com/logo.png">',
           'exception.html': '<script>throw new Error("boom")</script>',
           'console.html': '<script>console.error("bad thing")</script>',
           'directive.html': '<pre>#| export\ndef f(): pass</pre>',
           'address.html': '<pre>def make(archs:dict={&#39;a&#39;: &lt;function &lt;lambda&gt; at 0x7fd780de2ca0&gt;}):</pre>',
           'foo.html': '<pre>shown = 1</pre><pre>secret_value = 42\nprint(secret_value)</pre>',
           'truncated_nb.html': '<a href="practice/truncated.ipynb" download>x</a><a href="practice/ok.ipynb">fine</a>',
           'invalid_nb.html': '<a href="practice/no_outputs.ipynb" download>x</a>',
           'missing_nb.html': '<a href="practice/missing.ipynb" download>x</a>'}
    r = check(write_site(tmp_path/'html', {**GOOD, **bad}), nbs)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == f'2 passed, {len(bad)} failed', r.stdout
    blocks = {}
    for line in r.stdout.splitlines():
        if line.startswith('FAIL '): cur = blocks.setdefault(line[5:], [])
        elif line.startswith('  '): cur.append(line.strip())
    assert sorted(blocks) == sorted(bad), r.stdout
    expect = {'broken_image.html': 'broken image: http://127.0.0.1:', 'dead_link.html': 'dead link: ',
              'dead_anchor.html': 'dead anchor: ', 'external.html': 'request to another host: https://cdn.example.com/logo.png',
              'exception.html': 'uncaught exception: boom', 'console.html': 'console error: bad thing',
              'directive.html': "directive text: '#| export'", 'address.html': "memory address: '<function <lambda> at 0x7fd780de2ca0>'", 'foo.html': "hidden cell shows: 'secret_value = 42 print(secret_value)'",
              'truncated_nb.html': 'broken notebook: http://127.0.0.1:', 'invalid_nb.html': 'broken notebook: http://127.0.0.1:',
              'missing_nb.html': 'dead link: '}
    for name, msg in expect.items(): assert any(m.startswith(msg) for m in blocks[name]), (name, blocks[name])
    assert any('missing.png' in m for m in blocks['broken_image.html']) and len(blocks['broken_image.html']) == 3   # + the 404 and its console line
    assert blocks['dead_link.html'][0].endswith('/nowhere.html') and len(blocks['dead_link.html']) == 1
    assert len(blocks['truncated_nb.html']) == 1 and '/practice/truncated.ipynb (not JSON: ' in blocks['truncated_nb.html'][0], blocks['truncated_nb.html']
    assert len(blocks['invalid_nb.html']) == 1 and "'outputs'" in blocks['invalid_nb.html'][0], blocks['invalid_nb.html']


def test_check_refuses_an_empty_folder(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'.ci'/'website.py'), 'check', str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.startswith('error: no pages in'), r.stderr


def test_lint_wants_a_title_and_a_one_line_description(tmp_path):
    def nb(src):
        p = tmp_path/'01_x.ipynb'
        p.write_text(json.dumps({'cells': [{'cell_type': 'markdown', 'metadata': {}, 'source': src}], 'metadata': {}}))
        return site.title_problem(p)
    assert nb('# SGD\n\n> The seven steps.\n\nMore text.') is None
    assert 'spans 2 lines' in nb('# SGD\n\n> The seven steps,\n> rebuilt from')
    assert 'no `> description`' in nb('# SGD\n\nThe seven steps.')
    assert 'not a `# Title`' in nb('Some text')


def test_lint_finds_code_spans_that_split_table_cells(tmp_path):
    p = tmp_path/'01_x.ipynb'
    p.write_text(json.dumps({'cells': [{'cell_type': 'markdown', 'metadata': {}, 'source':
        '| a | b |\n|---|---|\n| `x` | cells marked `#| slow` |\n| `y` | fine |\n\nprose with `#| slow` is fine'}], 'metadata': {}}))
    assert site.split_table_rows(p) == [(0, '| `x` | cells marked `#| slow` |')]


def test_convert_makes_nbdev_markdown_plain(tmp_path):
    names = {'02_sgd.ipynb': 'sgd.html', '98_external.ipynb': 'external.html'}
    # nbdev's site-root doc links and notebook links become relative page links; code spans stay code
    assert site.md('[`linear1`](/sgd.html#linear1) and [the archives](98_external.ipynb)', names) == \
        '<a href="sgd.html#linear1"><code>linear1</code></a> and <a href="external.html">the archives</a>'
    assert site.md('[fastai](https://docs.fast.ai)', names) == '[fastai](https://docs.fast.ai)'
    # Pandoc attributes become HTML attributes; inside fenced code a link shows as its name
    doc = ('---\n\n[source](https://github.com/x/y.py#L3){target="_blank" style="float:right"}\n\n### SGD_Optim.step\n\n'
           '```python\ndef f(\n    x, # from [`load`](/data.html#load)\n):\n```\n')
    out = site.show_doc_md(doc, names)
    assert out.startswith('<hr class="nbdev-rule">')
    assert '<a href="https://github.com/x/y.py#L3" target="_blank" style="float:right" rel="noopener">source</a>' in out
    assert '<a id="sgd_optim.step" class="nbdev-anchor"></a>\n\n### SGD_Optim.step' in out
    assert 'x, # from load\n' in out
    # a processed notebook: front matter becomes the title and description, directives become tags
    nb = {'cells': [{'cell_type': 'raw', 'metadata': {}, 'source': '---\ntitle: SGD\ndescription: The seven steps.\noutput-file: sgd.html\n---\n'},
                    {'cell_type': 'markdown', 'metadata': {}, 'source': '<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->'},
                    {'cell_type': 'code', 'metadata': {}, 'source': '#| echo: false\n#| output: asis\nshow_doc(f)', 'outputs': []},
                    {'cell_type': 'code', 'metadata': {}, 'source': '', 'outputs': []},
                    {'cell_type': 'code', 'metadata': {}, 'source': 'x = 1', 'outputs': []}], 'metadata': {}}
    cells = site.convert(nb, names)['cells']
    assert [c['source'] for c in cells] == ['# SGD\n\n> The seven steps.', 'show_doc(f)', 'x = 1']
    assert cells[1]['metadata'] == {'tags': ['remove-input']} and cells[2]['metadata'] == {}
    assert len({c['id'] for c in cells}) == 3


def test_hidden_sources_are_what_nbdev_left_off_the_page(tmp_path):
    "The checker's list of hidden cells comes from nbdev's processed notebooks: what they dropped, under their page name."
    notebook(tmp_path/'nbs', '01_foo.ipynb', ['#| hide\nsecret = 42', '#| export\ndef f(): pass', 'shown = 1', '#| echo: false\nx = 2'])
    notebook(tmp_path/'nbs', '02_bar.ipynb', ['y = 3'])            # not processed: no list
    p = notebook(tmp_path/'proc', '01_foo.ipynb', ['shown = 1', '#| echo: false\nx = 2'])
    nb = json.loads(p.read_text()); nb['cells'].insert(0, {'cell_type': 'raw', 'metadata': {}, 'source': '---\noutput-file: foo.html\n---\n'})
    p.write_text(json.dumps(nb))
    assert site.hidden_sources(tmp_path/'nbs', tmp_path/'proc') == {'foo.html': ['secret = 42', 'def f(): pass']}


def test_lint_names_each_notebook_that_is_not_json(tmp_path, monkeypatch):
    monkeypatch.setattr(site, 'root', tmp_path)
    (tmp_path/'01_cut.ipynb').write_text('{"cells": [')
    good = tmp_path/'02_ok.ipynb'
    good.write_text(json.dumps({'cells': [{'cell_type': 'markdown', 'metadata': {}, 'source': '# T\n\n> d'}], 'metadata': {}}))
    errs = site.lint([tmp_path/'01_cut.ipynb', good])
    assert len(errs) == 1 and errs[0].startswith('01_cut.ipynb: not a notebook (not JSON: '), errs


@pytest.mark.skipif(importlib.util.find_spec('nbdev') is None, reason="needs nbdev (the build's --nbdev-python)")
def test_nbdev_processing_reports_each_notebook(tmp_path):
    "`website.py _proc` is nbdev's proc_nbs: each notebook it cannot process is named with its error, the rest are processed, and nbdev's warning about a cell mixing imports fails it."
    import shutil
    (tmp_path/'.ci').mkdir(); (tmp_path/'nbs').mkdir()
    for f in ('website.py', 'practice.py', 'run_nbs.py'): shutil.copy(ROOT/'.ci'/f, tmp_path/'.ci'/f)
    for f in ('settings.ini', 'pyproject.toml'): shutil.copy(ROOT/f, tmp_path/f)     # nbdev 2 reads the one, nbdev 3 the other
    def nb(name, *srcs):
        cells = [{'cell_type': 'markdown', 'id': 't', 'metadata': {}, 'source': '# X\n\n> d'}] + [
            {'cell_type': 'code', 'id': f'c{i}', 'metadata': {}, 'source': s, 'outputs': [], 'execution_count': None}
            for i, s in enumerate(('#| export\ndef f(): pass', *srcs))]
        (tmp_path/'nbs'/name).write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    nb('01_raises.ipynb', 'import os\nraise ValueError("boom")')
    (tmp_path/'nbs'/'02_cut.ipynb').write_text('{"cells": [')
    nb('03_ok.ipynb', 'import os', 'y = 1')
    r = subprocess.run([sys.executable, str(tmp_path/'.ci'/'website.py'), '_proc'], capture_output=True, text=True, timeout=300,
                       env={**os.environ, 'PYTHONPATH': str(ROOT)})
    assert r.returncode == 1 and 'FAIL nbs/01_raises.ipynb' in r.stderr and "ValueError('boom')" in r.stderr, r.stderr
    assert 'FAIL nbs/02_cut.ipynb' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert sorted(p.name for p in (tmp_path/'_proc').glob('*.ipynb')) == ['03_ok.ipynb']
    nb('04_mixed.ipynb', 'import os\nx = os.sep')
    (tmp_path/'nbs'/'01_raises.ipynb').unlink(); (tmp_path/'nbs'/'02_cut.ipynb').unlink()
    r = subprocess.run([sys.executable, str(tmp_path/'.ci'/'website.py'), '_proc'], capture_output=True, text=True, timeout=300,
                       env={**os.environ, 'PYTHONPATH': str(ROOT)})
    assert r.returncode == 1 and 'give imports their own cells' in r.stderr and 'import os x = os.sep' in r.stderr, r.stderr
    r = subprocess.run([sys.executable, str(tmp_path/'.ci'/'website.py'), '_proc'], capture_output=True, text=True, timeout=300,
                       env={**os.environ, 'PYTHONPATH': str(ROOT)})
    assert r.returncode == 1 and 'give imports their own cells' in r.stderr, r.stderr       # not hidden by nbdev's cache
