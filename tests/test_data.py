"mnist37.data as users import it: offline install, finding, loading, caching and batching MNIST_SAMPLE."
import os, pickle, shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import make_tgz
from mnist37.data import (CACHE_NAME, MnistSample, get_dls, install_archive, load_mnist_sample,
                          mnist_sample_path, read_digit)
import mnist37.data


def same(a, b): return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


# --- install_archive ---------------------------------------------------------------------------
def test_install_archive_round_trip(tmp_path):
    tgz = make_tgz(tmp_path/'demo.tgz', [('demo', None), ('demo/a.txt', b'hi'), ('demo/l', ('sym', 'a.txt'))])
    out = install_archive(tgz, tmp_path/'data')
    assert out == tmp_path/'data'/'demo'
    assert (out/'a.txt').read_bytes() == b'hi'
    assert (out/'l').read_bytes() == b'hi'
    assert [p.name for p in (tmp_path/'data').iterdir()] == ['demo']


def test_install_archive_defaults_to_fastai_data_dir(tmp_path, fastai_home):
    out = install_archive(make_tgz(tmp_path/'d.tgz', [('d/x', b'1')]))
    assert out == tmp_path/'home'/'data'/'d'


@pytest.mark.parametrize('members', [
    [('/tmp/evil', b'x')],
    [('demo', None), ('demo/../../evil', b'x')],
    [('demo', None), ('demo/l', ('sym', '../../outside'))],
    [('demo', None), ('demo/l', ('sym', '/etc/passwd'))],
    [('demo', None), ('demo/h', ('lnk', '/etc/passwd'))],
    [('demo', None), ('demo/h', ('lnk', '../x'))],
], ids=['absolute', 'dotdot', 'symlink-up', 'symlink-abs', 'hardlink-abs', 'hardlink-up'])
def test_install_archive_refuses_unsafe_members(tmp_path, members):
    with pytest.raises(ValueError, match='Unsafe member'):
        install_archive(make_tgz(tmp_path/'bad.tgz', members), tmp_path/'data')
    assert not (tmp_path/'data').exists()


def test_install_archive_failure_leaves_nothing(tmp_path):
    (tmp_path/'data').mkdir()
    tgz = make_tgz(tmp_path/'clash.tgz', [('demo', None), ('demo/a', b'1'), ('demo/a/b', b'2')])
    with pytest.raises(OSError):
        install_archive(tgz, tmp_path/'data')
    assert list((tmp_path/'data').iterdir()) == []


def test_install_archive_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match='No archive at .*nope.tgz'):
        install_archive(tmp_path/'nope.tgz', tmp_path/'data')
    with pytest.raises(ValueError, match='exactly one top folder'):
        install_archive(make_tgz(tmp_path/'two.tgz', [('a/x', b'1'), ('b/y', b'2')]), tmp_path/'data')


def test_install_archive_keeps_or_overwrites(tmp_path):
    tgz = make_tgz(tmp_path/'d.tgz', [('d/x', b'new')])
    out = install_archive(tgz, tmp_path/'data')
    (out/'x').write_bytes(b'edited')
    install_archive(tgz, tmp_path/'data')
    assert (out/'x').read_bytes() == b'edited'
    install_archive(tgz, tmp_path/'data', overwrite=True)
    assert (out/'x').read_bytes() == b'new'


# --- finding the data ----------------------------------------------------------------------------
def test_missing_explicit_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"No MNIST_SAMPLE folder at {tmp_path/'gone'}.*install-data"):
        mnist_sample_path(tmp_path/'gone')


def test_missing_download_says_where_it_looked(tmp_path, fastai_home, monkeypatch):
    from urllib.error import URLError
    import fastai.data.external
    def offline(*a, **k): raise URLError('no network')
    monkeypatch.setattr(fastai.data.external, 'untar_data', offline)
    with pytest.raises(FileNotFoundError, match=f"not in fastai's data folder {tmp_path/'home'/'data'/'mnist_sample'}.*install-data"):
        mnist_sample_path()


# --- loading ----------------------------------------------------------------------------------------
def test_real_data_matches_the_book(mnist):
    assert isinstance(mnist, MnistSample)
    assert mnist.train_x.shape == (12396, 784) and mnist.train_y.shape == (12396, 1)
    assert mnist.valid_x.shape == (2038, 784) and mnist.valid_y.shape == (2038, 1)
    assert mnist.train_x.dtype == torch.float32
    assert mnist.train_x.min() == 0 and mnist.train_x.max() == 1
    assert int(mnist.train_y.sum()) == 6131 and int(mnist.valid_y.sum()) == 1010
    path = mnist_sample_path()
    last7 = sorted((path/'valid'/'7').iterdir())[-1]
    assert torch.equal(mnist.valid_x[-1], torch.tensor(np.asarray(Image.open(last7))).view(-1).float()/255)


def test_fake_sample_values_and_order(fake_sample):
    d = load_mnist_sample(fake_sample)
    assert d.train_y[:, 0].tolist() == [1, 1, 1, 0, 0, 0]
    assert d.train_x[:, 0].mul(255).round().tolist() == [0, 10, 20, 0, 10, 20]


def test_cache_is_used_and_invalidated(fake_sample, monkeypatch):
    first = load_mnist_sample(fake_sample)
    assert (fake_sample/CACHE_NAME).exists()
    calls = []
    decode = mnist37.data._decode
    monkeypatch.setattr(mnist37.data, '_decode', lambda files: calls.append(1) or decode(files))
    assert same(load_mnist_sample(fake_sample), first) and calls == []           # served from the cache
    Image.fromarray(np.full((28, 28), 200, np.uint8), 'L').save(fake_sample/'train'/'7'/'0.png')
    changed = load_mnist_sample(fake_sample)
    assert calls == [1] and changed.train_x[3, 0].item() == pytest.approx(200/255)
    load_mnist_sample(fake_sample, cache=False)
    assert calls == [1, 1]


def test_cache_can_live_elsewhere(fake_sample, tmp_path):
    d = load_mnist_sample(fake_sample, cache=tmp_path/'elsewhere.pt')
    assert (tmp_path/'elsewhere.pt').exists() and not (fake_sample/CACHE_NAME).exists()
    assert same(load_mnist_sample(fake_sample, cache=tmp_path/'elsewhere.pt'), d)


class _Evil:
    def __reduce__(self): return (os.system, ('echo pwned',))


@pytest.mark.filterwarnings('ignore:Detected pickle protocol')
def test_cache_never_unpickles_code(fake_sample):
    with open(fake_sample/CACHE_NAME, 'wb') as f: pickle.dump({'fingerprint': 'x', 'pixels': _Evil()}, f)
    with pytest.raises(ValueError, match=f'Unreadable cache {fake_sample/CACHE_NAME}'):
        load_mnist_sample(fake_sample)


def test_missing_class_folder(fake_sample):
    shutil.rmtree(fake_sample/'train'/'3')
    with pytest.raises(FileNotFoundError, match=f"Missing folder {fake_sample/'train'/'3'}"):
        load_mnist_sample(fake_sample)


def test_missing_split_folder(fake_sample):
    shutil.rmtree(fake_sample/'valid')
    with pytest.raises(FileNotFoundError, match=f"Missing folder {fake_sample/'valid'/'3'}"):
        load_mnist_sample(fake_sample)


def test_empty_class_folder(fake_sample):
    for f in (fake_sample/'valid'/'7').iterdir(): f.unlink()
    with pytest.raises(ValueError, match=f"Empty folder {fake_sample/'valid'/'7'}"):
        load_mnist_sample(fake_sample)


def test_file_that_is_not_an_image(fake_sample):
    bad = fake_sample/'train'/'7'/'notes.txt'
    bad.write_text('hello')
    with pytest.raises(ValueError, match=f'{bad} is not an image'):
        load_mnist_sample(fake_sample)


def test_folder_inside_a_class_folder(fake_sample):
    (fake_sample/'train'/'7'/'sub').mkdir()
    with pytest.raises(ValueError, match='sub is not an image'):
        load_mnist_sample(fake_sample)


@pytest.mark.parametrize('mode,size,what', [('RGB', (28, 28), '28x28 RGB'), ('L', (28, 32), '28x32 L'), ('1', (28, 28), '28x28 1')])
def test_image_of_the_wrong_kind(fake_sample, mode, size, what):
    bad = fake_sample/'valid'/'3'/'1.png'
    Image.new(mode, size).save(bad)
    with pytest.raises(ValueError, match=f'{bad} is a {what} image'):
        load_mnist_sample(fake_sample)
    with pytest.raises(ValueError, match='expected 28x28 grayscale'):
        read_digit(bad)


# --- DataLoaders -----------------------------------------------------------------------------------
def test_dls_match_the_book(mnist):
    dls = get_dls(mnist)
    assert (len(dls.train), len(dls.valid)) == (49, 8)
    xb, yb = dls.train.one_batch()
    assert torch.equal(xb, mnist.train_x[:256]) and torch.equal(yb, mnist.train_y[:256])
    last_x, _ = list(dls.valid)[-1]
    assert torch.equal(last_x, mnist.valid_x[7*256:])


def test_dls_shuffle_is_seeded(fake_sample):
    d = load_mnist_sample(fake_sample)
    order = lambda seed: torch.cat([xb[:, 0] for xb, _ in get_dls(d, bs=2, shuffle=True, seed=seed).train])
    assert torch.equal(order(1), order(1))
    assert sorted(order(1).tolist()) == sorted(d.train_x[:, 0].tolist())
    assert any(not torch.equal(order(1), order(s)) for s in range(2, 6))


def test_dls_bad_batch_size(fake_sample):
    with pytest.raises(ValueError, match='bs must be a positive batch size, got 0'):
        get_dls(load_mnist_sample(fake_sample), bs=0)
