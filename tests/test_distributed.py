"""mnist37.distributed in real processes: a notebook cannot show a worker that fails, a taken port, Ctrl-C.

Each test runs a small script (written to tmp_path) in a fresh Python: the script's worker functions are
what `spawn` imports in the workers, and its `main` answers as the CLI does (`error:` line and exit 2,
`interrupted` and exit 130). Every run has a timeout, so a hang fails the test instead of stopping CI."""
import os, signal, socket, subprocess, sys, time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = '''
import argparse, os, sys, time
import torch, torch.distributed as dist
from mnist37.distributed import WorkerError, failing_worker, run_workers, train_workers

def train_fn(args, cbs=()):
    "A Learner on made-up data (no download): the two-layer net, global batch args.bs; rank 0 saves the result."
    from mnist37.learner import Learner, Recorder
    from mnist37.sgd import Loaders, batch_accuracy, make_model, mnist_loss
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1000, 784, generator=g)
    y = (x[:, :392].sum(1, keepdim=True) > x[:, 392:].sum(1, keepdim=True)).long()
    dls = Loaders.from_tensors(x[:800], y[:800], x[800:], y[800:], args.bs, seed=args.seed, valid_bs=100)
    learn = Learner(dls, make_model('simple_net', args.seed), mnist_loss, metrics=batch_accuracy, default_cbs=False)
    learn.add_cbs(Recorder())
    learn.fit(args.epochs, args.lr, cbs=cbs)
    if not dist.is_initialized() or dist.get_rank() == 0:
        torch.save({'params': [p.detach() for p in learn.model.parameters()],
                    'table': torch.tensor(learn.recorder.values.drop(columns='time').values)}, args.out)
    print('final accuracy', learn.recorder.values.batch_accuracy.iloc[-1])

def noop(rank, world): dist.all_reduce(torch.ones(1))

def sleeper(rank, world, d):
    open(os.path.join(d, f'pid{rank}'), 'w').write(str(os.getpid()))
    time.sleep(600)

def main():
    cmd, *rest = sys.argv[1:]
    try:
        if cmd == 'train':
            a = argparse.Namespace(workers=int(rest[0]), out=rest[1], bs=64, lr=0.5, epochs=2, seed=3, quiet=True)
            train_workers(a, train_fn)
        elif cmd == 'fail': run_workers(failing_worker, 2, 1, timeout=60)
        elif cmd == 'noop':
            if rest[1] == 'one-core': os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
            run_workers(noop, 2, port=int(rest[0]))
        elif cmd == 'sleep': run_workers(sleeper, 2, rest[0])
    except RuntimeError as e: print(f"error: {e}", file=sys.stderr); return 2
    except KeyboardInterrupt: print("interrupted", file=sys.stderr); return 130
    return 0

if __name__ == '__main__': sys.exit(main())
'''


@pytest.fixture
def script(tmp_path):
    p = tmp_path/'dist_script.py'
    p.write_text(SCRIPT)
    return p


def env():
    return {**os.environ, 'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'}


def run(script, *args, timeout=240):
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env())


def test_two_workers_equal_one_process(script, tmp_path):
    """The Learner on 2 workers (global batch 64, each worker 32) ends where one process with batch 64 does; the same
    comparison fails on a different run (another seed's parameters are far from seed 3's)."""
    one, two = run(script, 'train', 1, tmp_path/'one.pt'), run(script, 'train', 2, tmp_path/'two.pt')
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert two.stdout.count('final accuracy') == 1, two.stdout   # rank 1 prints nothing
    a, b = torch.load(tmp_path/'one.pt'), torch.load(tmp_path/'two.pt')
    diff = lambda ps, qs: max((p - q).abs().max().item() for p, q in zip(ps, qs, strict=True))
    assert diff(a['params'], b['params']) < 1e-5, diff(a['params'], b['params'])   # float32 rounding: the shard sums are added in another order
    assert torch.allclose(a['table'], b['table'], atol=1e-5), (a['table'], b['table'])
    from mnist37.sgd import make_model
    assert diff(a['params'], [p.detach() for p in make_model('simple_net', 4).parameters()]) > 1e-3


def test_failing_worker_stops_the_others(script):
    "Worker 1 raises while worker 0 waits in an all-reduce: both end, one error line names worker 1 and its error."
    t = time.monotonic()
    r = run(script, 'fail', timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert lines[-1] == ("error: worker 1 of 2 failed: ValueError: worker 1 was told to fail; "
                         "the other workers were stopped"), r.stderr
    assert time.monotonic() - t < 120


@pytest.mark.skipif(not hasattr(os, 'sched_setaffinity'), reason='needs sched_setaffinity (Linux)')
def test_more_workers_than_cores_warns(script):
    "Two workers on one core: one warning line, and the run still succeeds."
    r = run(script, 'noop', 0, 'one-core')
    assert r.returncode == 0, r.stderr
    warn = [l for l in r.stderr.splitlines() if 'warning' in l]
    assert warn == ['mnist37: warning: 2 workers on 1 CPU cores: they take turns, and the run is slower than with 1'], r.stderr


def test_port_in_use_is_not_fatal(script):
    """A port someone else listens on: one warning line, the store goes to a free port, the run succeeds (and with a
    core per worker, no warning about cores)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); s.listen(); port = s.getsockname()[1]
        r = run(script, 'noop', port, 'all-cores')
    assert r.returncode == 0, r.stderr
    warn = [l for l in r.stderr.splitlines() if 'warning' in l]
    assert f'mnist37: warning: port {port} on 127.0.0.1 is taken' in warn[0], r.stderr
    assert len(warn) == 1 or len(os.sched_getaffinity(0)) < 2, r.stderr


def _alive(pid):
    try: os.kill(pid, 0)
    except ProcessLookupError: return False
    return True


@pytest.mark.parametrize('to_group', [False, True])
def test_ctrl_c_stops_every_worker(script, tmp_path, to_group):
    "SIGINT to the launcher (or, as a terminal does, to its whole process group): exit 130, one line, no worker left."
    p = subprocess.Popen([sys.executable, str(script), 'sleep', str(tmp_path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env(), start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not all((tmp_path/f'pid{r}').exists() for r in (0, 1)):
            assert p.poll() is None and time.monotonic() < deadline, p.communicate()
            time.sleep(0.2)
        pids = [int((tmp_path/f'pid{r}').read_text()) for r in (0, 1)]
        if to_group: os.killpg(p.pid, signal.SIGINT)
        else: p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode == 130, (out, err)
    assert err.strip() == 'interrupted', err
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in pids), pids
