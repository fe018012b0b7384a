"""The website's checker (.ci/website.py check) fails on each kind of broken page, and its conversion of nbdev's
processed notebooks keeps what a page needs. The browser tests need Playwright and Chromium: they run in the
site venv (.ci/run: `$site/bin/python -m pytest tests/test_site.py`) and are skipped in venvs without them."""
import base64, importlib.util, json, os, re, shutil, subprocess, sys
from urllib.parse import quote
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'.ci'))
import website as site   # noqa: E402  (.ci is a folder of importable scripts)
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
browser = pytest.mark.skipif(importlib.util.find_spec('playwright') is None or not Path(CHROMIUM).exists(),
                             reason='needs Playwright and Chromium (the site venv)')
PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==')


ISSUES = 'https://github.com/mnist37/mnist37/issues/new'     # settings.ini's git_url


def page(body: str, title='t', issue: str | None = None, css: bool = True) -> str:
    """A page as the site has them: the site's CSS, and an "open an issue" link titled with its <h1> (or `issue`'s own href;
    issue='' for none)."""
    h1 = re.search(r'<h1>(.*?)</h1>', body)
    if issue is None: issue = f'{ISSUES}?title={quote((h1.group(1) if h1 else title) + ": ")}'
    link = f'<a href="{issue}">Open an issue</a>' if issue else ''
    style = f'<style>{site.CSS}</style>' if css else ''
    return f'<!DOCTYPE html><html><head><title>{title}</title><link rel="icon" href="data:,">{style}</head><body>{body}{link}</body></html>'


NB = {'cells': [{'cell_type': 'code', 'id': 'c0', 'metadata': {}, 'source': 'x = 1', 'outputs': [], 'execution_count': None}],
      'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}


def write_site(d: Path, pages: dict) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d/'ok.png').write_bytes(PNG)
    (d/'practice').mkdir(exist_ok=True)
    (d/'practice'/'ok.ipynb').write_text(json.dumps(NB))                           # a download link's target
    (d/'practice'/'truncated.ipynb').write_text(json.dumps(NB)[:40])               # cut short: not JSON
    (d/'practice'/'no_outputs.ipynb').write_text(json.dumps({**NB, 'cells': [{k: v for k, v in NB['cells'][0].items() if k != 'outputs'}]}))
    if importlib.util.find_spec('plotly'): shutil.copy(site.plotly_js(), d/'plotly.min.js')
    for name, body in pages.items(): (d/name).write_text(body if body.startswith('<!DOCTYPE') else page(body))
    return d


def notebook(d: Path, name: str, cells) -> Path:
    "A notebook of code cells (sources) or of any cells (dicts)."
    d.mkdir(parents=True, exist_ok=True)
    nb = {'cells': [c if isinstance(c, dict) else {'cell_type': 'code', 'metadata': {}, 'source': c, 'outputs': [], 'execution_count': None}
                    for c in cells],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    (d/name).write_text(json.dumps(nb))
    return d/name


ANSWER = 'The answer is that the gradient flows backwards, one layer at a time'
PROOF = 'proof_value = sum(range(7)) * 2'
RESULT = 'the proof prints 42, as the textbook says'
FOLDS = [{'cell_type': 'markdown', 'metadata': {}, 'source': f'**Why?**\n<details><summary>Answer</summary>\n\n{ANSWER}.\n\n</details>'},
         {'cell_type': 'code', 'metadata': {'jupyter': {'source_hidden': True}}, 'source': PROOF, 'outputs': [], 'execution_count': None},
         {'cell_type': 'code', 'metadata': {'jupyter': {'outputs_hidden': True}, 'tags': ['hide-output']}, 'source': 'print(answer)',
          'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': RESULT + '\n'}], 'execution_count': 1}]
FOLDED = (f'<p><b>Why?</b></p><details><summary>Answer</summary><p>{ANSWER}.</p></details>'
          f'<details><summary>Show code</summary><pre>{PROOF}</pre></details><pre>print(answer)</pre>'
          f'<details><summary>Show output</summary><pre>{RESULT}</pre></details>')


def nb_page(nbs: Path, html: Path, nb_name: str, body: str, cells=FOLDS, download='same', launch=True, practice=True) -> tuple:
    """A page built from notebook nbs/`nb_name` as the site builds it: launch links, a download of the notebook (the
    source's bytes, or `download`='differs' or None), its practice notebook when it is a chapter, then `body`."""
    src = notebook(nbs, nb_name, cells)
    stem = re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb_name)[:-6]
    links = ''
    if launch: links += ''.join(f'<a href="{u}">{k}</a>' for k, u in site.launch_urls(site.settings(), nb_name).items())
    if download:
        (html/'_sources').mkdir(parents=True, exist_ok=True)
        (html/'_sources'/f'{stem}.ipynb').write_bytes(src.read_bytes() + (b' ' if download == 'differs' else b''))
        links += f'<a href="_sources/{stem}.ipynb" download="{nb_name}">Download</a>'
    if practice and nb_name.startswith('0'):
        (html/'practice').mkdir(parents=True, exist_ok=True)
        (html/'practice'/nb_name).write_text(json.dumps(NB))
        links += f'<a href="practice/{nb_name}" download>Practice notebook</a>'
    return f'{stem}.html', f'<h1>{stem}</h1><p>{links}</p>{body}'


def slider(steps: list, picture=True, gid='g1') -> str:
    "A figure to play with as mnist37.playground writes it: a plotly figure whose slider restyles y, and its picture for print."
    st = ', '.join(f"{{label: 's{i}', method: 'restyle', args: ['y', [{y}]]}}" for i, y in enumerate(steps))
    img = '<img class="mnist37-print" src="ok.png" alt="the figure, printed">' if picture else ''
    return (f'<div class="mnist37-play"><div id="{gid}" class="plotly-graph-div" style="height:300px; width:600px;"></div>'
            f"<script>Plotly.newPlot('{gid}', [{{y: {steps[0]}}}], {{sliders: [{{active: 0, steps: [{st}]}}]}});</script>{img}</div>")


PLOTLY = '<script src="plotly.min.js"></script>'
GOOD = {'index.html': '<h1>Home</h1><img src="ok.png"><a href="a.html">a</a> <a href="a.html#sec">a, sec</a> <a href="#top">top</a>'
                      '<span id="top"></span><a href="https://example.com/">an external link is not a request</a>'
                      '<a href="practice/ok.ipynb" download>a notebook</a>',
        'a.html': '<h2 id="sec">Section</h2><pre>x = 1</pre><p>cells marked <code>#| slow</code> are skipped</p>'
                  '<a href="https://github.com/mnist37/mnist37/blob/main/mnist37/sgd.py#L3">source</a>',
        'play.html': page(slider(['[1, 2, 3]', '[3, 2, 1]', '[2, 2, 2]']) + slider(['[1, 2]', '[2, 1]'], gid='g2'), title='play').replace('</head>', PLOTLY + '</head>')}


def good_site(tmp_path) -> tuple:
    "A site that passes every check, with notebook pages: a chapter and an appendix, each with its folds closed."
    nbs, html = tmp_path/'nbs', tmp_path/'html'
    pages = dict(GOOD)
    for nb_name in ('05_chap.ipynb', '91_appendix.ipynb'):
        name, body = nb_page(nbs, html, nb_name, FOLDED)
        pages[name] = body
    return write_site(html, pages), nbs


def check(d: Path, nbs: Path):
    return subprocess.run([sys.executable, str(ROOT/'.ci'/'website.py'), 'check', str(d), '--nbs', str(nbs), '--proc', str(nbs.parent/'proc'),
                           '--chromium', CHROMIUM],
                          capture_output=True, text=True, timeout=300)


def blocks_of(out: str) -> dict:
    blocks = {}
    for line in out.splitlines():
        if line.startswith('FAIL '): cur = blocks.setdefault(line[5:], [])
        elif line.startswith('  '): cur.append(line.strip())
    return blocks


@browser
def test_check_passes_a_good_site(tmp_path):
    html, nbs = good_site(tmp_path)
    r = check(html, nbs)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == '5 passed, 0 failed'


@browser
def test_check_fails_each_broken_page(tmp_path):
    html, nbs = good_site(tmp_path)
    notebook(nbs, '91_foo.ipynb', ['#| hide\nsecret_value = 42\nprint(secret_value)', 'shown = 1'])
    processed = notebook(tmp_path/'proc', '91_foo.ipynb', ['shown = 1'])        # what nbdev's processing left on the page
    nb = json.loads(processed.read_text())
    nb['cells'].insert(0, {'cell_type': 'raw', 'metadata': {}, 'source': '---\noutput-file: foo.html\n---\n'})
    processed.write_text(json.dumps(nb))
    long = 'x = "' + 'a very long line of code, ' * 12 + '"'
    bad = {'broken_image.html': '<img src="missing.png"><img src="ok.png">',
           'dead_link.html': '<a href="nowhere.html">x</a><a href="a.html">fine</a>',
           'dead_anchor.html': '<a href="a.html#no-such-id">x</a>',
           'external.html': '<img src="https://cdn.example.com/logo.png">',
           'exception.html': '<script>throw new Error("boom")</script>',
           'console.html': '<script>console.error("bad thing")</script>',
           'directive.html': '<pre>#| export\ndef f(): pass</pre>',
           'address.html': '<pre>def make(archs:dict={&#39;a&#39;: &lt;function &lt;lambda&gt; at 0x7fd780de2ca0&gt;}):</pre>',
           'truncated_nb.html': '<a href="practice/truncated.ipynb" download>x</a><a href="practice/ok.ipynb">fine</a>',
           'invalid_nb.html': '<a href="practice/no_outputs.ipynb" download>x</a>',
           'missing_nb.html': '<a href="practice/missing.ipynb" download>x</a>',
           # issue 28.7: the home page, ids, code on screen and on paper, the links of a page
           'index.html': '<h1>mnist37</h1><p>Run CI with</p><pre>bash .ci/run</pre>',
           'duplicate_id.html': '<a id="linear1"></a><h3 id="linear1">linear1</h3><h3 id="linear1-2">Linear1</h3>',
           'cut_code.html': f'<pre style="white-space: pre; overflow: hidden; width: 300px">{long}</pre>',
           'cut_in_print.html': page(f'<pre style="white-space: pre; overflow: auto; width: 300px">{long}</pre>', css=False),
           'no_issue.html': page('<h1>No issue</h1>', issue=''),
           'bad_issue.html': page('<h1>Bad issue</h1>', issue='https://github.com/someone/else/issues/new?title=Bad%20issue'),
           'bad_source.html': '<a href="https://github.com/mnist37/mnist37/blob/main/mnist37/no_such.py#L3">source</a>'
                              '<a href="https://github.com/mnist37/mnist37/blob/main/mnist37/sgd.py#L99999">source</a>',
           # issue 25.6: folds that hold
           'dead_fold.html': FOLDED.replace('<summary>Answer</summary>', '<summary onclick="event.preventDefault()">Answer</summary>'),
           # issue 27.3: figures to play with
           'dead_slider.html': page(slider(['[1, 2, 3]', '[1, 2, 3]']), title='dead').replace('</head>', PLOTLY + '</head>'),
           'no_picture.html': page(slider(['[1, 2, 3]', '[3, 2, 1]'], picture=False), title='np').replace('</head>', PLOTLY + '</head>'),
           }
    # pages of notebooks (each one's source in nbs/), each broken in one way
    for nb_name, body, kw in [('91_foo.ipynb', '<pre>shown = 1</pre><pre>secret_value = 42\nprint(secret_value)</pre>', {'cells': None}),
                              ('92_open_answer.ipynb', FOLDED.replace('<details>', '<details open>', 1), {}),
                              ('92_raw_answer.ipynb', FOLDED.replace('<details><summary>Answer</summary>', f'<p>&lt;details&gt;&lt;summary&gt;Answer&lt;/summary&gt; {ANSWER}.</p><details><summary>Answer</summary>'), {}),
                              ('92_open_code.ipynb', FOLDED.replace(f'<details><summary>Show code</summary><pre>{PROOF}</pre></details>', f'<pre>{PROOF}</pre>'), {}),
                              ('92_open_output.ipynb', FOLDED.replace(f'<details><summary>Show output</summary><pre>{RESULT}</pre></details>', f'<pre>{RESULT}</pre>'), {}),
                              ('92_download.ipynb', FOLDED, {'download': 'differs'}),
                              ('92_no_download.ipynb', FOLDED, {'download': None}),
                              ('92_no_launch.ipynb', FOLDED, {'launch': False}),
                              ('92_bad_launch.ipynb', FOLDED + '<a href="https://colab.research.google.com/github/mnist37/mnist37/blob/main/nbs/bad_launch.ipynb">Colab</a>', {}),
                              ('06_no_practice.ipynb', FOLDED, {'practice': False})]:
        if kw.pop('cells', 1) is None:
            name, body = nb_page(nbs, html, nb_name, body, cells=json.loads((nbs/nb_name).read_text())['cells'], **kw)
        else: name, body = nb_page(nbs, html, nb_name, body, **kw)
        bad[name] = body
    r = check(write_site(html, bad), nbs)
    assert r.returncode == 1, r.stdout + r.stderr
    good = 5 - 1                      # index.html is now the developers' README
    assert r.stdout.splitlines()[-1] == f'{good} passed, {len(bad)} failed', r.stdout
    blocks = blocks_of(r.stdout)
    assert sorted(blocks) == sorted(bad), r.stdout
    expect = {'broken_image.html': 'broken image: http://127.0.0.1:', 'dead_link.html': 'dead link: ',
              'dead_anchor.html': 'dead anchor: ', 'external.html': 'request to another host: https://cdn.example.com/logo.png',
              'exception.html': 'uncaught exception: boom', 'console.html': 'console error: bad thing',
              'directive.html': "directive text: '#| export'", 'address.html': "memory address: '<function <lambda> at 0x7fd780de2ca0>'",
              'foo.html': "hidden cell shows: 'secret_value = 42 print(secret_value)'",
              'truncated_nb.html': 'broken notebook: http://127.0.0.1:', 'invalid_nb.html': 'broken notebook: http://127.0.0.1:',
              'missing_nb.html': 'dead link: ',
              'index.html': "the home page is the developers' README (it shows `.ci/run`)",
              'duplicate_id.html': 'duplicate id: linear1 (2 times)',
              'cut_code.html': "code cut off on screen: 'x = \"a very long line",
              'cut_in_print.html': "code cut off in print: 'x = \"a very long line",
              'no_issue.html': 'no "open an issue" link', 'bad_issue.html': 'malformed issue link: https://github.com/someone/else/',
              'bad_source.html': 'source link not into https://github.com/mnist37/mnist37/blob/main/',
              'dead_fold.html': "a fold does not open on click: 'Answer'",
              'dead_slider.html': "dead slider: figure 1, slider 1: clicking step 's1' left the figure's data as it was",
              'no_picture.html': '1 figure(s) to play with but 0 printed picture(s)',
              'open_answer.html': f"folded answer visible before a click: '{ANSWER}",
              'raw_answer.html': f"folded answer visible before a click: '{ANSWER}",
              'open_code.html': f"folded code visible before a click: '{PROOF}'",
              'open_output.html': f"folded output visible before a click: '{RESULT}'",
              'download.html': 'download differs from nbs/92_download.ipynb (the notebook CI runs)',
              'no_download.html': 'no notebook download', 'no_launch.html': 'no launch link (Colab or Binder) for nbs/92_no_launch.ipynb',
              'bad_launch.html': 'malformed launch link: https://colab.research.google.com/github/mnist37/mnist37/blob/main/nbs/bad_launch.ipynb',
              'no_practice.html': 'no link to its practice notebook practice/06_no_practice.ipynb'}
    assert sorted(expect) == sorted(bad)
    for name, msg in expect.items(): assert any(m.startswith(msg) for m in blocks[name]), (name, blocks[name])
    # each new kind of page fails for its own reason alone
    alone = set(bad) - {'broken_image.html', 'dead_link.html', 'truncated_nb.html', 'invalid_nb.html', 'external.html', 'exception.html',
                        'console.html', 'directive.html', 'address.html', 'missing_nb.html', 'bad_source.html', 'foo.html'}
    for name in alone: assert all(m.startswith(expect[name]) for m in blocks[name]), (name, blocks[name])
    assert len(blocks['bad_source.html']) == 2, blocks['bad_source.html']       # a missing file, a line past its end
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
    assert '<h3 class="nbdev-heading" id="sgd_optim.step">SGD_Optim.step</h3>' in out      # one element, nbdev's anchor
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


def test_folds_follow_the_course_convention():
    "hide-input / hide-output / hide-cell, and Jupyter's collapse metadata alone (source_hidden with no tag folds the source)."
    f = site.fold_tags
    assert f({'jupyter': {'source_hidden': True}, 'tags': ['hide-input']}) == {'hide-input'}
    assert f({'jupyter': {'source_hidden': True}}) == {'hide-input'}
    assert f({'jupyter': {'source_hidden': True, 'outputs_hidden': True}, 'tags': ['hide-cell']}) == {'hide-cell'}
    assert f({'tags': ['hide-input', 'hide-output']}) == {'hide-cell'}
    assert f({'jupyter': {'outputs_hidden': True}, 'tags': ['hide-output']}) == {'hide-output'}
    assert f({'tags': ['remove-cell', 'other']}) == {'remove-cell'} and f({}) == set()
    nb = {'cells': [{'cell_type': 'code', 'metadata': {'jupyter': {'source_hidden': True}}, 'source': 'proof = 1', 'outputs': []},
                    {'cell_type': 'code', 'metadata': {'jupyter': {'outputs_hidden': True}, 'tags': ['hide-output']}, 'source': 'x', 'outputs': []},
                    {'cell_type': 'code', 'metadata': {'tags': ['hide-input', 'hide-output']}, 'source': 'y', 'outputs': []}], 'metadata': {}}
    assert [c['metadata'].get('tags') for c in site.convert(nb, {})['cells']] == [['hide-input'], ['hide-output'], ['hide-cell']]


def test_prose_answers_become_dropdowns():
    "A <details> answer becomes a sphinx-design dropdown (its markdown rendered); one in fenced code, or written inline, stays."
    text = '**1. Why?**\n<details><summary>Answer</summary>\n\nBecause `x` is *small*.\n\n</details>\n\nAfter.'
    out = site.md(text, {})
    assert out == ('**1. Why?**\n\n\n::::::{dropdown} Answer\n:class-container: mnist37-answer\n\nBecause `x` is *small*.\n::::::\n\n\nAfter.'), out
    assert site.md('<details><summary>Answer</summary>\nNo blank lines.\n</details>', {}).count('{dropdown} Answer') == 1
    fenced = '```\n<details><summary>Answer</summary>\n\nx\n\n</details>\n```'
    assert site.md(fenced, {}) == fenced
    assert site.md('write `<details><summary>Answer</summary>` then', {}) == 'write `<details><summary>Answer</summary>` then'


def test_api_blocks_sit_with_their_code():
    "nbdev's show_doc blocks beside an exported cell: the ones it defines, in its order, then its 'Exported source' fold (open)."
    def sd(n): return {'cell_type': 'code', 'metadata': {}, 'source': f'#| echo: false\n#| output: asis\nshow_doc({n})',
                       'outputs': [{'output_type': 'display_data', 'metadata': {}, 'data': {'text/markdown': f'---\n\n### {n}\n\n*doc*'}}]}
    exported = {'cell_type': 'code', 'metadata': {}, 'outputs': [],
                'source': '#| code-fold: show\n#| code-summary: "Exported source"\ndef linear1(xb): pass\n\nclass Linear1: pass'}
    nb = {'cells': [sd('other'), sd('Linear1'), exported, sd('linear1'), {'cell_type': 'markdown', 'metadata': {}, 'source': 'text'}],
          'metadata': {}}
    pages = {'sgd.html': json.loads(json.dumps(nb))}
    anchors = site.doc_anchors(pages)
    assert anchors == {'sgd.html': {'other': 'other', 'linear1': 'linear1', 'Linear1': 'linear1-2'}}      # one id each
    cells = site.convert(nb, {}, anchors, 'sgd.html')['cells']
    assert [c['source'] for c in cells] == ['show_doc(other)', 'show_doc(linear1)', 'show_doc(Linear1)', exported['source'].split('\n', 2)[2], 'text']
    assert cells[3]['metadata'] == {'tags': ['exported-source', 'hide-input'],
                                    'mystnb': {'code_prompt_show': 'Exported source', 'code_prompt_hide': 'Exported source'}}
    assert 'id="linear1-2">Linear1</h3>' in cells[2]['outputs'][0]['data']['text/markdown']
    # links follow the anchors: the exact name's block; a method without a block of its own goes to its class's
    assert site.md('[`Linear1`](/sgd.html#linear1) [`linear1`](/sgd.html#linear1) [`other.m`](/sgd.html#other.m)', {}, anchors) == (
        '<a href="sgd.html#linear1-2"><code>Linear1</code></a> <a href="sgd.html#linear1"><code>linear1</code></a> '
        '<a href="sgd.html#other"><code>other.m</code></a>')
    assert site.md('[`_private`](/sgd.html#_private) [`other`](/sgd.html#other)', {}, anchors) == \
        '`_private` <a href="sgd.html#other"><code>other</code></a>'       # nbdev documents no private name: no link to nowhere
    page = ('<div class="cell tag_exported-source tag_hide-input docutils container">\n<details class="admonition hide above-input">'
            '<div class="cell tag_hide-input docutils container">\n<details class="admonition hide above-input">')
    assert site.open_exported_source(page).count(' open>') == 1


def test_toc_by_rule(tmp_path):
    "Chapters by file name with their numbers (new ones too: 07a), the appendix (9x), the developers' page last."
    for n in ('index', '00_data', '02_sgd', '07_optimizers', '07a_theory', '08_schedules', '90_glossary', '92_developers', '93_playground'):
        (tmp_path/f'{n}.ipynb').write_text('{}')
    paths = site.notebooks(tmp_path)
    names = {p.name: re.sub(r'^\d+[a-z]*_', '', p.stem) + '.html' for p in paths}
    titles = {p.name: p.stem.split('_')[-1].title() for p in paths}
    import yaml
    toc = yaml.safe_load(site.book_toc(paths, names, titles))
    assert toc['root'] == 'index'
    assert [p['caption'] for p in toc['parts']] == ['Course', 'Practice', 'Appendix', 'Developers']
    assert [c['title'] for c in toc['parts'][0]['chapters']] == ['0. Data', '2. Sgd', '7. Optimizers', '7a. Theory', '8. Schedules']
    assert [c['file'] for c in toc['parts'][2]['chapters']] == ['glossary', 'playground']
    assert toc['parts'][3]['chapters'] == [{'file': 'developers'}]


def test_book_config_prefers_the_figures_html_and_has_dropdowns():
    import yaml
    conf = yaml.safe_load(site.book_config(site.settings()))['sphinx']['config']
    assert 'sphinx_design' in conf['extensions']
    assert ['html', 'application/vnd.jupyter.widget-view+json', None] in conf['nb_mime_priority_overrides']
    assert ['html', 'text/html', 5] in conf['nb_mime_priority_overrides']
    assert site.with_plotly('<head></head><script>Plotly.newPlot("g", [])</script>').startswith('<head><script src="_static/plotly.min.js"></script>')
    assert site.with_plotly('<head></head><p>no figure</p>') == '<head></head><p>no figure</p>'


def test_links_name_the_repository_of_settings():
    "Launch and issue links are built from settings.ini's git_url and branch (they cannot be followed from here: the check reads their form)."
    cfg = {'git_url': 'https://github.com/mnist37/mnist37', 'branch': 'main'}
    assert site.launch_urls(cfg, '02_sgd.ipynb') == {
        'Colab': 'https://colab.research.google.com/github/mnist37/mnist37/blob/main/nbs/02_sgd.ipynb',
        'Binder': 'https://mybinder.org/v2/gh/mnist37/mnist37/main?labpath=nbs%2F02_sgd.ipynb'}
    assert site.issue_url(cfg, "fastai's `Learner`") == 'https://github.com/mnist37/mnist37/issues/new?title=fastai%27s%20Learner%3A%20'
    links = site.page_links(cfg, 'SGD', '02_sgd.ipynb', 'sgd.html', '02_sgd.ipynb')
    assert '<a class="mnist37-download" href="_sources/sgd.ipynb" download="02_sgd.ipynb">' in links
    assert '<a class="mnist37-practice" href="practice/02_sgd.ipynb" download>' in links
    with pytest.raises(SystemExit, match='git_url'): site.repository({'git_url': 'git@github.com:x/y.git'})


def test_chapters_are_practice_notebooks_chapters():
    "The check's chapters (which must link a practice notebook) are .ci/practice.py's."
    import practice
    assert site.chapter_notebooks() == list(practice.chapters().values())


def test_folded_text_of_a_notebook(tmp_path):
    "What the check must not see before a click: the answer's words, the folded source, the folded output; not what shows anyway."
    cells = FOLDS + [{'cell_type': 'markdown', 'metadata': {}, 'source': '**26. What does `zip` give?** `[(1, 2), (3, 4), (5, 6)]`'},
                     {'cell_type': 'code', 'metadata': {'tags': ['hide-output']}, 'source': 'pairs()', 'execution_count': 1,
                      'outputs': [{'output_type': 'execute_result', 'metadata': {}, 'execution_count': 1, 'data': {'text/plain': '[(1, 2), (3, 4), (5, 6)]'}}]}]
    assert site.folded(notebook(tmp_path, '04_q.ipynb', cells)) == [('answer', ANSWER + '.'), ('code', PROOF), ('output', RESULT)]


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
