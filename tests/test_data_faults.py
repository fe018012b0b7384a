"""Issue 24's data faults, on the command line: each is one `error:` line and exit 2 (or a warning and a rebuilt cache),
never a traceback, and nothing half-written is left behind."""
import gzip, io, json, os, shutil, subprocess, sys, tarfile
from pathlib import Path

import pytest

from conftest import mnist37
from mnist37.cache import CACHE_NAME, _MAGIC
from mnist37.test_utils import fake_mnist, make_tar


def one_error(r, command:str, *parts):
    "Assert `r` failed with exit 2 and exactly one `error:` line holding every one of `parts`."
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith(f'mnist37 {command}: error: ') and r.stderr.count('\n') == 1, r.stderr
    assert 'Traceback' not in r.stderr
    for p in parts: assert p in r.stderr, (p, r.stderr)


@pytest.mark.parametrize('header', [b'[]', b'1', b'"x"', b'null', b'[' * 60_000, b'{"a": ' * 20_000])
def test_cache_header_not_an_object_is_rebuilt(tmp_path, header):
    d = fake_mnist(tmp_path/'d')
    (d/CACHE_NAME).write_bytes(_MAGIC + header + b'\n')
    r = mnist37('summary', '--path', d)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, (r.returncode, r.stderr)
    assert 'Ignoring the unreadable pixel cache' in r.stderr, r.stderr
    assert '(6, 784)' in r.stdout, r.stdout
    with open(d/CACHE_NAME, 'rb') as f:
        assert f.readline() == _MAGIC and isinstance(json.loads(f.readline()), dict)   # rebuilt


def test_shutil_make_archive_installs(tmp_path):
    src = tmp_path/'src'/'demo'; (src/'sub').mkdir(parents=True)
    (src/'sub'/'a.txt').write_text('hello'); os.utime(src/'sub'/'a.txt', (0.5, 1.75))
    made = shutil.make_archive(str(tmp_path/'demo'), 'gztar', tmp_path/'src', 'demo')
    assert b'mtime=1.75' in gzip.decompress(Path(made).read_bytes())   # Python's default: pax time records
    r = mnist37('install-data', made, '--dest', tmp_path/'data')
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'data'/'demo'/'sub'/'a.txt').read_text() == 'hello'


@pytest.mark.parametrize('key', ['path', 'linkpath', 'size', 'GNU.sparse.map', 'uname', 'comment'])
def test_pax_keys_other_than_times_are_refused(tmp_path, key):
    ti = tarfile.TarInfo('demo/a'); ti.size = 1
    ti.pax_headers = {'mtime': '1.5', key: {'path': 'demo/../../x', 'linkpath': '/etc/passwd', 'size': '1'}.get(key, 'x')}
    with tarfile.open(tmp_path/'a.tgz', 'w:gz', format=tarfile.PAX_FORMAT) as tf:
        d = tarfile.TarInfo('demo'); d.type = tarfile.DIRTYPE; tf.addfile(d)
        tf.addfile(ti, io.BytesIO(b"1"))
    r = mnist37('install-data', tmp_path/'a.tgz', '--dest', tmp_path/'data')
    one_error(r, 'install-data', str(tmp_path/'a.tgz'), f'sets {key!r}')
    assert not (tmp_path/'data').exists() or [p.name for p in (tmp_path/'data').iterdir()] in ([], ['.demo.lock'])


CUT = """
import os, sys
import mnist37.external as E
from mnist37.cli import main
real, archive = E._writable_dir, sys.argv[1]
def cut(d):   # the archive is cut short after it was checked, before it is extracted
    os.truncate(archive, os.path.getsize(archive)//2); return real(d)
E._writable_dir = cut
sys.exit(main(['install-data', archive, '--dest', sys.argv[2]]))
"""

def test_archive_cut_during_install(tmp_path):
    # a cut inside a member's data (gzip's EOFError while extracting) and one between headers
    a = make_tar(tmp_path/'cut.tgz', [('cut', None), ('cut/big', os.urandom(200_000)), ('cut/small', b'1')])
    r = subprocess.run([sys.executable, '-c', CUT, str(a), str(tmp_path/'data')], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)   # not the source folder: the package PYTHONPATH names
    one_error(r, 'install-data', repr(str(a)), 'truncated')
    assert [p.name for p in (tmp_path/'data').iterdir()] == ['.cut.lock']    # no half-extracted folder


@pytest.mark.parametrize('empty', ['', ' '])
def test_empty_fastai_home_is_refused(tmp_path, empty):
    a = make_tar(tmp_path/'demo.tgz', [('demo', None), ('demo/a', b'1')])
    run = tmp_path/'cwd'; run.mkdir()
    one_error(mnist37('install-data', a, env={'FASTAI_HOME': empty}, cwd=run), 'install-data',
              f'FASTAI_HOME is set but empty ({empty!r})', 'unset FASTAI_HOME')
    one_error(mnist37('summary', env={'FASTAI_HOME': empty}, cwd=run), 'summary', 'FASTAI_HOME is set but empty')
    assert list(run.iterdir()) == []    # nothing written where the command ran


@pytest.mark.parametrize('how', ['.', 'train/..', 'name'])
def test_known_folder_checked_however_named(tmp_path, how):
    d = fake_mnist(tmp_path/'mnist_sample', n=2)
    arg, cwd = {'.': ('.', d), 'train/..': ('train/..', d), 'name': (str(d), tmp_path)}[how]
    one_error(mnist37('summary', '--path', arg, cwd=cwd), 'summary', 'is not a complete mnist_sample',
              'train/3 holds 2 files, not 6131')
