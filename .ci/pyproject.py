"""pyproject.toml is generated from settings.ini, the project's single source of configuration.

settings.ini is what nbdev 2 (the card's `nbdev_export`, `nbdev_test`) reads; nbdev 3 (`nbdev-export`,
`nbdev-test`, what `pip install nbdev` gives today) reads `[project]` and `[tool.nbdev]` of
pyproject.toml and refuses a settings.ini it finds without them. Packaging (pip, setuptools) reads
`[project]`. This script writes all of it from settings.ini, the way nbdev 3's own
`nbdev-migrate-config` maps the keys, so the two nbdev lines export the same package.

python .ci/pyproject.py          # rewrite pyproject.toml from settings.ini
python .ci/pyproject.py --check  # exit 1 if pyproject.toml is out of date
"""
import configparser, json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
LICENSES = {'apache2': 'Apache-2.0', 'mit': 'MIT', 'gpl3': 'GPL-3.0-only', 'bsd3': 'BSD-3-Clause'}
STATUSES = {'1': 'Planning', '2': 'Pre-Alpha', '3': 'Alpha', '4': 'Beta', '5': 'Production/Stable', '6': 'Mature', '7': 'Inactive'}
# settings.ini keys that nbdev itself reads (the rest is package metadata, which goes to [project])
NBDEV_KEYS = ('nbs_path', 'doc_path', 'lib_path', 'recursive', 'tst_flags', 'readme_nb', 'branch', 'title',
              'put_version_in_init', 'clean_ids', 'clear_all', 'cell_number', 'jupyter_hooks', 'custom_sidebar',
              'black_formatting', 'allowed_metadata_keys', 'allowed_cell_metadata_keys', 'skip_procs')
PYTEST = '''[tool.pytest.ini_options]
testpaths = ["tests"]
filterwarnings = [
    # torch 2.14 warns when fastai imports torch.jit.script; not ours to fix.
    "ignore:`torch.jit.script` is deprecated:FutureWarning",
    # fastai 2.8 sets a pandas option that pandas 3 deprecates; also not ours.
    "ignore:The 'mode.chained_assignment' option is deprecated",
]
'''


def q(v) -> str: return json.dumps(v, ensure_ascii=False)   # a TOML basic string or array of them
def val(v: str) -> str: return v.lower() if v.lower() in ('true', 'false') else q(v)
LISTS = ('allowed_metadata_keys', 'allowed_cell_metadata_keys')   # nbdev 3 reads these as TOML arrays (a string would be read letter by letter)


def render() -> str:
    "pyproject.toml as settings.ini says it."
    cp = configparser.ConfigParser(delimiters=['='], interpolation=None)
    cp.read(root/'settings.ini', encoding='utf-8')
    d = cp['DEFAULT']
    lib, status = d['lib_path'], d['status']
    classifiers = [f"Natural Language :: {d['language']}", f"Intended Audience :: {d['audience']}",
                   f"Development Status :: {status} - {STATUSES[status]}",
                   'Programming Language :: Python :: 3', 'Programming Language :: Python :: 3 :: Only']
    scripts = [s.split('=') for s in d.get('console_scripts', '').split()]
    lines = [
        '# Generated from settings.ini by .ci/pyproject.py: edit settings.ini, then run `python .ci/pyproject.py`.',
        '[build-system]', 'requires = ["setuptools>=77"]', 'build-backend = "setuptools.build_meta"', '',
        # name and requires-python as TOML literal strings: nbdev_export (2) and nbdev-export (3) each rewrite
        # a double-quoted one in their own spacing (nbdev.config.update_proj), and would undo each other
        '[project]', f"name = '{d['lib_name']}'", 'dynamic = ["version"]', f"description = {q(d['description'])}",
        'readme = "README.md"', f"requires-python = '>={d['min_python']}'",
        f"license = {q(LICENSES.get(d['license'], d['license']))}",
        f"authors = [{{name = {q(d['author'])}, email = {q(d['author_email'])}}}]",
        f"keywords = {q(d['keywords'].split())}", f"classifiers = {q(classifiers)}",
        f"dependencies = {q(d['requirements'].split())}", '',
        '[project.optional-dependencies]', f"nbs = {q(d['nbs_requirements'].split())}",
        f"test = {q(d['test_requirements'].split())}",
        f"dev = {q(d['dev_requirements'].split() + d['nbs_requirements'].split())}", '',
        '[project.scripts]', *[f"{k.strip()} = {q(v.strip())}" for k, v in scripts], '',
        '[project.urls]', f"Repository = {q(d['git_url'])}",
        *([f"Documentation = {q(d['doc_host'].rstrip('/') + d['doc_baseurl'])}"] if d.get('doc_host') else []), '',
        '[tool.setuptools.package-data]', f'{lib} = ["*.dat"]', '',
        '[project.entry-points.nbdev]', f'{lib} = {q(lib + "._modidx:d")}', '',
        '[tool.setuptools.dynamic]', f'version = {{attr = {q(lib + ".__version__")}}}', '',
        '[tool.setuptools.packages.find]', f'include = [{q(lib)}]', '',
        '[tool.nbdev]', *[f'{k} = {q(d[k].split()) if k in LISTS else val(d[k])}' for k in NBDEV_KEYS if k in d], '',
    ]
    return '\n'.join(lines) + '\n' + PYTEST


if __name__ == '__main__':
    f = root/'pyproject.toml'
    if '--check' in sys.argv:
        if f.read_text(encoding='utf-8') != render():
            sys.exit('pyproject.toml differs from settings.ini: run `python .ci/pyproject.py` and commit.')
    else: f.write_text(render(), encoding='utf-8')
