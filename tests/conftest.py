"Shared pytest fixtures: tiny fake data sets and the real MNIST_SAMPLE (seeded by .ci/run)."
import io, os, tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def make_tgz(path, members):
    "Write a .tgz at `path` from (name, bytes | ('sym'|'lnk', target) | None for a folder) pairs."
    with tarfile.open(path, 'w:gz') as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            if data is None:
                ti.type = tarfile.DIRTYPE
                tf.addfile(ti)
            elif isinstance(data, tuple):
                ti.type = tarfile.SYMTYPE if data[0] == 'sym' else tarfile.LNKTYPE
                ti.linkname = data[1]
                tf.addfile(ti)
            else:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
    return path


@pytest.fixture
def fake_sample(tmp_path):
    "A tiny MNIST_SAMPLE-shaped folder: 3 images per class, image i filled with the value 10*i."
    root = tmp_path/'mnist_sample'
    for s in ('train', 'valid'):
        for c in ('3', '7'):
            (root/s/c).mkdir(parents=True)
            for i in range(3):
                Image.fromarray(np.full((28, 28), 10*i, np.uint8), 'L').save(root/s/c/f'{i}.png')
    return root


@pytest.fixture(scope='session')
def mnist():
    "The real MNIST_SAMPLE tensors, found through fastai exactly as users find them."
    from mnist37.data import load_mnist_sample
    return load_mnist_sample()


@pytest.fixture
def fastai_home(tmp_path, monkeypatch):
    "An empty `$FASTAI_HOME` for one test (fastai caches its config per process, so the cache is cleared around it)."
    from fastai.data.external import fastai_cfg
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    fastai_cfg.cache_clear()
    yield tmp_path/'home'
    monkeypatch.undo()
    fastai_cfg.cache_clear()
