"""The `mnist37` command in real processes: hostile and broken archives, concurrent installs, pipes,
interrupts and unwritable caches. Every fault is an `error:` line and exit 2, never a traceback.
(Library-level checks of the same functions are in the notebooks: 98_external, 99_cache, 00_data, 95_cli.)"""
import io, json, os, signal, subprocess, sys, tarfile, time
from pathlib import Path

import pytest

from conftest import SCRIPT, mnist37
from mnist37.test_utils import fake_mnist, make_tar

SHARED = Path(os.environ.get('MNIST37_SHARED', Path(__file__).resolve().parents[2]/'shared'))


def files_under(root):
    "Every path below `root`, relative to it, as a sorted list of strings."
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob('*'))


def refused(r, what='Refusing'):
    "A clean refusal: exit 2, one `error:` line that says `what`, no traceback."
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert 'error:' in r.stderr and what in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr, r.stderr
    return True


def path_limit_chain(path):
    "The 2025 tarfile-filter bypass (CVE-2025-4517 class): links through long folder names whose resolved path exceeds PATH_MAX."
    comp, steps, prefix = 'd'*247, 'abcdefghijklmnop', 'demo'
    with tarfile.open(path, 'w:gz') as tar:
        def add(name, kind, link=''):
            ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = link; tar.addfile(ti)
        add(prefix, tarfile.DIRTYPE)
        p = prefix
        for s in steps:
            add(f'{p}/{comp}', tarfile.DIRTYPE)
            add(f'{p}/{s}', tarfile.SYMTYPE, comp)
            p = f'{p}/{comp}'
        linkpath = f"{prefix}/{'/'.join(steps)}/{'l'*254}"
        add(linkpath, tarfile.SYMTYPE, '../'*len(steps))
        add(f'{prefix}/escape', tarfile.SYMTYPE, f"{'/'.join(steps)}/{'l'*254}/../../../../")
        data = b'written outside the destination\n'
        ti = tarfile.TarInfo(f'{prefix}/escape/pwned'); ti.size = len(data); tar.addfile(ti, io.BytesIO(data))
    return path


HOSTILE = {
    'path-limit link chain': lambda p: path_limit_chain(p),
    'plain link chain': lambda p: make_tar(p, [('demo', None), ('demo/x', ('sym', '..')), ('demo/y', ('sym', 'x/..')),
                                               ('demo/z', ('sym', 'y/..')), ('demo/z/pwned', b'x')]),
    'valid/3 -> ../train/3': lambda p: make_tar(p, [('mnist_sample', None), ('mnist_sample/train/3/0.png', b'png'),
                                                    ('mnist_sample/valid/3', ('sym', '../train/3'))]),
    'hard link out': lambda p: make_tar(p, [('demo', None), ('demo/h', ('lnk', '../../outside')), ('demo/h2', b'x')]),
    'absolute member': lambda p: make_tar(p, [('demo', None), ('/tmp/mnist37-pwned', b'x')]),
}


@pytest.mark.parametrize('name', HOSTILE)
def test_hostile_archives_are_refused_and_write_nothing(tmp_path, name):
    sandbox = tmp_path/'sandbox'; (sandbox/'dest').mkdir(parents=True)
    archive = HOSTILE[name](tmp_path/'evil.tgz')
    r = mnist37('install-data', archive, '--dest', sandbox/'dest')
    # the path-limit chain's long names need pax headers, which are refused before its links are even read
    assert refused(r, 'pax extended header' if name == 'path-limit link chain' else 'link' if 'link' in name or '->' in name else 'absolute')
    assert files_under(sandbox) == ['dest'], files_under(sandbox)   # not even the lock file: refused before any write
    assert not Path('/tmp/mnist37-pwned').exists()


def test_path_limit_chain_is_small():
    # the archive is "about 1.5 KB": the attack needs no size, so no size limit can stop it; refusing links does
    import tempfile
    with tempfile.TemporaryDirectory() as d: assert path_limit_chain(Path(d)/'c.tgz').stat().st_size < 4000


@pytest.mark.skipif(not (SHARED/'data'/'mnist_sample.tgz').exists(), reason='needs ../shared/data/mnist_sample.tgz')
@pytest.mark.parametrize('offset', [100, 1_000_000, -40])
def test_one_flipped_bit_in_the_real_archive_is_refused(tmp_path, offset):
    raw = bytearray((SHARED/'data'/'mnist_sample.tgz').read_bytes())
    raw[offset] ^= 0x01
    (tmp_path/'mnist_sample.tgz').write_bytes(raw)
    assert refused(mnist37('install-data', tmp_path/'mnist_sample.tgz', '--dest', tmp_path/'d'))
    assert not (tmp_path/'d'/'mnist_sample').exists()


@pytest.mark.parametrize('content, what', [(b'', 'not a readable tar archive'), (b'hello world', 'not a readable tar archive'),
                                           (b'\x1f\x8b\x08\x00' + bytes(20), 'corrupt or truncated')])
def test_not_a_tar(tmp_path, content, what):
    (tmp_path/'x.tgz').write_bytes(content)
    assert refused(mnist37('install-data', tmp_path/'x.tgz', '--dest', tmp_path/'d'), what)


def test_tar_cut_between_members_is_refused(tmp_path):
    members = [('demo', None)] + [(f'demo/{i}.txt', os.urandom(1000)) for i in range(100)]
    raw = make_tar(tmp_path/'full.tar', members, 'w').read_bytes()
    (tmp_path/'cut.tar').write_bytes(raw[:512 + 40*(512 + 1024)])     # the folder and 40 of the 100 files
    assert refused(mnist37('install-data', tmp_path/'cut.tar', '--dest', tmp_path/'d'), 'truncated')
    assert not (tmp_path/'d'/'demo').exists()


def test_destination_faults(tmp_path):
    demo = make_tar(tmp_path/'demo.tgz', [('demo', None), ('demo/a', b'1')])
    (tmp_path/'afile').write_text('x')
    assert refused(mnist37('install-data', demo, '--dest', tmp_path/'afile'), f"{tmp_path/'afile'} is a file")
    assert refused(mnist37('install-data', demo, '--dest', tmp_path/'afile'/'sub'), "Cannot create the "
                                                                                    f"destination folder {tmp_path/'afile'/'sub'}")
    assert refused(mnist37('install-data', tmp_path/'nope.tgz'), 'No archive at')


def test_install_default_destination_and_already_installed(tmp_path):
    demo = make_tar(tmp_path/'demo.tgz', [('demo', None), ('demo/a', b'1')])
    env = {'FASTAI_HOME': str(tmp_path/'home')}
    r = mnist37('install-data', demo, env=env)
    assert r.returncode == 0 and r.stdout.strip() == str(tmp_path/'home'/'data'/'demo'), r
    r = mnist37('install-data', demo, env=env)
    assert r.returncode == 0 and f"already installed at {tmp_path/'home'/'data'/'demo'} (use --overwrite" in r.stdout
    assert mnist37('install-data', demo, '--overwrite', env=env).returncode == 0


@pytest.mark.parametrize('overwrite', [False, True])
def test_concurrent_installs_keep_one_complete_copy(tmp_path, overwrite):
    members = [('demo', None)] + [(f'demo/{i}.bin', os.urandom(20_000)) for i in range(200)]
    demo = make_tar(tmp_path/'demo.tgz', members)
    args = [SCRIPT, 'install-data', str(demo), '--dest', str(tmp_path/'d')] + (['--overwrite'] if overwrite else [])
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert files_under(tmp_path/'d') == ['.demo.lock', 'demo'] + [f'demo/{i}.bin' for i in sorted(range(200), key=str)]
    assert all((tmp_path/'d'/'demo'/f'{i}.bin').read_bytes() == members[i + 1][1] for i in range(200))


def test_summary_into_a_closed_pipe(tmp_path):
    fake = fake_mnist(tmp_path/'fake')
    p = subprocess.Popen([SCRIPT, 'summary', '--path', str(fake)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()                       # like `mnist37 summary | head -0`: the reader is gone before we write
    err = p.stderr.read().decode(); p.wait(timeout=120)
    assert p.returncode == 0 and 'Traceback' not in err and 'BrokenPipe' not in err, (p.returncode, err)
    r = subprocess.run(f'"{SCRIPT}" summary --path "{fake}" | head -1', shell=True, capture_output=True, text=True, timeout=120)
    assert r.stdout.startswith('MNIST_SAMPLE at') and r.stderr == '', r


def test_no_cache_and_unwritable_cache(tmp_path):
    fake = fake_mnist(tmp_path/'fake')
    r = mnist37('summary', '--path', fake, '--no-cache')
    assert r.returncode == 0 and files_under(fake) == files_under(fake_mnist(tmp_path/'ref')), r
    (fake/'mnist37-pixels.cache').mkdir()      # a cache that can be neither read nor replaced: warn, and load anyway
    r = mnist37('summary', '--path', fake)
    assert r.returncode == 0 and 'it is not a regular file' in r.stderr and 'train' in r.stdout, r


def test_a_truncated_cache_is_rebuilt_by_the_next_process(tmp_path):
    fake = fake_mnist(tmp_path/'fake')
    assert mnist37('summary', '--path', fake).returncode == 0
    cache = fake/'mnist37-pixels.cache'; good = cache.read_bytes()
    cache.write_bytes(good[:100])          # what a kill during an in-place write used to leave
    r = mnist37('summary', '--path', fake)
    assert r.returncode == 0 and 'unreadable pixel cache' in r.stderr and cache.read_bytes() == good, r


def test_interrupt_is_one_line(tmp_path):
    if not (Path(os.environ.get('FASTAI_HOME', Path.home()/'.fastai'))/'data'/'mnist_sample').exists(): pytest.skip('needs MNIST_SAMPLE installed')
    p = subprocess.Popen([SCRIPT, 'compare', '--epochs', '200', '--quiet'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130 and 'interrupted' in err and 'Traceback' not in err, (p.returncode, err)


@pytest.mark.parametrize('delay', [0.6, 1.2, 2.0, 3.5])
def test_interrupt_during_start_up_is_one_line(delay):
    """Ctrl-C while the command is still importing torch and fastai, or loading the data: one line, exit 130.

    (In its first tenth of a second or so the process is still Python's own start-up, before any line of mnist37 runs, and Python
    prints its own KeyboardInterrupt: no program can catch that.)"""
    if not (Path(os.environ.get('FASTAI_HOME', Path.home()/'.fastai'))/'data'/'mnist_sample').exists(): pytest.skip('needs MNIST_SAMPLE installed')
    p = subprocess.Popen([SCRIPT, 'compare', '--epochs', '50', '--quiet'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130 and err.strip().splitlines() == ['mnist37 compare: interrupted'], (delay, p.returncode, err)


def test_train_full_mnist_prints_the_table():
    """The one-cycle command of issue 21 on the full MNIST in a real process: the live table's columns, 6 decimals, the time
    as mm:ss, and the rate falling to almost 0. (95_cli runs the same command in-process, and the constant schedule.)"""
    r = mnist37('train', '--dataset', 'full', '--epochs', '3', '--schedule', 'one-cycle', '--quiet')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time'] and [l.split()[0] for l in lines[1:4]] == ['0', '1', '2'], r.stdout
    assert all(len(v.split('.')[1]) == 6 for l in lines[1:4] for v in l.split()[1:4]) and lines[3].split()[4][2] == ':', r.stdout
    assert float(lines[-1].split("last batch's lr ")[1]) < 1e-5, r.stdout   # one-cycle: lr/1e5 at the end
    assert 'one-cycle schedule, peak lr=0.1' in lines[-1], r.stdout
    assert float(lines[3].split()[3]) > 0.9 and 'final validation accuracy' in lines[-1], r.stdout


def test_train_unknown_names_list_the_choices():
    r = mnist37('train', '--opt', 'lbfgs')
    assert r.returncode == 2 and "invalid choice: 'lbfgs'" in r.stderr and 'adam' in r.stderr, r.stderr
    r = mnist37('train', '--dataset', 'cifar')
    assert r.returncode == 2 and "invalid choice: 'cifar'" in r.stderr and "'full'" in r.stderr, r.stderr


def test_concurrent_first_loads_share_the_cache(tmp_path):
    fake = fake_mnist(tmp_path/'fake', n=40)
    procs = [subprocess.Popen([SCRIPT, 'summary', '--path', str(fake)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0]*4, outs
    # no reader saw half a file
    assert all('Traceback' not in err and 'unreadable' not in err for _, err in outs), outs
    # and no temporary file is left
    assert sorted(p.name for p in fake.iterdir()) == ['mnist37-pixels.cache', 'train', 'valid']


BOMBS = {   # each a few KB at most; each used to cost minutes or gigabytes before it was refused
    'pax header (CVE-2024-6232)': lambda p: p.write_bytes(__import__('gzip').compress(
        b'././@PaxHeader'.ljust(100, b'\0') + b'0000644\0'*3 + b'00000200000\0' + b'0'*12 + b' '*8 + b'x' + bytes(355) + b'%' * 65536)),
    # 2 GB of zeros as 40 bzip2 streams one after another (bzip2 readers read on across streams): built in a second
    'zeros after the end marker': lambda p: p.write_bytes(__import__('bz2').compress(
        make_tar(p.with_suffix('.tar'), [('demo', None), ('demo/a', b'1')], 'w').read_bytes())
        + __import__('bz2').compress(bytes(50_000_000)) * 40),
    'declared gigabytes': lambda p: make_tar(p, [('z', None), ('z/zeros', bytes(300_000_000))], 'w:bz2'),
    'names 40 folders deep': lambda p: make_tar(p, [('/'.join(['d']*k), None) for k in range(1, 41)]),
}


@pytest.mark.parametrize('name', BOMBS)
def test_tiny_hostile_archives_are_refused_in_bounded_time_and_memory(tmp_path, name):
    archive = tmp_path/'bomb.tgz'; BOMBS[name](archive)
    assert archive.stat().st_size < 2_000_000
    t = time.monotonic()
    r = subprocess.run(['bash', '-c', f'ulimit -v 3000000; exec "{SCRIPT}" install-data "{archive}" --dest '
                                      f'"{tmp_path/"d"}"'],
                       # 3 GB of address space: torch-free, the CLI needs far less
                       capture_output=True, text=True, timeout=120)
    assert refused(r) and time.monotonic() - t < 60, (name, r.stderr)
    assert not (tmp_path/'d').exists()


def test_train_into_a_closed_pipe_and_a_closed_stdout(tmp_path):
    fake = fake_mnist(tmp_path/'fake', n=40)
    r = subprocess.run(f'"{SCRIPT}" train --path "{fake}" --epochs 3 | head -1', shell=True, capture_output=True, text=True, timeout=300)
    assert r.stderr == '' and r.stdout.strip(), r        # the progress bar's BrokenPipeError ends the run quietly
    r = subprocess.run(f'"{SCRIPT}" train --path "{fake}" --epochs 1 --quiet >&-', shell=True, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and 'Traceback' not in r.stderr and 'Error' not in r.stderr, r


@pytest.mark.parametrize('flag, value', [('--lr', '0'), ('--lr', '-0.0'), ('--lr', 'nan'), ('--lr', 'inf'), ('--bs', '0'),
                                         ('--bs', '99999999999999999999'), ('--epochs', '-1'), ('--seed', '1e3')])
def test_numeric_flags_name_the_flag(flag, value):
    r = mnist37('train', flag, value)
    assert r.returncode == 2 and f'argument {flag}: must be' in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_an_installed_home_is_used_without_writing_and_a_broken_config_is_named(tmp_path):
    if not (SHARED/'data'/'mnist_sample.tgz').exists(): pytest.skip('needs ../shared/data/mnist_sample.tgz')
    home = tmp_path/'home'; env = {'FASTAI_HOME': str(home)}
    assert mnist37('install-data', SHARED/'data'/'mnist_sample.tgz', env=env).returncode == 0
    (home/'data'/'.mnist_sample.lock').unlink()
    before = files_under(home)
    r = mnist37('summary', '--no-cache', env=env)      # untar_data would write a lock file (a read-only home fails)
    assert r.returncode == 0 and 'train' in r.stdout and files_under(home) == before, (r, set(files_under(home)) - set(before))
    for text in ('', '[DEFAULT\ndata = data\n'):
        (home/'config.ini').write_text(text)
        r = mnist37('summary', env=env)
        assert refused(r, str(home/'config.ini')) and 'delete it' in r.stderr, r.stderr


STARTS = """
import json, os, resource, sys
from mnist37 import cli
from mnist37.learner import Callback
class Started(Callback):
    "At the first training batch (after the ScheduleCB set its rate): what the schedule holds, the memory so far; then exit."
    order = 100
    def before_batch(self):
        sched = next(cb for cb in self.learn.cbs if type(cb).__name__ == 'ScheduleCB')
        sizes = {k: len(v) for k, v in vars(sched).items() if hasattr(v, '__len__') and not isinstance(v, str)}
        print(json.dumps({'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'sizes': sizes,
                          'lr': self.learn.opt.param_groups[0]['lr']}), flush=True)
        os._exit(0)
cli._train(cli._parser().parse_args(['train', *sys.argv[1:]]), cbs=[Started()])
"""


def test_a_long_schedule_is_computed_lazily(tmp_path):
    # 10**6 epochs of 80 batches: every batch's rate computed up front, as before, took gigabytes and minutes
    fake = fake_mnist(tmp_path/'fake', n=40)
    def start(epochs):
        r = subprocess.run([sys.executable, '-c', STARTS, '--path', str(fake), '--bs', '1', '--epochs', str(epochs),
                            '--schedule', 'one-cycle', '--quiet'], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and r.stdout.startswith('{'), r
        return json.loads(r.stdout)
    short, long = start(1), start(10**6)
    # the schedule object holds no per-batch list: only its 2 schedules and 2 (group, key, name) entries
    assert long['sizes'] == short['sizes'] and max(long['sizes'].values()) <= 2, long
    assert long['lr'] == short['lr'] == 1.0/25              # one-cycle starts at lr/div
    assert long['maxrss_kb'] - short['maxrss_kb'] < 50_000, (short, long)   # 8e7 floats would be gigabytes


@pytest.mark.parametrize('argv, flag', [(['--pct-start', '0.3'], '--pct-start'), (['--schedule', 'cosine', '--pct-start', '0'], '--pct-start'),
                                        (['--schedule', 'one-cycle', '--warmup', '10'], '--warmup'),
                                        (['--schedule', 'one-cycle', '--warmup', '0'], '--warmup')])
def test_a_schedule_flag_without_its_schedule_is_refused_at_once(tmp_path, argv, flag):
    r = mnist37('train', '--path', tmp_path/'nowhere', *argv)     # refused before the (missing) data is looked at
    assert refused(r, f'argument {flag}: belongs to --schedule') and r.stderr.count('\n') == 1, r.stderr


def test_an_error_without_a_message_says_what_happened():
    code = ("import sys; from mnist37 import cli\n"
            "def boom(args, cbs=()): raise MemoryError()\n"
            "cli._train = boom; sys.exit(cli.main(['train']))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stderr == ('mnist37 train: error: out of memory (MemoryError); try a smaller --bs or '
                                              '--epochs, or free memory for this process\n'), r


def test_workers_flag(tmp_path):
    r = mnist37('train', '--workers', '0')
    assert r.returncode == 2 and 'argument --workers: must be a whole number from 1 to 1,024, got 0' in r.stderr, r.stderr
    pytest.importorskip('mnist37.distributed')
    fake = fake_mnist(tmp_path/'fake', n=40)
    runs = [mnist37('train', '--workers', w, '--path', fake, '--epochs', '2', '--quiet') for w in (1, 2)]
    for r in runs: assert r.returncode == 0 and 'Traceback' not in r.stderr, r
    # two workers, each half of every global batch, print the one-process table (6 decimals), the time column apart
    one, two = ([l.rsplit(None, 1)[0] if l[:1].isdigit() else l for l in r.stdout.splitlines()] for r in runs)
    assert one == two and len(one) == 4, (one, two)
    # missing data is one `error:` line before any worker starts (no torch warning from stopped workers)
    r = mnist37('train', '--workers', '2', '--path', tmp_path/'nowhere', '--epochs', '1')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and r.stderr.startswith('mnist37 train: error: No MNIST_SAMPLE folder'), r.stderr
    assert '--path' in r.stderr and 'pass path=' not in r.stderr, r.stderr


def on_a_terminal(argv, timeout=300) -> str:
    "Run `argv` with its stdout (and stderr) on a pseudo-terminal, as in a terminal window; return what it wrote."
    import pty, select
    main, sub = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=sub, stderr=sub, close_fds=True)
    os.close(sub)
    out, end = b'', time.monotonic() + timeout
    while time.monotonic() < end:
        if select.select([main], [], [], 1)[0]:
            try: b = os.read(main, 65536)
            except OSError: break      # the other side closed (Linux: EIO)
            if not b: break
            out += b
        elif p.poll() is not None: break
    p.wait(timeout=10); os.close(main)
    assert p.returncode == 0, out.decode(errors='replace')
    return out.decode(errors='replace')


BAR = '|----'   # the empty part of a fastprogress console bar


def test_progress_bars_on_a_terminal_only(tmp_path):
    fake = fake_mnist(tmp_path/'fake', n=40)
    out = on_a_terminal([SCRIPT, 'train', '--path', fake, '--epochs', '2'])
    assert BAR in out and 'Epoch 2/2' in out and 'train_loss' in out, out      # the bar, then the live table
    for quiet in ([], ['--quiet']):                                               # into a pipe, or with --quiet: none
        r = mnist37('train', '--path', fake, '--epochs', '2', *quiet)
        assert r.returncode == 0 and BAR not in r.stdout and 'Epoch' not in r.stdout and '\r' not in r.stdout, r.stdout
        assert r.stdout.splitlines()[0].split() == ['epoch', 'train_loss', 'valid_loss', 'batch_accuracy', 'time'], r.stdout
    out = on_a_terminal([SCRIPT, 'train', '--path', fake, '--epochs', '2', '--quiet'])
    assert BAR not in out and 'Epoch' not in out, out
    # a long step of install-data or of the first decode (`Progress`, drawn after its delay): the same rule
    demo = ("import sys\nfrom mnist37.external import Progress, quiet\n"
            "with quiet('--quiet' in sys.argv):\n"
            "    p = Progress(10, 'decoding', delay=0)\n"
            "    for i in range(11): p.update(i)\n"
            "    p.close()\nprint('done')")
    out = on_a_terminal([sys.executable, '-c', demo])
    assert BAR in out or '100.00%' in out, out
    assert 'decoding' in out and out.rstrip().endswith('done'), out
    assert on_a_terminal([sys.executable, '-c', demo, '--quiet']).strip() == 'done'
    r = subprocess.run([sys.executable, '-c', demo], capture_output=True, text=True, timeout=60)
    assert r.stdout == 'done\n', r.stdout


def test_plot_and_help(tmp_path):
    fake = fake_mnist(tmp_path/'fake', n=40)
    r = mnist37('train', '--path', fake, '--epochs', '2', '--schedule', 'step', '--plot', tmp_path/'t.png')
    assert r.returncode == 0 and (tmp_path/'t.png').read_bytes()[:4] == b'\x89PNG', r
    assert sorted(p.name for p in tmp_path.iterdir()) == ['fake', 't.png']      # no temporary file left beside it
    for bad in (tmp_path/'no'/'t.png', tmp_path/'t.txt', tmp_path):
        r = mnist37('train', '--path', fake, '--plot', bad)
        assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith('mnist37 train: error: argument --plot:'), r.stderr
    for cmd in ('train', 'compare', 'summary', 'install-data'):
        h = mnist37(cmd, '--help', env={'COLUMNS': '200'}).stdout
        assert '(default: ' in h or cmd == 'install-data', (cmd, h)
    h = mnist37('compare', '--help', env={'COLUMNS': '200'}).stdout
    assert 'epochs to train, each compared (default: 10)' in h and '(default: 1.0)' in h, h
