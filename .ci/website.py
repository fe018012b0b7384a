"""The course as a website, built offline from the notebooks and their stored outputs, and checked in a browser.

python .ci/website.py build [--nbdev-python PY]   # nbs/*.ipynb -> _site/html (nbdev's processing, then Jupyter Book 1)
python .ci/website.py serve [--port 8000]         # preview _site/html on http://127.0.0.1:8000
python .ci/website.py check [DIR]                 # every page of DIR (default _site/html) in headless Chromium
python .ci/website.py lint                        # only the notebook checks that `build` starts with

Why this builder: nbdev's own site needs Quarto, which cannot be installed offline. nbdev's processing
(`nbdev.serve.proc_nbs`, the Python function that `nbdev_docs` runs before Quarto; never the `nbdev_proc_nbs`
command, which needs Quarto) is pure Python: it drops hidden cells and directive lines, adds the `show_doc` API
blocks, links backticked names, warns about cells that mix imports with other code, and keeps its results in
`_proc/`, re-processing only the notebooks that changed since (its cache, by modification time). Its output is
written for Quarto, so `convert` turns it into plain notebooks for Jupyter Book 1 (Sphinx, myst-nb,
sphinx-book-theme), which builds offline from PyPI alone; Jupyter Book 2 downloads its theme at build time.

`build` needs two Pythons: the processing runs the notebooks' import and export cells, so it needs the
project's stack with nbdev (2 or 3, fastai, torch: `--nbdev-python`, default this one); Jupyter Book and
Playwright (`.ci/site-requirements.txt`) run in this one. MathJax is served from the site (npm's
`mathjax@3`, fetched once into `--cache`), and the checker fails any page that asks another host for anything.

Reading order is file-name order; `index.ipynb` is the home page; the chapters (every other notebook not starting
with 9) carry their file's number in the sidebar (07a_theory: "7a."); notebooks whose names start with 9 are the
appendix, and `*_developers.ipynb` comes last. Between them, the page `practice.html` links the chapters' practice
notebooks (`.ci/practice.py`), which the build writes into `practice/`.

What the build makes of the course's conventions:
- folds: code cells tagged hide-input / hide-output / hide-cell (or collapsed in Jupyter: `jupyter.source_hidden`,
  `outputs_hidden`) stay folded on the page; a prose answer, `<details><summary>Answer</summary>` + markdown +
  `</details>`, becomes a sphinx-design dropdown (closed, its markdown rendered);
- under each page's title: Colab and Binder links for nbs/<notebook> in settings.ini's git_url and branch, the download
  of that notebook (the source notebook byte for byte, which CI runs in a student's kernel, also behind the theme's
  download button), a chapter's practice notebook, and a new GitHub issue titled with the page's title;
- nbdev's API blocks: one id each (nbdev's anchor, `-2` for a case variant such as Linear1 beside linear1), placed
  before their "Exported source" fold (open, as on nbdev's site);
- figures to play with (mnist37.playground): the HTML output (plotly with sliders) rather than the widget, and the
  site's own plotly.min.js in the head of each page that has one; on paper their picture (img.mnist37-print) instead.

`check` fails a page for anything a reader would meet as broken: dead links and anchors, broken images or notebooks,
requests to another host, script errors, duplicate ids, code cut off on screen or in print, a folded answer, code or
output visible before a click, a fold that does not open, a slider that does not change its figure, a download that is
not the source notebook, a missing practice, launch or issue link, a launch/issue/source link not in the form that
names the repository of settings.ini (they cannot be followed offline: their form is what is checked), and a home
page that is the developers' README.
"""
import argparse, functools, html, http.server, json, os, re, shutil, subprocess, sys, tarfile, threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

root = Path(__file__).resolve().parent.parent
nbs = root/'nbs'
out = root/'_site'
MATHJAX = 'mathjax@3.2.2'
DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*?)\s*$')

def directives(src: str) -> dict:
    "The `#| name: value` lines at the top of a cell's source, as {name: value}."
    d = {}
    for line in src.splitlines():
        m = DIRECTIVE.match(line)
        if not m:
            if line.strip(): break
            continue
        k, v = re.match(r'([\w-]*)\s*:?\s*(.*)', m.group(1)).groups()
        d[k] = v
    return d


def strip_directives(src: str) -> str:
    "The source without its leading directive lines."
    lines = src.splitlines()
    while lines and (DIRECTIVE.match(lines[0]) or not lines[0].strip()): lines.pop(0)
    return '\n'.join(lines)


def notebooks(path: Path = nbs) -> list:
    "Every notebook, in reading order: index first, then file-name order (appendix names, 9x, sort last)."
    return sorted(path.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.name))


def src_of(cell) -> str: return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


# ---------------------------------------------------------------- lint
def title_problem(path: Path) -> str | None:
    "What is wrong with the notebook's title cell (`# Title`, then `> one-line description`), or None."
    cells = [c for c in json.loads(path.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'markdown']
    lines = src_of(cells[0]).strip().splitlines() if cells else []
    if not lines or not lines[0].startswith('# '): return 'its first markdown cell is not a `# Title` cell'
    desc = [l for l in lines[1:] if l.strip()]
    if not desc or not desc[0].startswith('> '): return 'its title has no `> description` line under it'
    if len(desc) > 1 and desc[1].startswith('>'):
        return f'its description spans {sum(l.startswith(">") for l in desc)} lines; nbdev keeps only the first: make it one line'


def split_table_rows(path: Path) -> list:
    "(cell index, line) of markdown table rows with a `|` inside a code span."
    return [(i, l) for i, c in enumerate(json.loads(path.read_text(encoding='utf-8'))['cells']) if c['cell_type'] == 'markdown'
            for l in src_of(c).splitlines() if l.lstrip().startswith('|') and any('|' in m for m in re.findall(r'`([^`]+)`', l))]


def lint(paths) -> list:
    "Errors nbdev's processing does not report: notebooks that are not JSON, title cells nbdev cannot read, table rows split by a code span."
    res = []
    for p in paths:
        try: json.loads(p.read_text(encoding='utf-8'))
        except (UnicodeDecodeError, ValueError) as e: res.append(f'{p.relative_to(root)}: not a notebook (not JSON: {e})'); continue
        if (t := title_problem(p)): res.append(f'{p.relative_to(root)}: {t}')
        res.extend(f'{p.relative_to(root)}: cell {i}: a table row has `|` inside a code span (it splits the cell, on GitHub too): {line[:80]!r}'
                   for i, line in split_table_rows(p))
    return res


# ---------------------------------------------------------------- nbdev's processing (runs in the nbdev Python)
MIXED = 'Found cells containing imports and other code'


def proc_main(workers: int, force: bool):
    """`nbdev.serve.proc_nbs` into `_proc/`; every notebook it could not process is reported with its error, and a cell
    that mixes imports with other code (nbdev's warning: it runs such a cell alone) fails the build."""
    import warnings
    os.chdir(root)
    from nbdev.serve import proc_nbs
    import nbdev.serve_drv
    from nbdev.processors import FilterDefaults
    with warnings.catch_warnings(record=True) as ws:        # with workers=0 nbdev's warnings come here, else to stderr
        warnings.simplefilter('always')
        try: proc_nbs(n_workers=workers, force=force); err = None
        except Exception as e: err = e
    proc = root/'_proc'
    failed = []
    if err is not None:                 # nbdev stops at the first error: process the others one by one, for each one's error
        for p in notebooks():
            d = proc/p.relative_to(nbs)
            if d.exists() and d.stat().st_mtime >= p.stat().st_mtime: continue
            try: nbdev.serve_drv.main((p, d, FilterDefaults))
            except Exception as e: failed.append(f'FAIL {p.relative_to(root)}\n  {e}' + (f'\n  {e.__cause__!r}' if e.__cause__ else ''))
        if not failed: failed.append(f'FAIL nbdev processing: {type(err).__name__}: {err}')
    mixed = [' '.join(str(w.message).split())[:300] for w in ws if MIXED in str(w.message)]
    for m in dict.fromkeys(str(w.message) for w in ws if MIXED not in str(w.message)): print(f'warning: {m}', file=sys.stderr)
    if mixed:               # the cache would keep these notebooks and hide the warning next time: process all again then
        shutil.rmtree(proc, ignore_errors=True)
        failed.append('nbdev runs these cells on their own for their imports: give imports their own cells\n  ' + '\n  '.join(mixed))
    if failed: sys.exit('error: nbdev could not process the notebooks:\n' + '\n'.join(failed))


def process(nbdev_python: str, workers: int = 0, force: bool = False) -> Path:
    "Run nbdev's processing with `nbdev_python` (which has nbdev and the package); return its `_proc/` folder."
    print(f'nbdev processing (nbdev.serve.proc_nbs, cached in _proc/) with {nbdev_python}', flush=True)
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(root), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
           'MPLBACKEND': 'Agg'}
    r = subprocess.run([nbdev_python, __file__, '_proc', '--workers', str(workers), *(['--force'] if force else [])], env=env, cwd=root)
    if r.returncode: sys.exit(r.returncode)
    return root/'_proc'


# ---------------------------------------------------------------- Quarto-flavoured markdown -> Jupyter Book
def page_name(p: Path, processed: dict) -> str:
    "The page of notebook `p`: nbdev's `output-file` in its processed form `processed` (02_sgd.ipynb -> sgd.html)."
    return front_matter(processed).get('output-file', p.stem + '.html')


def page_names(proc: Path, paths) -> dict:
    """notebook file name -> its page (index.ipynb -> index.html). Pages carry nbdev's names because those are what
    nbdev's links and `_modidx.py` point to."""
    names = {}
    for p in paths:
        page = page_name(p, json.loads((proc/p.name).read_text(encoding='utf-8')))
        if page in names.values(): sys.exit(f'error: {p.relative_to(root)} and another notebook both become {page}: rename one.')
        names[p.name] = page
    return names


def front_matter(nb) -> dict:
    import yaml
    c = nb['cells'][0] if nb['cells'] else None
    if c and c['cell_type'] == 'raw' and src_of(c).lstrip().startswith('---'):
        return yaml.safe_load(src_of(c).strip().strip('-')) or {}
    return {}


LINK = re.compile(r'\[((?:`[^`]*`|[^\]\[])*)\]\(([^)\s]+)\)(\{[^}]*\})?')


def md(text: str, names: dict, anchors: dict | None = None) -> str:
    """nbdev's Quarto markdown as MyST reads it: site-root links made relative, Pandoc attributes as HTML, and a link to an
    API block whose anchor `doc_anchors` had to change (`Linear1` beside `linear1`) sent to that block."""
    def link(m):
        label, url, attrs = m.group(1), m.group(2), m.group(3)
        if url.startswith('/'):                       # a site-root link from nbdev's doclinks: /sgd.html#linear1
            url = url[1:]
            pg, _, frag = url.partition('#')
            name = label.strip('`').removesuffix('()')
            if frag and (a := (anchors or {}).get(pg, {}).get(name)) and a != frag: url = f'{pg}#{a}'
            elif frag and pg in (anchors or {}) and frag not in anchors[pg].values() and '.' in name and \
                    (a := anchors[pg].get(name.split('.')[0])):
                url = f'{pg}#{a}'       # a method without an API block of its own (Loaders.from_tensors): its class's block
            elif frag.startswith('_') and pg in (anchors or {}) and frag not in anchors[pg].values() and re.fullmatch(r'`[^`]+`', label):
                return label            # a private name (_same_shapes): nbdev documents none, so the link would lead nowhere
        elif re.match(r'(nbs/)?[^/:#]+\.ipynb(#|$)', url):   # a notebook: 02_sgd.ipynb#x -> sgd.html#x (nbs/...: the README's form)
            nb, _, frag = url.removeprefix('nbs/').partition('#')
            url = names.get(nb, nb) + (f'#{frag}' if frag else '')
        elif not attrs: return m.group(0)
        a = dict(re.findall(r'(\w+)="([^"]*)"', attrs or ''))
        extra = ''.join(f' {k}="{html.escape(v)}"' for k, v in a.items())
        if a.get('target') == '_blank': extra += ' rel="noopener"'
        inner = re.sub(r'`([^`]+)`', lambda c: f'<code>{html.escape(c.group(1))}</code>', label)
        return f'<a href="{html.escape(url)}"{extra}>{inner}</a>'
    parts = re.split(r'(^```.*?^```)', text, flags=re.M | re.S)   # fenced code: a link there shows as its name
    return dropdowns(''.join(re.sub(LINK, (lambda m: m.group(1).strip('`')) if i % 2 else link, t) for i, t in enumerate(parts)))


DETAILS = re.compile(r'^[ \t]*<details>[ \t]*<summary>(.*?)</summary>[ \t]*\n(.*?)\n[ \t]*</details>[ \t]*$', re.M | re.S)


def dropdowns(text: str) -> str:
    """A prose answer, `<details><summary>Answer</summary>` + markdown + `</details>` (the course's convention, which Jupyter
    shows folded), as a sphinx-design dropdown: closed until clicked, and the markdown inside rendered (inside an HTML
    `<details>` MyST would show it raw). One inside fenced code stays as it is."""
    fences = [m.span() for m in re.finditer(r'^```.*?^```', text, flags=re.M | re.S)]
    def drop(m):
        if any(a <= m.start() < b for a, b in fences): return m.group(0)
        title = ' '.join(m.group(1).split()) or 'Answer'
        return f'\n\n::::::{{dropdown}} {title}\n:class-container: mnist37-answer\n\n{m.group(2).strip()}\n::::::\n'
    return DETAILS.sub(drop, text)


SHOW_DOC_HEADING = re.compile(r'^(#{2,6}) ([^\n]+)$', re.M)


def doc_anchors(pages: dict) -> dict:
    """page -> {name: anchor} for the API blocks (`show_doc` outputs) of each processed notebook in `pages` (page -> nb).
    nbdev's anchor is the lowercased name, so `Linear1` and `linear1` on one page would share one: the second gets `-2`."""
    res = {}
    for page, nb in pages.items():
        used, res[page] = set(), {}
        for c in nb['cells']:
            if c['cell_type'] != 'code' or 'show_doc' not in src_of(c): continue
            for o in c.get('outputs', []):
                t = o.get('data', {}).get('text/markdown')
                if t is None or not (m := SHOW_DOC_HEADING.search(''.join(t) if isinstance(t, list) else t)): continue
                res[page].setdefault(m.group(2).strip(), None)
        # nbdev's own anchor to the name written in lower case (linear1), the next one to a case variant (Linear1)
        for name in sorted(res[page], key=lambda n: n != n.lower()):
            a, k = name.lower(), 1
            while a in used: k += 1; a = f'{name.lower()}-{k}'
            used.add(a); res[page][name] = a
    return res


def show_doc_md(text: str, names: dict, anchors: dict | None = None, page: str = '') -> str:
    """A `show_doc` block: its opening rule as HTML (MyST would read it as front matter), and its heading as an HTML heading
    that carries nbdev's anchor (a markdown heading would get a second id from Sphinx: one element, one id)."""
    text = re.sub(r'\A\s*---\s*\n', '<hr class="nbdev-rule">\n\n', text)
    def heading(m):
        name = m.group(2).strip()
        a = (anchors or {}).get(page, {}).get(name, name.lower())
        n = len(m.group(1))
        return f'<h{n} class="nbdev-heading" id="{html.escape(a)}">{html.escape(name)}</h{n}>'
    text = SHOW_DOC_HEADING.sub(heading, text, count=1)
    return md(text, names, anchors)


TAGS = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('include', 'false'): 'remove-cell'}
KEPT_TAGS = {'hide-input', 'hide-output', 'hide-cell', 'remove-input', 'remove-output', 'remove-cell'}


def fold_tags(meta: dict) -> set:
    """myst-nb's tags for a cell's folds, from its tags and Jupyter's collapse metadata (the course's convention): a cell
    whose source is collapsed in Jupyter (`jupyter.source_hidden`) is `hide-input` here even without the tag, its collapsed
    outputs (`outputs_hidden`) `hide-output`, both `hide-cell` (one fold for the code and its output)."""
    tags = set(meta.get('tags') or []) & KEPT_TAGS
    j = meta.get('jupyter') or {}
    if j.get('source_hidden'): tags.add('hide-input')
    if j.get('outputs_hidden'): tags.add('hide-output')
    if {'hide-input', 'hide-output'} <= tags or 'hide-cell' in tags: tags = (tags - {'hide-input', 'hide-output'}) | {'hide-cell'}
    return tags


DEF = re.compile(r'^(?:async\s+)?(?:def|class)\s+(\w+)', re.M)
SHOW_DOC = re.compile(r'^\s*show_doc\(\s*([\w.]+)')


def regroup(cells: list) -> list:
    """nbdev's API blocks (`show_doc`) beside an exported cell, put with their code as nbdev's own site shows them: the
    blocks of the names the cell defines, in the order it defines them, then its "Exported source" fold. (nbdev moves only
    the first block above the cell, so a cell that defines two names showed one block above its code and one below.)"""
    def doc(c): return c['cell_type'] == 'code' and (m := SHOW_DOC.match(c['source'])) and m.group(1)
    cells, k = list(cells), 0
    while k < len(cells):
        c = cells[k]
        if not c.get('_exported'): k += 1; continue
        defs = DEF.findall(c['source'])
        i, j = k, k + 1
        while i > 0 and doc(cells[i - 1]): i -= 1
        while j < len(cells) and doc(cells[j]): j += 1
        mine = lambda d: doc(d).split('.')[-1] in defs or doc(d).split('.')[0] in defs
        before, after = [d for d in cells[i:k] if not mine(d)], [d for d in cells[k + 1:j] if not mine(d)]
        group = sorted([d for d in cells[i:j] if d is not c and mine(d)],
                       key=lambda d: (defs.index(doc(d).split('.')[0]) if doc(d).split('.')[0] in defs else defs.index(doc(d).split('.')[-1]),
                                      '.' in doc(d)))
        cells[i:j] = before + group + [c] + after
        k = i + len(before) + len(group) + 1
    return cells


def convert(nb: dict, names: dict, anchors: dict | None = None, page: str = '', links: str = '') -> dict:
    """One processed notebook as Jupyter Book reads it; `links` (markdown: where to run it, its practice notebook, where to
    report a problem) goes under its title."""
    cells = []
    fm = front_matter(nb)
    if fm:
        nb['cells'] = nb['cells'][1:]
        head = f"# {fm.get('title', '')}"
        if fm.get('description'): head += f"\n\n> {fm['description']}"
        cells.append({'cell_type': 'markdown', 'id': 'title', 'metadata': {}, 'source': md(head, names, anchors)})
    if links: cells.append({'cell_type': 'markdown', 'id': 'page-links', 'metadata': {}, 'source': links})
    for c in nb['cells']:
        src = src_of(c)
        if c['cell_type'] == 'markdown':
            if src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            cells.append({'cell_type': 'markdown', 'id': c.get('id'), 'metadata': {}, 'source': md(src, names, anchors)})
        elif c['cell_type'] == 'code':
            d = directives(src)
            body = strip_directives(src)
            outputs = c.get('outputs', [])
            if not body.strip() and not outputs: continue
            tags = {t for (k, v), t in TAGS.items() if d.get(k, '').lower() == v} | fold_tags(c.get('metadata', {}))
            meta = {}
            if 'code-fold' in d and not tags & {'hide-input', 'hide-cell'}:
                # nbdev's "Exported source" fold (an `#| exports` cell), open as on nbdev's site; an answer's fold stays closed
                tags |= {'hide-input', 'exported-source'}
                summary = d.get('code-summary', '').strip('"\'') or 'Exported source'
                meta['mystnb'] = {'code_prompt_show': summary, 'code_prompt_hide': summary}
            if not body.strip(): tags.add('remove-input')
            asis = d.get('output') == 'asis' or 'show_doc' in body
            for o in outputs:
                data = o.get('data', {})
                if 'text/markdown' in data:
                    t = ''.join(data['text/markdown']) if isinstance(data['text/markdown'], list) else data['text/markdown']
                    data['text/markdown'] = show_doc_md(t, names, anchors, page) if asis else md(t, names, anchors)
            if tags: meta['tags'] = sorted(tags)
            cells.append({'cell_type': 'code', 'id': c.get('id'), 'metadata': meta, 'source': body, 'outputs': outputs,
                          'execution_count': c.get('execution_count'), '_exported': 'code-fold' in d})
        # raw cells (Quarto front matter or output formats) have no place on the page
    cells = regroup(cells)
    for i, c in enumerate(cells):
        c['id'] = c.get('id') or f'cell-{i}'
        c.pop('_exported', None)
    return {'cells': cells, 'nbformat': 4, 'nbformat_minor': 5,
            'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
                         'language_info': {'name': 'python', 'pygments_lexer': 'ipython3'}}}


def settings(path: Path = root/'settings.ini') -> dict:
    import configparser
    cp = configparser.ConfigParser(delimiters=['='], interpolation=None)
    cp.read(path, encoding='utf-8')
    return dict(cp['DEFAULT'])


def book_config(cfg: dict, baseurl: str = '') -> str:
    """Jupyter Book's _config.yml: nothing executed, nothing fetched from another host, no Thebe. The launch buttons are
    each page's own links (`page_links`): the theme's would name the page (nbs/sgd.ipynb), not its notebook (nbs/02_sgd.ipynb)."""
    import yaml
    conf = {
        'title': cfg['title'], 'author': cfg['author'], 'copyright': cfg['copyright'],
        'only_build_toc_files': True,
        'exclude_patterns': ['_build', '**.ipynb_checkpoints'],
        'execute': {'execute_notebooks': 'off'},
        'repository': {'url': cfg['git_url'], 'branch': cfg.get('branch', 'main'), 'path_to_book': 'nbs'},
        'html': {'favicon': 'favicon.svg', 'use_repository_button': True, 'home_page_in_navbar': True, 'use_multitoc_numbering': False,
                 'baseurl': baseurl},      # only for the pages' canonical links: every link between pages is relative
        'launch_buttons': {'thebe': False, 'binderhub_url': '', 'colab_url': '', 'jupyterhub_url': ''},
        'parse': {'myst_enable_extensions': ['colon_fence', 'dollarmath', 'substitution', 'tasklist'],
                  'myst_url_schemes': ['mailto', 'http', 'https']},
        'sphinx': {'config': {
            # Jupyter Book's default extensions without sphinx_thebe (a second declaration of its script on every
            # page), sphinx_togglebutton and intersphinx (which downloads inventories); sphinx_design for the answers' dropdowns
            'extensions': ['sphinx_copybutton', 'myst_nb', 'jupyter_book', 'sphinx_comments', 'sphinx_external_toc', 'sphinx_design',
                           'sphinx_book_theme'],
            'mathjax_path': 'mathjax/tex-chtml.js',      # relative to _static: served from the site
            'nb_render_markdown_format': 'myst',          # show_doc's parameter tables are GFM tables
            # the figures to play with (mnist37.playground) carry a widget (live in Jupyter), HTML (plotly with sliders,
            # precomputed) and a PNG: the site shows the HTML, never the widget (it needs a kernel and a CDN)
            'nb_mime_priority_overrides': [['html', 'application/vnd.jupyter.widget-view+json', None], ['html', 'text/html', 5]],
            'html_show_sourcelink': False,
            'html_context': {'default_mode': 'light'},    # else the theme logs a console error on a first visit
            'suppress_warnings': ['myst.header', 'myst.domains'],
        }},
    }
    return yaml.safe_dump(conf, sort_keys=False, allow_unicode=True)


def chapter_label(stem: str, title: str) -> str:
    "The sidebar's entry for a chapter: its number from the file name, then its title, as plain text (02_sgd -> '2. title', 07a_theory -> '7a. title')."
    m = re.match(r'(\d+)([a-z]*)_', stem)
    title = re.sub(r'[`*]', '', title)
    return f'{int(m.group(1))}{m.group(2)}. {title}' if m else title


def developers(p: Path) -> bool: return p.stem.endswith('_developers')


def book_toc(paths, names: dict, titles: dict | None = None) -> str:
    """The sidebar, by file name: the course's chapters (every notebook but index and 9x, numbered as their files are),
    the practice page, the appendix (9x), and last the developers' page (*_developers)."""
    import yaml
    titles = titles or {}
    def entry(p, number=False):
        e = {'file': names[p.name][:-5]}
        if number and p.name in titles: e['title'] = chapter_label(p.stem, titles[p.name])
        return e
    main = [entry(p, True) for p in paths if p.stem != 'index' and not p.name.startswith('9') and not developers(p)]
    appendix = [entry(p) for p in paths if p.name.startswith('9') and not developers(p)]
    dev = [entry(p) for p in paths if developers(p)]
    parts = [{'caption': 'Course', 'chapters': main}]
    parts.append({'caption': 'Practice', 'chapters': [{'file': PRACTICE}]})
    if appendix: parts.append({'caption': 'Appendix', 'chapters': appendix})
    if dev: parts.append({'caption': 'Developers', 'chapters': dev})
    return yaml.safe_dump({'format': 'jb-book', 'root': 'index', 'parts': parts}, sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------- where a page is run, practised and reported
def repository(cfg: dict) -> tuple:
    "(owner, name, branch) of the GitHub repository in settings.ini (git_url, branch)."
    m = re.fullmatch(r'https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?', cfg.get('git_url', '').strip())
    if not m: sys.exit(f"error: settings.ini's git_url {cfg.get('git_url')!r} is not https://github.com/OWNER/NAME")
    return m.group(1), m.group(2), cfg.get('branch', 'main').strip() or 'main'


def launch_urls(cfg: dict, nb_name: str) -> dict:
    "Where the notebook nbs/`nb_name` opens in the cloud: Colab and Binder, for the repository and branch of settings.ini."
    from urllib.parse import quote
    owner, name, branch = repository(cfg)
    return {'Colab': f'https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/nbs/{quote(nb_name)}',
            'Binder': f'https://mybinder.org/v2/gh/{owner}/{name}/{branch}?labpath={quote("nbs/" + nb_name, safe="")}'}


def issue_url(cfg: dict, title: str) -> str:
    "A new GitHub issue in the repository of settings.ini, titled with the page's title (its markup, backticks and stars, removed)."
    from urllib.parse import quote
    owner, name, _ = repository(cfg)
    return f'https://github.com/{owner}/{name}/issues/new?title={quote(re.sub(r"[`*]", "", title) + ": ", safe="")}'


def page_links(cfg: dict, title: str, nb_name: str | None = None, page: str = '', practice_nb: str | None = None) -> str:
    """The line under a page's title (raw HTML, one block): run its notebook (Colab, Binder, download: the source notebook,
    byte for byte), its practice notebook (a chapter's), and open an issue about it."""
    a = []
    if nb_name:
        a += [f'<a class="mnist37-launch" href="{html.escape(u)}">Open in {k}</a>' for k, u in launch_urls(cfg, nb_name).items()]
        a.append(f'<a class="mnist37-download" href="_sources/{html.escape(page[:-5])}.ipynb" download="{html.escape(nb_name)}">Download the notebook</a>')
    if practice_nb: a.append(f'<a class="mnist37-practice" href="{PRACTICE}/{html.escape(practice_nb)}" download>Practice notebook</a>')
    a.append(f'<a class="mnist37-issue" href="{html.escape(issue_url(cfg, title))}">Open an issue about this page</a>')
    return '<p class="mnist37-links">' + ' · '.join(a) + '</p>'


# ---------------------------------------------------------------- practice notebooks
PRACTICE = 'practice'     # the page practice.html, and the folder its notebooks are downloaded from


def practice_page(chapters: list, head: str = '') -> str:
    "The practice page's MyST markdown: what the notebooks are, how to use them, and one download link per (file name, page, title)."
    def label(t): return re.sub(r'([\[\]])', r'\\\1', t)
    links = '\n'.join(f'- [{label(title)}]({page[:-5]}.ipynb): <a href="{PRACTICE}/{html.escape(f)}" download>{html.escape(f)}</a>'
                      for f, page, title in chapters)
    return f"""# Practice notebooks

> Every chapter again without its prose and outputs: you write the results, its exercises check them.

{head}

A practice notebook keeps a chapter's headings, its "Stop and think" prompts, its visible code cells (with no outputs) and its
exercises, like the `clean/` notebooks of fastbook. Download one, open it in Jupyter (in a clone of the repository, with the
package installed: `pip install -e ".[nbs]"`), predict what each cell prints before you run it, and run each exercise's check
once you have filled in its stub. They are generated from the chapters, never edited by hand: `python .ci/practice.py`
writes them all into `practice/`.

{links}
"""


# The site's icon (browsers ask for one; without it the first page logs a 404): a 3 and a 7, black on white.
FAVICON = '''<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="#fff"/>
<text x="16" y="23" font-family="sans-serif" font-size="18" font-weight="bold" text-anchor="middle" fill="#000">37</text></svg>
'''
CSS = '''/* nbdev's API blocks, as on an nbdev site */
hr.nbdev-rule { margin: 2rem 0 0.5rem; }
.nbdev-heading { font-size: 1.1rem; font-weight: 600; margin: 0.5rem 0; }
.cell_output .output.text_html table, .cell_output table { font-size: 0.85em; }
p.mnist37-links { font-size: 0.85em; }
/* Code keeps every character on screen: a long line wraps (a scroll bar is easy to miss, and is lost on paper) */
pre, .highlight pre, .cell_output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
/* The figures to play with: the plotly figure on screen, its picture on paper */
.mnist37-print { display: none; }
@media print {
  pre, .highlight pre, .cell_output pre { white-space: pre-wrap !important; overflow-wrap: anywhere !important;
                                         overflow: visible !important; max-height: none !important; }
  .mnist37-play .plotly-graph-div, .mnist37-play .js-plotly-plot { display: none !important; }
  .mnist37-print { display: block !important; max-width: 100%; }
}
'''
PLOTLY = 'plotly.min.js'


def plotly_js() -> Path:
    "plotly.min.js from the plotly package of this Python (.ci/site-requirements.txt pins the notebooks' version)."
    try: import plotly
    except ImportError: sys.exit(f'error: no plotly in {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    f = Path(plotly.__file__).parent/'package_data'/PLOTLY
    if not f.exists(): sys.exit(f'error: {f} is missing: reinstall plotly in the site venv.')
    return f


def with_plotly(text: str) -> str:
    """A page with a plotly figure (mnist37.playground's HTML, written with include_plotlyjs=False) loads the site's
    plotly.min.js in its <head>, before the figures' scripts run. Only such a page: the 4.6 MB script costs every page
    that loads it about a second (measured in the checker's Chromium), and most pages have no figure to play with."""
    if 'Plotly.newPlot' not in text or f'_static/{PLOTLY}' in text: return text
    return text.replace('</head>', f'<script src="_static/{PLOTLY}"></script>\n</head>', 1)


def open_exported_source(text: str) -> str:
    "nbdev's \"Exported source\" folds open, as on nbdev's site (`code-fold: show`); the answers' folds stay closed."
    return re.sub(r'(<div class="cell [^"]*\btag_exported-source\b[^"]*"[^>]*>\s*<details class="[^"]*\bhide above-input")(>)', r'\1 open\2', text)


def mathjax(cache: Path) -> Path:
    "MathJax 3 (npm's mathjax package, es5 build), fetched once with `npm pack` into `cache`."
    d = cache/MATHJAX.replace('@', '-')
    if (d/'tex-chtml.js').exists(): return d
    if not shutil.which('npm'): sys.exit(f'error: MathJax is not in {d} and npm is missing: install npm (apt-get install npm) or fill {d}.')
    cache.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['npm', 'pack', '--silent', MATHJAX], cwd=cache, capture_output=True, text=True)
    if r.returncode: sys.exit(f'error: npm pack {MATHJAX} failed in {cache}: {r.stderr.strip()}')
    tgz = cache/r.stdout.strip().splitlines()[-1]
    tmp = d.with_name(d.name + '.part')
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tgz) as t:
        members = [m for m in t.getmembers() if m.name.startswith('package/es5/') and m.isfile()]
        for m in members: m.name = m.name[len('package/es5/'):]
        t.extractall(tmp, members=members, filter='data')
    tgz.unlink()
    shutil.rmtree(d, ignore_errors=True)
    tmp.rename(d)
    return d


def build(args):
    paths = notebooks()
    errors = lint(paths)
    if errors: sys.exit("error: the notebooks are not ready for nbdev's processing:\n  " + '\n  '.join(errors))
    proc = process(args.nbdev_python, args.workers, args.force)
    book = out/'book'
    shutil.rmtree(book, ignore_errors=True)
    (book/'_static').mkdir(parents=True)
    names = page_names(proc, paths)
    if f'{PRACTICE}.html' in names.values(): sys.exit(f'error: a notebook becomes {PRACTICE}.html, the practice notebooks\' page: rename it.')
    cfg = settings()
    import practice as prac
    chapters = list(prac.chapters().values())
    done = {p.name: json.loads((proc/p.name).read_text(encoding='utf-8')) for p in paths}
    anchors = doc_anchors({names[n]: nb for n, nb in done.items()})
    titles = {n: str(front_matter(nb).get('title', Path(n).stem)) for n, nb in done.items()}
    for p in paths:
        page = names[p.name]
        links = page_links(cfg, titles[p.name], p.name, page, p.name if p in chapters else None)
        (book/page).with_suffix('.ipynb').write_text(json.dumps(convert(done[p.name], names, anchors, page, links), indent=1, ensure_ascii=False),
                                                     encoding='utf-8')
    (book/f'{PRACTICE}.md').write_text(practice_page([(p.name, names[p.name], titles[p.name]) for p in chapters],
                                                     page_links(cfg, 'Practice notebooks')), encoding='utf-8')
    (book/'_config.yml').write_text(book_config(cfg, args.baseurl), encoding='utf-8')
    (book/'_toc.yml').write_text(book_toc(paths, names, titles), encoding='utf-8')
    (book/'_static'/'site.css').write_text(CSS, encoding='utf-8')
    plotly = plotly_js()
    (book/'favicon.svg').write_text(FAVICON, encoding='utf-8')
    jb = Path(sys.executable).parent/'jupyter-book'
    if not jb.exists(): sys.exit(f'error: no jupyter-book next to {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    shutil.rmtree(out/'build', ignore_errors=True); shutil.rmtree(out/'html', ignore_errors=True)   # never check a stale site
    strict = [] if args.allow_warnings else ['--warningiserror']
    # Jupyter Book's banner names its own output folder, which is moved below: its stdout is shown only on a failure
    r = subprocess.run([str(jb), 'build', str(book), '--path-output', str(out/'build'), '--keep-going', *strict, '-q'],
                       stdout=subprocess.PIPE, text=True)
    if r.returncode: sys.exit(f'{r.stdout}\nerror: jupyter-book build failed (exit {r.returncode}); its warnings are above.')
    html_dir = out/'html'
    (out/'build'/'_build'/'html').rename(html_dir)
    shutil.rmtree(out/'build', ignore_errors=True)
    # after the build: Jupyter Book would add every .js file under the book's _static to every page
    shutil.copytree(mathjax(Path(args.cache)), html_dir/'_static'/'mathjax')
    shutil.copy(plotly, html_dir/'_static'/PLOTLY)
    for p in paths:
        # the notebook a page offers for download is its source notebook, byte for byte (CI runs it in a student's kernel);
        # nbdev's processed one would not run (show_doc without its import, cells moved)
        shutil.copyfile(p, html_dir/'_sources'/(names[p.name][:-5] + '.ipynb'))
        f = html_dir/names[p.name]
        f.write_text(with_plotly(open_exported_source(f.read_text(encoding='utf-8'))), encoding='utf-8')
    _, failed = prac.write(html_dir/PRACTICE, [p.stem for p in chapters])
    if failed: sys.exit(f"error: no practice notebook for {', '.join(map(str, failed))}: the errors are above")
    (html_dir/'.nojekyll').touch()
    print(f'site: {len(paths) + 1} pages and {len(chapters)} practice notebooks in {html_dir.relative_to(root)}/ '
          f'(python .ci/website.py serve, then http://127.0.0.1:8000/)')


# ---------------------------------------------------------------- serving and checking
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def server(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    "An HTTP server for `directory` on 127.0.0.1, running in a thread (port 0: any free port)."
    s = http.server.ThreadingHTTPServer(('127.0.0.1', port), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def serve(args):
    d = Path(args.dir)
    if not (d/'index.html').exists(): sys.exit(f'error: no {d}/index.html: run `python .ci/website.py build` first.')
    s = server(d, args.port)
    print(f'serving {d} on http://127.0.0.1:{s.server_address[1]}/ (Ctrl-C stops)', flush=True)
    try: threading.Event().wait()
    except KeyboardInterrupt: s.shutdown()


class Ids(HTMLParser):
    def __init__(self):
        super().__init__(); self.ids, self.dups = set(), []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == 'id' and v in self.ids: self.dups.append(v)
            if k == 'id' or (tag == 'a' and k == 'name'): self.ids.add(v)


@functools.lru_cache(None)
def parsed_ids(f: Path) -> Ids:
    p = Ids(); p.feed(f.read_text(encoding='utf-8', errors='replace')); return p


def ids_of(f: Path) -> frozenset: return frozenset(parsed_ids(f).ids)


def duplicate_ids(f: Path) -> list:
    "The ids that more than one element of the page's HTML carries (those that scripts add, plotly's, are theirs), with their counts."
    from collections import Counter
    return [f'{k} ({n + 1} times)' for k, n in Counter(parsed_ids(f).dups).items()]


def hidden_sources(path: Path = nbs, proc: Path = root/'_proc') -> dict:
    """page name -> whitespace-normalised sources of the code cells of `path`'s notebooks that nbdev's processing (its
    results in `proc`) left off the page; {} for a notebook not processed."""
    def norm(c): return ' '.join(strip_directives(src_of(c)).split())
    res = {}
    for p in notebooks(path):
        if not (proc/p.name).exists(): continue
        done = json.loads((proc/p.name).read_text(encoding='utf-8'))
        shown = {norm(c) for c in done['cells'] if c['cell_type'] == 'code'}
        res[page_name(p, done)] = [b for c in json.loads(p.read_text(encoding='utf-8'))['cells']
                                   if c['cell_type'] == 'code' and (b := norm(c)) and b not in shown]
    return res


@functools.lru_cache(None)
def notebook_problem(f: Path) -> str | None:
    "Why Jupyter would not open the notebook `f` (not JSON, or not valid nbformat 4), or None."
    import nbformat
    try: nb = json.loads(f.read_text(encoding='utf-8'))
    except (UnicodeDecodeError, ValueError) as e: return f'not JSON: {e}'
    if not isinstance(nb, dict) or nb.get('nbformat') != 4:
        return f'not an nbformat 4 notebook (nbformat: {nb.get("nbformat") if isinstance(nb, dict) else type(nb).__name__})'
    try: nbformat.validate(nbformat.from_dict(nb))
    except nbformat.ValidationError as e: return ' '.join(str(e).split())[:200]


def page_sources(path: Path = nbs, proc: Path = root/'_proc') -> dict:
    "page name -> its source notebook in `path`: nbdev's output-file where `proc` has it processed, else nbdev's rule (02_sgd -> sgd.html)."
    res = {}
    for p in notebooks(path):
        done = json.loads((proc/p.name).read_text(encoding='utf-8')) if (proc/p.name).exists() else {'cells': []}
        res[front_matter(done).get('output-file') or re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.name.lower())[:-6] + '.html'] = p
    return res


def chapter_notebooks(path: Path = nbs) -> list:
    "The chapters, which have practice notebooks: nbs/0*.ipynb but the questionnaire and the CLI (.ci/practice.py's `chapters`)."
    return [p for p in sorted(path.glob('0*.ipynb')) if not re.search(r'questionnaire|_cli$', p.stem)]


def plain_run(text: str) -> str:
    "The longest run of plain words in markdown `text`: what its rendering shows as written (no markup, quotes or dashes)."
    text = re.sub(r'<[^>]+>', ' ', text.replace('\n', ' '))
    runs = [' '.join(r.split()) for r in re.findall(r'[A-Za-z0-9 ,.;]+', text)]
    return max(runs, key=len, default='')


def folded(path: Path) -> list:
    '''What the notebook at `path` folds, as (kind, text) the page must not show before a click: ('answer', a run of a
    prose answer's words), ('code', a folded cell's whitespace-normalised source), ('output', a line of a folded output).
    A text that the notebook also shows unfolded (a question that quotes its answer's output) is not one of them.'''
    res, shown = [], []
    def out_text(o):
        d = o.get('data', {})
        t = o.get('text') if o.get('output_type') == 'stream' else None if 'text/html' in d or 'image/png' in d else d.get('text/plain')
        return ''.join(t) if isinstance(t, list) else (t or '')
    for c in json.loads(path.read_text(encoding='utf-8'))['cells']:
        src = src_of(c)
        if c['cell_type'] == 'markdown':
            fences = [m.span() for m in re.finditer(r'^```.*?^```', src, flags=re.M | re.S)]
            answers = [m for m in DETAILS.finditer(src) if not any(a <= m.start() < b for a, b in fences)]
            res += [('answer', r) for m in answers if len(r := plain_run(m.group(2))) >= 20]
            shown.append(DETAILS.sub(' ', src))
        elif c['cell_type'] == 'code':
            tags = fold_tags(c.get('metadata', {})) if 'hide' not in directives(src) else set()
            body = ' '.join(strip_directives(src).split())
            if tags & {'hide-input', 'hide-cell'} and body: res.append(('code', body))
            else: shown.append(body)
            for o in c.get('outputs', []):
                t = out_text(o)
                if not tags & {'hide-output', 'hide-cell'}: shown.append(t); continue
                if len(line := max((' '.join(l.split()) for l in t.splitlines()), key=len, default='')) >= 12: res.append(('output', line))
    shown = ' '.join(' '.join(shown).split())
    return [(k, t) for k, t in res if t not in shown]


JS_PAGE = '''async () => {
  await Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
  const norm = s => s.split(/\\s+/).join(' ').trim();
  const vis = e => e.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true}) && e.getClientRects().length > 0;
  const shown = () => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); let n, t = [];
                        while ((n = w.nextNode())) if (n.parentElement && vis(n.parentElement)) t.push(n.data); return norm(t.join('')); };
  const h1 = document.querySelector('h1'); let title = document.title;
  if (h1) { const c = h1.cloneNode(true); c.querySelectorAll('.headerlink').forEach(e => e.remove()); title = norm(c.textContent); }
  const cut = [];
  for (const p of document.querySelectorAll('pre')) {
    if (!vis(p)) continue;
    const what = norm(p.innerText).slice(0, 60), r = p.getBoundingClientRect();
    if (p.scrollWidth > p.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) { cut.push(what); continue; }
    for (let a = p.parentElement; a && a !== document.body; a = a.parentElement) {
      if (!['hidden', 'clip'].includes(getComputedStyle(a).overflowX)) continue;
      const ar = a.getBoundingClientRect();
      if (r.right > ar.right + 1 || r.left < ar.left - 1) { cut.push(what); break; }
    }
  }
  const before = {text: shown(), pres: [...document.querySelectorAll('pre')].filter(vis).map(p => norm(p.innerText))};
  // every fold opens on a click on its summary (a closed one inside is opened after its parent, in document order)
  const dead = [], opened = [];
  for (const d of document.querySelectorAll('details')) {
    const s = d.querySelector(':scope > summary');
    if (d.open || !s) continue;
    s.click();
    const body = [...d.children].filter(c => c.tagName !== 'SUMMARY');
    opened.push([d, s]);
  }
  // after every click, one layout: a fold whose body is still not displayed (its fade-in's opacity aside) did not open
  // (a fold's body fades in: its visibility is asked again for up to a second)
  const shows = e => e.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}) && e.getClientRects().length > 0;
  const closed = () => opened.filter(([d, s]) => { const body = [...d.children].filter(c => c.tagName !== 'SUMMARY');
                                                    return !d.open || (body.length && !body.some(shows)); });
  let still = closed();
  for (let i = 0; i < 20 && still.length; i++) { await new Promise(r => setTimeout(r, 50)); still = closed(); }
  for (const [d, s] of still) dead.push(norm(s.textContent).slice(0, 60));
  const sliders = [...document.querySelectorAll('.js-plotly-plot')].map(g => (g._fullLayout && g._fullLayout.sliders || []).length);
  return {
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, w: i.naturalWidth})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    sources: [...document.querySelectorAll('a[href]')].filter(a => a.textContent.trim() === 'source').map(a => a.href),
    text: document.body.innerText, title, before, dead, cut, sliders,
    all: norm(document.body.textContent),
    printed: [...document.querySelectorAll('.mnist37-print')].filter(vis).length,
    code: [...document.querySelectorAll('pre')].map(p => p.innerText.split(/\\s+/).join(' ').trim()),
  };
}'''

# in print: code cut off (a pre wider than its box), a figure to play with still shown, or its picture missing
JS_PRINT = '''() => {
  const vis = e => e.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true}) && e.getClientRects().length > 0;
  return {
    cut: [...document.querySelectorAll('pre')].filter(p => vis(p) && p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.split(/\\s+/).join(' ').trim().slice(0, 60)),
    plots: [...document.querySelectorAll('.mnist37-play .js-plotly-plot')].filter(vis).length,
    pictures: [...document.querySelectorAll('.mnist37-print')].filter(vis).length,
    plays: document.querySelectorAll('.mnist37-play').length,
  };
}'''

# a figure's data, to see whether a slider changed it
JS_FIGURE = '''([g, s]) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[g];
  const rail = gd.querySelectorAll('.slider-rail-touch-rect')[s];
  gd.scrollIntoView({block: 'center'});
  const sl = gd._fullLayout.sliders[s], r = rail ? rail.getBoundingClientRect() : null;
  return {data: JSON.stringify(gd.data), active: sl.active, n: sl.steps.length, rect: r && [r.left, r.top, r.width, r.height],
          labels: sl.steps.map(t => t.label)};
}'''


def drive_sliders(page, counts: list) -> list:
    "Click a later step (the first, if the last is active) of every slider of every plotly figure; the ones whose figure's data did not change."
    dead = []
    for g, n in enumerate(counts):
        for s in range(n):
            f = page.evaluate(JS_FIGURE, [g, s])
            where = f'figure {g + 1}, slider {s + 1}'
            if not f['rect'] or f['n'] < 2: dead.append(f'{where}: no steps to click'); continue
            x0, y0, w, h = f['rect']
            last = f['active'] != f['n'] - 1
            page.mouse.click(x0 + (w - 3 if last else 3), y0 + h / 2)
            target = f['labels'][-1 if last else 0]
            for _ in range(20):
                page.wait_for_timeout(100)
                if page.evaluate(JS_FIGURE, [g, s])['data'] != f['data']: break
            else: dead.append(f'{where}: clicking step {target!r} left the figure\'s data as it was')
    return dead


def letters(s: str) -> str: return re.sub(r'\W+', '', s).lower()     # a title without its typography (’ for ', backticks)


def url_problems(info: dict, name: str, cfg: dict, src: Path | None, chapter: bool, site: Path) -> list:
    "What is wrong with the page's launch, download, practice, issue and source links (their form: they cannot be followed from here)."
    from urllib.parse import parse_qs
    bad = []
    owner, repo, branch = repository(cfg)
    links = [urlsplit(h) for h in info['links']]
    if src is not None:
        want = launch_urls(cfg, src.name)
        launch = [h for h in info['links'] if urlsplit(h).netloc in ('colab.research.google.com', 'mybinder.org')]
        if not set(want.values()) & set(launch): bad.append(f'no launch link (Colab or Binder) for nbs/{src.name}')
        # a page may also open another notebook (the home page opens 00_data): any notebook of nbs/, in this form
        others = {u for p in src.parent.glob('*.ipynb') for u in launch_urls(cfg, p.name).values()}
        bad += [f'malformed launch link: {h} (want one of {", ".join(want.values())}, or the same for another notebook of nbs/)'
                for h in launch if h not in others]
        dl = [l for l in links if l.scheme.startswith('http') and l.netloc.startswith('127.0.0.1') and '/_sources/' in l.path and l.path.endswith('.ipynb')]
        if not dl: bad.append(f'no notebook download (a link to _sources/*.ipynb) for nbs/{src.name}')
        for l in {l.path: l for l in dl}.values():
            f = site/'_sources'/unquote(l.path.split('/_sources/', 1)[1])
            if f.is_file() and f.read_bytes() != src.read_bytes():
                bad.append(f'download differs from nbs/{src.name} (the notebook CI runs): {l.path}')
        if chapter and not any(l.path.endswith(f'/{PRACTICE}/{src.stem}.ipynb') for l in links if l.netloc.startswith('127.0.0.1')):
            bad.append(f'no link to its practice notebook {PRACTICE}/{src.stem}.ipynb')
    if name not in ('genindex.html', 'search.html', 'py-modindex.html'):
        issues = [h for h in info['links'] if urlsplit(h).netloc == 'github.com' and '/issues/new' in urlsplit(h).path]
        if not issues: bad.append('no "open an issue" link')
        for h in issues:
            u = urlsplit(h)
            t = parse_qs(u.query).get('title', [''])[0]
            if u.scheme != 'https' or u.path != f'/{owner}/{repo}/issues/new' or not letters(t).startswith(letters(info['title'])) or not letters(t):
                bad.append(f'malformed issue link: {h} (want https://github.com/{owner}/{repo}/issues/new?title= and the page\'s title, {info["title"]!r})')
    for h in sorted(set(info['sources'])):
        m = re.fullmatch(rf'https://github\.com/{re.escape(owner)}/{re.escape(repo)}/blob/{re.escape(branch)}/([^#]+)(?:#L(\d+))?', h)
        f = root/unquote(m.group(1)) if m else None
        if not m or not f.is_file() or (m.group(2) and int(m.group(2)) > len(f.read_text(encoding='utf-8').splitlines())):
            bad.append(f'source link not into {cfg["git_url"]}/blob/{branch}/ (an existing file and line): {h}')
    return bad


NOTHING = {'images': [], 'links': [], 'sources': [], 'text': '', 'title': '', 'before': {'text': '', 'pres': []}, 'dead': [],
           'cut': [], 'sliders': [], 'all': '', 'printed': 0, 'code': []}


def visit(names: list, base: str, chromium: str) -> dict:
    """Load each page of `names` from `base` in one headless Chromium (one per thread: Playwright's sync API is per thread);
    name -> (what went wrong while loading it, what JS_PAGE found, what JS_PRINT found)."""
    from playwright.sync_api import sync_playwright
    res = {}
    with sync_playwright() as pw:
        # every host but 127.0.0.1 resolves to nothing: a request to one is reported, and never leaves the machine
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'])
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        for name in names:
            bad = []
            page = ctx.new_page()
            page.on('request', lambda r, bad=bad: r.url.startswith((base, 'data:', 'blob:', 'about:'))
                    or bad.append(f'request to another host: {r.url}'))
            page.on('console', lambda m, bad=bad: m.type == 'error' and bad.append(f'console error: {m.text} ({m.location.get("url")})'))
            page.on('pageerror', lambda e, bad=bad: bad.append(f'uncaught exception: {e}'))
            page.on('response', lambda r, bad=bad: r.status >= 400 and bad.append(f'HTTP {r.status}: {r.url}'))
            page.on('requestfailed', lambda r, bad=bad: r.url.startswith(base) and bad.append(f'failed: {r.url} ({r.failure})'))
            printed, info = {'cut': [], 'plots': 0, 'pictures': 0, 'plays': 0}, NOTHING
            try:
                page.goto(base + name, wait_until='load')
                page.emulate_media(media='print')
                printed = page.evaluate(JS_PRINT)
                page.emulate_media(media='screen')
                info = page.evaluate(JS_PAGE)
                bad += [f'dead slider: {s}' for s in drive_sliders(page, info['sliders'])]
            except Exception as e: bad.append(f'could not load: {e}')
            page.close()
            res[name] = (bad, info, printed)
        browser.close()
    return res


def check(args) -> int:
    "Load every page in headless Chromium; print its problems and 'N passed, N failed'; return the number failed."
    d = Path(args.dir).resolve()
    pages = sorted(p.relative_to(d).as_posix() for p in d.rglob('*.html') if not p.relative_to(d).parts[0].startswith(('_', '.')))
    if not pages: sys.exit(f'error: no pages in {d}: run `python .ci/website.py build` first.')
    try: import playwright.sync_api  # noqa: F401
    except ImportError: sys.exit(f'error: no Playwright in {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    if not Path(args.chromium).exists(): sys.exit(f'error: no browser at {args.chromium}: apt-get install chromium, or pass --chromium.')
    nbs_dir = Path(args.nbs)
    hidden = hidden_sources(nbs_dir, Path(args.proc)) if nbs_dir.is_dir() else {}
    sources = page_sources(nbs_dir, Path(args.proc)) if nbs_dir.is_dir() else {}
    chapters = set(chapter_notebooks(nbs_dir)) if nbs_dir.is_dir() else set()
    cfg = settings(Path(args.settings))
    srv = server(d)
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    passed = failed = 0
    jobs = max(1, min(args.jobs, len(pages)))
    try:                # the pages dealt to `jobs` browsers; their problems are reported below, in page order
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(jobs) as ex:
            seen = {k: v for r in ex.map(lambda ns: visit(ns, base, args.chromium), [pages[i::jobs] for i in range(jobs)]) for k, v in r.items()}
    finally: srv.shutdown()
    for name in pages:
        bad, info, printed = seen[name]
        bad = list(bad)
        bad += [f'broken image: {i["src"]}' for i in info['images'] if not i['w']]
        for href in sorted(set(info['links'])):
            if not href.startswith(base): continue
            url, frag = urldefrag(href)
            f = d/unquote(urlsplit(url).path[len(urlsplit(base).path):])
            if f.is_dir(): f = f/'index.html'
            if not f.is_file(): bad.append(f'dead link: {href}')
            elif frag and f.suffix == '.html' and unquote(frag) not in ids_of(f): bad.append(f'dead anchor: {href}')
            elif f.suffix == '.ipynb' and (why := notebook_problem(f)): bad.append(f'broken notebook: {href} ({why})')
        bad += [f'directive text: {l.strip()!r}' for l in info['text'].splitlines() if DIRECTIVE.match(l)]
        # a memory address (a lambda's or an object's repr in a signature or an output) differs on every build
        bad += [f'memory address: {m.group(0)!r}' for m in re.finditer(r'<function <lambda> at 0x[0-9a-f]+>|<[^<>\n]* at 0x[0-9a-f]{6,}>', info['text'])][:3]
        code = info['code']
        bad += [f'hidden cell shows: {h[:80]!r}' for h in hidden.get(name, [])
                if any(h == c or (len(h) >= 40 and h in c) for c in code)]
        bad += [f'duplicate id: {i}' for i in duplicate_ids(d/name)[:5]]
        bad += [f'code cut off on screen: {c!r}' for c in info['cut'][:3]]
        bad += [f'code cut off in print: {c!r}' for c in printed['cut'][:3]]
        if printed['plots']: bad.append(f'{printed["plots"]} figure(s) to play with still shown in print (.mnist37-play)')
        if printed['pictures'] < printed['plays']: bad.append(f'{printed["plays"]} figure(s) to play with but {printed["pictures"]} printed picture(s) (img.mnist37-print)')
        if info['printed']: bad.append(f'{info["printed"]} printed picture(s) (img.mnist37-print) shown on screen')
        if name == 'index.html' and re.search(r'\.ci/run\b', info['text']):   # CI's script, not .ci/run_nbs.py
            bad.append("the home page is the developers' README (it shows `.ci/run`): readers start here")
        src = sources.get(name)
        if src is not None:
            b = info['before']
            for kind, t in folded(src):
                if t not in info['all'] and not (kind == 'code' and any(t in c for c in code)): continue   # not on the page (nbdev dropped it)
                if (t in b['text']) if kind != 'code' else any(t == c or (len(t) >= 40 and t in c) for c in b['pres']):
                    bad.append(f'folded {kind} visible before a click: {t[:80]!r}')
        bad += [f'a fold does not open on click: {s!r}' for s in info['dead']]
        bad += url_problems(info, name, cfg, src, src in chapters, d)
        if bad:
            failed += 1
            print(f'FAIL {name}'); [print(f'  {b}') for b in dict.fromkeys(bad)]
        else: passed += 1
    print(f'{passed} passed, {failed} failed')
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build', help='build the site into _site/html')
    b.add_argument('--nbdev-python', default=os.environ.get('MNIST37_NBDEV_PYTHON', sys.executable),
                   help="a Python with the project's dev stack (nbdev 2, fastai, torch), for nbdev's processing")
    b.add_argument('--cache', default=os.environ.get('MNIST37_SITE_CACHE', str(Path.home()/'.cache'/'mnist37-site')),
                   help='where MathJax is kept between builds')
    b.add_argument('--baseurl', default='', help='the address the site is published at (e.g. https://mnist37.github.io/mnist37/)')
    b.add_argument('--workers', type=int, default=0, help="nbdev's processes for the processing (default 0: one, in order)")
    b.add_argument('--force', action='store_true', help="process every notebook again (else nbdev reuses _proc/ where no notebook changed)")
    b.add_argument('--allow-warnings', action='store_true', help="keep a site whose build warned (a preview while a page has a problem)")
    s = sub.add_parser('serve', help='serve the built site on 127.0.0.1')
    s.add_argument('--port', type=int, default=8000); s.add_argument('--dir', default=str(out/'html'))
    c = sub.add_parser('check', help='check every page in headless Chromium')
    c.add_argument('dir', nargs='?', default=str(out/'html'))
    c.add_argument('--nbs', default=str(nbs), help='the notebooks whose hidden cells must not show')
    c.add_argument('--proc', default=str(root/'_proc'), help="nbdev's processed notebooks (what the build left in _proc/)")
    c.add_argument('--chromium', default=os.environ.get('CHROMIUM', '/usr/bin/chromium'))
    c.add_argument('--jobs', type=int, default=2, help='browsers at a time (default 2)')
    c.add_argument('--settings', default=str(root/'settings.ini'), help='the repository (git_url, branch) the launch, issue and source links must name')
    sub.add_parser('lint', help="the notebook checks that build starts with (title cells, tables)")
    p = sub.add_parser('_proc'); p.add_argument('--workers', type=int, default=0); p.add_argument('--force', action='store_true')
    args = ap.parse_args(argv)
    if args.cmd == 'build': build(args)
    elif args.cmd == 'serve': serve(args)
    elif args.cmd == 'check': sys.exit(1 if check(args) else 0)
    elif args.cmd == 'lint':
        errors = lint(notebooks())
        print('\n'.join(errors) or 'every title cell and table is ready for nbdev'); sys.exit(1 if errors else 0)
    elif args.cmd == '_proc': proc_main(args.workers, args.force)


if __name__ == '__main__': main()
