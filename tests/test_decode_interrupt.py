"""Ctrl-C during the parallel decode of the PNGs (issue 24): the workers ignore SIGINT and the parent handles it once,
so the command exits 130 with one line, no worker traceback and no hang; a SIGINT sent to one worker alone is ignored."""
import os, signal, subprocess, time
from pathlib import Path

import pytest

from conftest import SCRIPT
from mnist37.test_utils import digit_png

N = 6000   # images per class folder: 24,000 in all, seconds of decoding in two processes


@pytest.fixture(scope='module')
def big(tmp_path_factory):
    "A folder in MNIST_SAMPLE's shape large enough to be interrupted mid-decode (the same PNG bytes in every file)."
    root = tmp_path_factory.mktemp('big')
    png = root/'one.png'; digit_png(7).save(png); data = png.read_bytes()
    for s in ('train', 'valid'):
        for c in ('3', '7'):
            (root/s/c).mkdir(parents=True)
            for i in range(N): (root/s/c/f'{i}.png').write_bytes(data)
    png.unlink()
    return root


def workers(pid:int) -> list:
    "The decoding workers of `pid`: its children that are forks of it (same command line), not helpers such as ldconfig."
    try:
        me = Path(f'/proc/{pid}/cmdline').read_bytes()
        kids = [int(c) for c in Path(f'/proc/{pid}/task/{pid}/children').read_text().split()]
    except OSError: return []
    out = []
    for k in kids:
        try:
            if Path(f'/proc/{k}/cmdline').read_bytes() == me: out.append(k)
        except OSError: pass
    return out


def start(path:Path) -> tuple:
    "`mnist37 summary` of `path` without the cache, in a session of its own; returns it once its workers are running."
    p = subprocess.Popen([SCRIPT, 'summary', '--path', str(path), '--no-cache'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    for _ in range(6000):   # at most 60 s for the imports and the folder scan
        if len(kids := workers(p.pid)) >= 2 or p.poll() is not None: break
        time.sleep(0.01)
    assert kids, f"no decoding workers were started (exit {p.poll()}): {p.communicate()}"
    return p, kids


@pytest.mark.skipif(not Path('/proc/self/task').exists() or len(os.sched_getaffinity(0)) < 2,
                    reason='reads the process tree from /proc (Linux); the decode is parallel on 2 cores or more')
@pytest.mark.parametrize('delay', [0, 0.2, 0.5])
@pytest.mark.parametrize('target', ['group', 'parent'])
def test_ctrl_c_mid_decode(big, delay, target):
    p, kids = start(big)
    time.sleep(delay)
    # a terminal's Ctrl-C signals the whole foreground group: the parent and every worker
    if target == 'group': os.killpg(p.pid, signal.SIGINT)
    else: p.send_signal(signal.SIGINT)
    try: out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.communicate()
        pytest.fail(f'mnist37 summary hung after SIGINT to the {target} (delay {delay} s)')
    if p.returncode == 0: pytest.skip('the decode ended before the signal arrived')   # a machine far faster than ours
    assert (p.returncode, err) == (130, 'mnist37 summary: interrupted\n'), (p.returncode, err)
    assert 'Traceback' not in out + err
    for _ in range(1000):   # the workers were terminated with the parent, not left behind
        if not any(Path(f'/proc/{k}').exists() and 'Z' not in Path(f'/proc/{k}/stat').read_text().split()[2]
                   for k in kids): break
        time.sleep(0.01)
    else: pytest.fail(f'decoding workers {kids} outlived the interrupted command')


@pytest.mark.skipif(not Path('/proc/self/task').exists() or len(os.sched_getaffinity(0)) < 2,
                    reason='reads the process tree from /proc (Linux); the decode is parallel on 2 cores or more')
def test_sigint_to_one_worker_is_ignored(big):
    p, kids = start(big)
    os.kill(kids[0], signal.SIGINT)
    out, err = p.communicate(timeout=300)
    assert (p.returncode, err) == (0, ''), (p.returncode, err)
    assert f'({2*N}, 784)' in out, out
