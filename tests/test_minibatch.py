"mnist37.minibatch: GD vs SGD by hand, nn.Linear + torch.optim.SGD, and minibatch SGD on the airfoil data."
import pytest
import torch

from mnist37.minibatch import (airfoil_floor, compare_batch_sizes, fit_line, gd_vs_sgd_by_hand, load_airfoil,
                               squared_loss, train_linreg)

@pytest.fixture(scope='module')
def airfoil():
    return load_airfoil()     # the copy inside the package


def test_gd_vs_sgd_by_hand_closed_forms():
    h = gd_vs_sgd_by_hand()
    assert len(h) == 101
    for t in (0, 1, 37, 100):
        assert h.gd_w[t] == pytest.approx(2 - (1 - 0.01*2*14/3)**t, abs=1e-12)
        assert h.sgd_w[t] == pytest.approx(2 - (0.98*0.92*0.82)**t, abs=1e-12)
        assert h.gd_loss[t] == pytest.approx((h.gd_w[t] - 2)**2*14/3, rel=1e-9, abs=1e-30)
    assert 4*h.gd_w[0] == 4.0 and 4*h.sgd_w[100] == pytest.approx(8, abs=1e-12)


def test_fit_line_reaches_least_squares_and_is_seeded():
    r = fit_line(seed=3)
    assert r['w'] == pytest.approx(r['w_ls'], abs=1e-3) and r['b'] == pytest.approx(r['b_ls'], abs=1e-3)
    assert abs(r['w_ls'] - 2) < 0.1 and abs(r['b_ls'] - 1) < 1
    assert fit_line(seed=3, epochs=3)['losses'] == fit_line(seed=3, epochs=3)['losses']
    assert fit_line(seed=3, epochs=3)['losses'] != fit_line(seed=4, epochs=3)['losses']


def test_load_airfoil(airfoil):
    f, l = airfoil
    assert f.shape == (1500, 5) and l.shape == (1500,) and f.dtype == torch.float32
    assert abs(float(l.mean())) < 0.05 and 0.9 < float(l.std()) < 1.1   # standardised over all 1503 rows


def test_scratch_equals_torch_optim(airfoil):
    for bs, lr in ((1, 0.005), (10, 0.05), (1500, 1.)):
        a = train_linreg(*airfoil, bs, lr, epochs=1, seed=5, opt='scratch')
        b = train_linreg(*airfoil, bs, lr, epochs=1, seed=5, opt='torch')
        assert a.epoch.tolist() == b.epoch.tolist()
        assert (a.loss - b.loss).abs().max() <= 1e-6


def test_losses_between_floor_and_start(airfoil):
    floor = airfoil_floor(*airfoil)
    f, l = airfoil
    A = torch.cat([f, torch.ones(1500, 1)], 1).double()
    w = torch.linalg.solve(A.T@A, A.T@l.double().view(-1, 1))    # normal equations, independently of lstsq
    assert floor == pytest.approx(squared_loss(A@w, l.double()).mean().item(), rel=1e-9)
    runs = {'sgd': (1, 0.005, 1), 'mb': (100, 0.4, 2), 'gd': (1500, 1., 5)}
    curves, table = compare_batch_sizes(*airfoil, seed=2, runs=runs)
    for c in curves.values():
        assert (c.loss >= floor - 1e-6).all() and c.loss.iloc[-1] < c.loss.iloc[0]
    assert table.updates_per_epoch.tolist() == [1500, 15, 1]


def test_train_linreg_is_seeded_and_validates(airfoil):
    a = train_linreg(*airfoil, 100, 0.4, seed=9)
    assert a.loss.tolist() == train_linreg(*airfoil, 100, 0.4, seed=9).loss.tolist()
    assert a.loss.tolist() != train_linreg(*airfoil, 100, 0.4, seed=10).loss.tolist()
    with pytest.raises(ValueError, match='bs must be between 1 and 1500, got 2000'):
        train_linreg(*airfoil, 2000, 0.1)
    with pytest.raises(ValueError, match="opt must be 'scratch', 'torch' or an optimizer class .*, got 'sgd'"):
        train_linreg(*airfoil, 10, 0.1, opt='sgd')
