"Shared pytest fixtures. The builders themselves live in `mnist37.test_utils`, which the notebooks use too."
import os, signal, subprocess, sys
from pathlib import Path

import pytest

# A shell starts a background job (`cmd &`, nohup) with SIGINT ignored, and a child inherits that: the Ctrl-C tests'
# processes would then ignore their SIGINT. The tests send it on purpose, so they start their processes with Python's own.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN: signal.signal(signal.SIGINT, signal.default_int_handler)

SCRIPT = str(Path(sys.executable).parent/'mnist37')   # the installed console script


def mnist37(*args, env=None, **kw) -> subprocess.CompletedProcess:
    "Run the `mnist37` console script in a fresh process; return its exit code and output."
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})}, **kw)


@pytest.fixture(scope='session')
def mnist():
    "The real MNIST_SAMPLE tensors, found through fastai exactly as users find them (.ci/run installs them)."
    from mnist37.data import load_mnist_sample
    return load_mnist_sample()
