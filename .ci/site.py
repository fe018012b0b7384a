"""The course as a website, built offline from the notebooks and their stored outputs, and checked in a browser.

python .ci/site.py build [--nbdev-python PY]   # nbs/*.ipynb -> _site/html (nbdev's processing, then Jupyter Book 1)
python .ci/site.py serve [--port 8000]         # preview _site/html on http://127.0.0.1:8000
python .ci/site.py check [DIR]                 # every page of DIR (default _site/html) in headless Chromium
python .ci/site.py lint                        # only the notebook checks that `build` starts with

Why this builder: nbdev's own site needs Quarto, which cannot be installed offline. nbdev's processing
(`nbdev.processors.FilterDefaults`, what `nbdev_docs` runs before Quarto) is pure Python: it drops hidden
cells and directive lines, adds the `show_doc` API blocks and links backticked names. Its output is
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
import argparse, ast, functools, hashlib, html, http.server, importlib.util, json, os, re, shutil, subprocess, sys, tarfile, threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

root = Path(__file__).resolve().parent.parent
nbs = root/'nbs'
out = root/'_site'
MATHJAX = 'mathjax@3.2.2'
DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*?)\s*$')
# Directives whose cells nbdev's processing removes from the page (their source, or the whole cell).
HIDE_DIRS = {'hide', 'export', 'exporti', 'default_exp', 'export_hide'}


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
def mixed_import_cells(path: Path) -> list:
    """Cells that nbdev's processing would run on their own although they hold more than imports.

    nbdev runs, in a fresh kernel, every code cell containing an import statement (and every export cell);
    one that also computes fails there with a NameError, or re-runs its work. Returns (index, hidden, first line)."""
    found = []
    for i, c in enumerate(json.loads(path.read_text(encoding='utf-8'))['cells']):
        src = src_of(c)
        if c['cell_type'] != 'code' or 'nbdev_export()' in src: continue
        d = directives(src)
        if d.get('eval', '').lower() == 'false' or d.keys() & {'export', 'exports', 'exporti'}: continue
        try: tree = ast.parse(strip_directives(re.sub(r'^\s*[%!].*$', '', src, flags=re.M)))
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): continue
        found.append((i, bool(d.keys() & HIDE_DIRS), strip_directives(src).splitlines()[0]))
    return found


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


def lint(paths) -> tuple:
    """(errors, warnings): title cells nbdev cannot read, visible cells that mix imports with other code, and
    hidden ones (processing re-runs them)."""
    res = ([f'{p.relative_to(root)}: {t}' for p in paths if (t := title_problem(p))], [])
    res[0].extend(f'{p.relative_to(root)}: cell {i}: a table row has `|` inside a code span (it splits the cell, on GitHub too): {line[:80]!r}'
                  for p in paths for i, line in split_table_rows(p))
    for p in paths:
        for i, hidden, line in mixed_import_cells(p):
            res[hidden].append(f'{p.relative_to(root)}: cell {i}{" (hidden)" if hidden else ""} mixes imports with other code: {line[:100]!r}')
    return res


# ---------------------------------------------------------------- nbdev's processing (runs in the nbdev Python)
def proc_main(dest: Path, paths):
    "Run nbdev's doc processors on each notebook (one process, in order), writing the results to `dest`."
    os.environ['IN_TEST'] = '1'               # as nbdev.serve_drv does: the notebooks' own "only when not testing" guards
    os.chdir(root)
    try: from execnb.nbio import read_nb, write_nb       # nbdev 2
    except ImportError: from fastcore.nbio import read_nb, write_nb   # nbdev 3
    from nbdev.processors import FilterDefaults
    failed = []
    for p in paths:
        nb = read_nb(p)
        try: FilterDefaults()(nb)
        except Exception as e:
            failed.append(f'{p.relative_to(root)}: {e}\n{e.__cause__!r}'); continue
        write_nb(nb, dest/p.name)
    if failed: sys.exit('error: nbdev could not process:\n' + '\n'.join(failed))


def key_of(p: Path, nbdev_python: str) -> str:
    "What decides a notebook's processed form: itself, the package, the settings and the nbdev that processes it."
    h = hashlib.sha256(nbdev_python.encode())
    for f in [p, root/'settings.ini', *sorted((root/'mnist37').glob('*.py'))]: h.update(f.read_bytes())
    return h.hexdigest()


def process(paths, proc: Path, nbdev_python: str):
    "Processed notebooks in `proc`, re-processing only those whose inputs changed."
    proc.mkdir(parents=True, exist_ok=True)
    keys = {p: key_of(p, nbdev_python) for p in paths}
    def fresh(p): return (proc/p.name).exists() and (proc/f'{p.stem}.key').exists() and (proc/f'{p.stem}.key').read_text() == keys[p]
    todo = [p for p in paths if not fresh(p)]
    for p in todo: (proc/p.name).unlink(missing_ok=True); (proc/f'{p.stem}.key').unlink(missing_ok=True)
    if not todo: return
    print(f'nbdev processing {len(todo)} notebook(s) with {nbdev_python}', flush=True)
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(root), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
           'MPLBACKEND': 'Agg'}
    r = subprocess.run([nbdev_python, __file__, '_proc', str(proc), *map(str, todo)], env=env, cwd=root)
    for p in todo:
        if (proc/p.name).exists(): (proc/f'{p.stem}.key').write_text(keys[p])
    if r.returncode: sys.exit(r.returncode)


# ---------------------------------------------------------------- Quarto-flavoured markdown -> Jupyter Book
def page_names(proc: Path, paths) -> dict:
    """notebook file name -> its page, nbdev's `output-file` (02_sgd.ipynb -> sgd.html, index.ipynb -> index.html).

    Pages carry nbdev's names because those are what nbdev's links and `_modidx.py` point to."""
    names = {}
    for p in paths:
        page = front_matter(json.loads((proc/p.name).read_text(encoding='utf-8'))).get('output-file', p.stem + '.html')
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


def practice_module():
    "`.ci/practice.py`, the generator of the practice notebooks, as a module."
    spec = importlib.util.spec_from_file_location('mnist37_practice', root/'.ci'/'practice.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def practice_page(chapters: list) -> str:
    "The practice page's MyST markdown: what the notebooks are, how to use them, and one download link per (file name, page, title)."
    def label(t): return re.sub(r'([\[\]])', r'\\\1', t)
    links = '\n'.join(f'- [{label(title)}]({page[:-5]}.ipynb): <a href="{PRACTICE}/{html.escape(f)}" download>{html.escape(f)}</a>'
                      for f, page, title in chapters)
    return f"""# Practice notebooks

> Every chapter again without its prose and outputs: you write the results, its exercises check them.

A practice notebook keeps a chapter's headings, its "Stop and think" prompts, its code cells (with no outputs) and its
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
    errors, warnings = lint(paths)
    if warnings: print('warning: nbdev\'s processing re-runs these hidden cells for their imports:\n  ' + '\n  '.join(warnings))
    if errors:
        sys.exit('error: the notebooks are not ready for nbdev\'s processing (it reads the title cell, and runs every cell that '
                 'imports on its own: give imports their own cells):\n  ' + '\n  '.join(errors))
    process(paths, out/'proc', args.nbdev_python)
    book = out/'book'
    shutil.rmtree(book, ignore_errors=True)
    (book/'_static').mkdir(parents=True)
    names = page_names(out/'proc', paths)
    if f'{PRACTICE}.html' in names.values(): sys.exit(f'error: a notebook becomes {PRACTICE}.html, the practice notebooks\' page: rename it.')
    titles = {}
    for p in paths:
        nb = json.loads((out/'proc'/p.name).read_text(encoding='utf-8'))
        titles[p.name] = front_matter(nb).get('title', p.stem)
        (book/names[p.name]).with_suffix('.ipynb').write_text(json.dumps(convert(nb, names), indent=1, ensure_ascii=False), encoding='utf-8')
    prac = practice_module()
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
    prac.write(out/'html'/PRACTICE, [p.stem for p in chapters])
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
    if not (d/'index.html').exists(): sys.exit(f'error: no {d}/index.html: run `python .ci/site.py build` first.')
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


def hidden_sources(path: Path = nbs) -> dict:
    "page name -> whitespace-normalised sources of the cells nbdev hides (hide, export, ...), as they would show."
    res = {}
    for p in notebooks(path):
        cells = json.loads(p.read_text(encoding='utf-8'))['cells']
        hid = []
        for c in cells:
            if c['cell_type'] != 'code': continue
            d = directives(src_of(c))
            if d.keys() & HIDE_DIRS and not d.keys() & {'exports'}:
                body = ' '.join(strip_directives(src_of(c)).split())
                if body: hid.append(body)
        res[re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.stem.lower()) + '.html'] = hid   # nbdev's page name (nbpath2html)
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
    if not pages: sys.exit(f'error: no pages in {d}: run `python .ci/site.py build` first.')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sys.exit(f'error: no Playwright in {sys.executable}: run this with the site venv (pip install -r .ci/site-requirements.txt).')
    if not Path(args.chromium).exists(): sys.exit(f'error: no browser at {args.chromium}: apt-get install chromium, or pass --chromium.')
    hidden = hidden_sources(Path(args.nbs)) if Path(args.nbs).is_dir() else {}
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
    b.add_argument('--allow-warnings', action='store_true', help="keep a site whose build warned (a preview while a page has a problem)")
    s = sub.add_parser('serve', help='serve the built site on 127.0.0.1')
    s.add_argument('--port', type=int, default=8000); s.add_argument('--dir', default=str(out/'html'))
    c = sub.add_parser('check', help='check every page in headless Chromium')
    c.add_argument('dir', nargs='?', default=str(out/'html'))
    c.add_argument('--nbs', default=str(nbs), help='the notebooks whose hidden cells must not show')
    c.add_argument('--chromium', default=os.environ.get('CHROMIUM', '/usr/bin/chromium'))
    sub.add_parser('lint', help="list cells that mix imports with other code")
    p = sub.add_parser('_proc'); p.add_argument('dest'); p.add_argument('paths', nargs='+')
    args = ap.parse_args(argv)
    if args.cmd == 'build': build(args)
    elif args.cmd == 'serve': serve(args)
    elif args.cmd == 'check': sys.exit(1 if check(args) else 0)
    elif args.cmd == 'lint':
        errors, warnings = lint(notebooks())
        print('\n'.join(errors + warnings) or 'no cell mixes imports with other code'); sys.exit(1 if errors else 0)
    elif args.cmd == '_proc': proc_main(Path(args.dest), [Path(x) for x in args.paths])


if __name__ == '__main__': main()
