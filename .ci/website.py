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

Reading order is file-name order; `index.ipynb` is the home page; notebooks whose names start with 9 are
the appendix. Between them, the page `practice.html` links the chapters' practice notebooks (`.ci/practice.py`),
which the build writes into `practice/`.
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


def md(text: str, names: dict) -> str:
    "nbdev's Quarto markdown as MyST reads it: site-root links made relative, Pandoc attributes as HTML."
    def link(m):
        label, url, attrs = m.group(1), m.group(2), m.group(3)
        if url.startswith('/'): url = url[1:]         # a site-root link from nbdev's doclinks: /sgd.html#linear1
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
    return ''.join(re.sub(LINK, (lambda m: m.group(1).strip('`')) if i % 2 else link, t) for i, t in enumerate(parts))


def show_doc_md(text: str, names: dict) -> str:
    "A `show_doc` block: its opening rule as HTML (MyST would read it as front matter) and nbdev's anchor on its heading."
    text = re.sub(r'\A\s*---\s*\n', '<hr class="nbdev-rule">\n\n', text)
    def heading(m):
        name = m.group(2).strip()
        return f'<a id="{html.escape(name.lower())}" class="nbdev-anchor"></a>\n\n{m.group(1)} {name}'
    text = re.sub(r'^(#{2,6}) ([^\n]+)$', heading, text, count=1, flags=re.M)
    return md(text, names)


TAGS = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('include', 'false'): 'remove-cell'}


def convert(nb: dict, names: dict) -> dict:
    "One processed notebook as Jupyter Book reads it."
    cells = []
    fm = front_matter(nb)
    if fm:
        nb['cells'] = nb['cells'][1:]
        head = f"# {fm.get('title', '')}"
        if fm.get('description'): head += f"\n\n> {fm['description']}"
        cells.append({'cell_type': 'markdown', 'id': 'title', 'metadata': {}, 'source': md(head, names)})
    for c in nb['cells']:
        src = src_of(c)
        if c['cell_type'] == 'markdown':
            if src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            cells.append({'cell_type': 'markdown', 'id': c.get('id'), 'metadata': {}, 'source': md(src, names)})
        elif c['cell_type'] == 'code':
            d = directives(src)
            body = strip_directives(src)
            outputs = c.get('outputs', [])
            if not body.strip() and not outputs: continue
            tags = [t for (k, v), t in TAGS.items() if d.get(k, '').lower() == v]
            if not body.strip(): tags.append('remove-input')
            asis = d.get('output') == 'asis' or 'show_doc' in body
            for o in outputs:
                data = o.get('data', {})
                if 'text/markdown' in data:
                    t = ''.join(data['text/markdown']) if isinstance(data['text/markdown'], list) else data['text/markdown']
                    data['text/markdown'] = show_doc_md(t, names) if asis else md(t, names)
            cells.append({'cell_type': 'code', 'id': c.get('id'), 'metadata': {'tags': sorted(set(tags))} if tags else {},
                          'source': body, 'outputs': outputs, 'execution_count': c.get('execution_count')})
        # raw cells (Quarto front matter or output formats) have no place on the page
    for i, c in enumerate(cells): c['id'] = c.get('id') or f'cell-{i}'
    return {'cells': cells, 'nbformat': 4, 'nbformat_minor': 5,
            'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
                         'language_info': {'name': 'python', 'pygments_lexer': 'ipython3'}}}


def settings() -> dict:
    import configparser
    cp = configparser.ConfigParser(delimiters=['='], interpolation=None)
    cp.read(root/'settings.ini', encoding='utf-8')
    return dict(cp['DEFAULT'])


def book_config(cfg: dict, baseurl: str = '') -> str:
    "Jupyter Book's _config.yml: nothing executed, nothing fetched from another host, no Thebe."
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
            # page), sphinx_togglebutton and intersphinx (which downloads inventories)
            'extensions': ['sphinx_copybutton', 'myst_nb', 'jupyter_book', 'sphinx_comments', 'sphinx_external_toc', 'sphinx_design',
                           'sphinx_book_theme'],
            'mathjax_path': 'mathjax/tex-chtml.js',      # relative to _static: served from the site
            'nb_render_markdown_format': 'myst',          # show_doc's parameter tables are GFM tables
            'html_show_sourcelink': False,
            'html_context': {'default_mode': 'light'},    # else the theme logs a console error on a first visit
            'suppress_warnings': ['myst.header', 'myst.domains'],
        }},
    }
    return yaml.safe_dump(conf, sort_keys=False, allow_unicode=True)


def book_toc(paths, names: dict) -> str:
    "The sidebar: the course's chapters, then the practice page, then the appendix."
    import yaml
    main = [names[p.name][:-5] for p in paths if p.stem != 'index' and not p.name.startswith('9')]
    appendix = [names[p.name][:-5] for p in paths if p.name.startswith('9')]
    parts = [{'caption': 'Course', 'chapters': [{'file': s} for s in main]}]
    parts.append({'caption': 'Practice', 'chapters': [{'file': PRACTICE}]})
    if appendix: parts.append({'caption': 'Appendix', 'chapters': [{'file': s} for s in appendix]})
    return yaml.safe_dump({'format': 'jb-book', 'root': 'index', 'parts': parts}, sort_keys=False)


# ---------------------------------------------------------------- practice notebooks
PRACTICE = 'practice'     # the page practice.html, and the folder its notebooks are downloaded from


def practice_page(chapters: list) -> str:
    "The practice page's MyST markdown: what the notebooks are, how to use them, and one download link per (file name, page, title)."
    def label(t): return re.sub(r'([\[\]])', r'\\\1', t)
    links = '\n'.join(f'- [{label(title)}]({page[:-5]}.ipynb): <a href="{PRACTICE}/{html.escape(f)}" download>{html.escape(f)}</a>'
                      for f, page, title in chapters)
    return f"""# Practice notebooks

> Every chapter again without its prose and outputs: you write the results, its exercises check them.

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
.cell_output .output.text_html table, .cell_output table { font-size: 0.85em; }
'''


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
    titles = {}
    for p in paths:
        nb = json.loads((proc/p.name).read_text(encoding='utf-8'))
        titles[p.name] = front_matter(nb).get('title', p.stem)
        (book/names[p.name]).with_suffix('.ipynb').write_text(json.dumps(convert(nb, names), indent=1, ensure_ascii=False), encoding='utf-8')
    import practice as prac
    chapters = list(prac.chapters().values())
    (book/f'{PRACTICE}.md').write_text(practice_page([(p.name, names[p.name], titles[p.name]) for p in chapters]), encoding='utf-8')
    (book/'_config.yml').write_text(book_config(settings(), args.baseurl), encoding='utf-8')
    (book/'_toc.yml').write_text(book_toc(paths, names), encoding='utf-8')
    (book/'_static'/'site.css').write_text(CSS, encoding='utf-8')
    (book/'favicon.svg').write_text(FAVICON, encoding='utf-8')
    jb = Path(sys.executable).parent/'jupyter-book'
    if not jb.exists(): sys.exit(f'error: no jupyter-book next to {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    shutil.rmtree(out/'build', ignore_errors=True); shutil.rmtree(out/'html', ignore_errors=True)   # never check a stale site
    strict = [] if args.allow_warnings else ['--warningiserror']
    r = subprocess.run([str(jb), 'build', str(book), '--path-output', str(out/'build'), '--keep-going', *strict, '-q'])
    if r.returncode: sys.exit(f'error: jupyter-book build failed (exit {r.returncode}); its warnings are above.')
    (out/'build'/'_build'/'html').rename(out/'html')
    # after the build: Jupyter Book would add every .js file under the book's _static to every page
    shutil.copytree(mathjax(Path(args.cache)), out/'html'/'_static'/'mathjax')
    _, failed = prac.write(out/'html'/PRACTICE, [p.stem for p in chapters])
    if failed: sys.exit(f"error: no practice notebook for {', '.join(map(str, failed))}: the errors are above")
    (out/'html'/'.nojekyll').touch()
    print(f'site: {len(paths) + 1} pages and {len(chapters)} practice notebooks in {(out/"html").relative_to(root)}/')


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
        super().__init__(); self.ids = set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == 'id' or (tag == 'a' and k == 'name'): self.ids.add(v)


@functools.lru_cache(None)
def ids_of(f: Path) -> frozenset:
    p = Ids(); p.feed(f.read_text(encoding='utf-8', errors='replace')); return frozenset(p.ids)


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


JS_PAGE = '''async () => {
  await Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
  return {
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, w: i.naturalWidth})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    text: document.body.innerText,
    code: [...document.querySelectorAll('pre')].map(p => p.innerText.split(/\\s+/).join(' ').trim()),
  };
}'''


def check(args) -> int:
    "Load every page in headless Chromium; print its problems and 'N passed, N failed'; return the number failed."
    d = Path(args.dir).resolve()
    pages = sorted(p.relative_to(d).as_posix() for p in d.rglob('*.html') if not p.relative_to(d).parts[0].startswith(('_', '.')))
    if not pages: sys.exit(f'error: no pages in {d}: run `python .ci/website.py build` first.')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sys.exit(f'error: no Playwright in {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    if not Path(args.chromium).exists(): sys.exit(f'error: no browser at {args.chromium}: apt-get install chromium, or pass --chromium.')
    hidden = hidden_sources(Path(args.nbs), Path(args.proc)) if Path(args.nbs).is_dir() else {}
    srv = server(d)
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    passed = failed = 0
    try:
        with sync_playwright() as pw:
            # every host but 127.0.0.1 resolves to nothing: a request to one is reported, and never leaves the machine
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                         args=['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'])
            ctx = browser.new_context()
            for name in pages:
                bad = []
                page = ctx.new_page()
                page.on('request', lambda r, bad=bad: r.url.startswith((base, 'data:', 'blob:', 'about:'))
                        or bad.append(f'request to another host: {r.url}'))
                page.on('console', lambda m, bad=bad: m.type == 'error' and bad.append(f'console error: {m.text} ({m.location.get("url")})'))
                page.on('pageerror', lambda e, bad=bad: bad.append(f'uncaught exception: {e}'))
                page.on('response', lambda r, bad=bad: r.status >= 400 and bad.append(f'HTTP {r.status}: {r.url}'))
                page.on('requestfailed', lambda r, bad=bad: r.url.startswith(base) and bad.append(f'failed: {r.url} ({r.failure})'))
                try:
                    page.goto(base + name, wait_until='load')
                    info = page.evaluate(JS_PAGE)
                except Exception as e:
                    bad.append(f'could not load: {e}'); info = {'images': [], 'links': [], 'text': '', 'code': []}
                page.close()
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
                if bad:
                    failed += 1
                    print(f'FAIL {name}'); [print(f'  {b}') for b in dict.fromkeys(bad)]
                else: passed += 1
            browser.close()
    finally: srv.shutdown()
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
