"mnist37.optimizers: each hand-written optimizer against torch.optim, its bad inputs, its state, and fastai."
import copy
from functools import partial

import pandas as pd
import pytest
import torch

from mnist37.compare import fit_hand, fit_learner, make_model
from mnist37.data import MnistSample, get_dls
from mnist37.optimizers import (TORCH_EQUIVALENTS, Adadelta, Adagrad, Adam, Momentum, Nesterov, RMSProp,
                                compare_on_toy, fastai_opt, max_diff_vs_torch, optimizer_trace_2d)


@pytest.mark.parametrize('name', list(TORCH_EQUIVALENTS))
@pytest.mark.parametrize('seed', [0, 3])
def test_equal_to_torch_optim(name, seed):
    ours, theirs, lr = TORCH_EQUIVALENTS[name]
    assert max_diff_vs_torch(ours, theirs, lr, steps=200, seed=seed) <= 1e-6
    assert max_diff_vs_torch(ours, theirs, lr, steps=50, seed=seed, dtype=torch.float32) <= 1e-5


@pytest.mark.parametrize('ours,theirs', [
    (partial(Momentum, momentum=0.5), partial(torch.optim.SGD, momentum=0.5)),
    (partial(Nesterov, momentum=0.5), partial(torch.optim.SGD, momentum=0.5, nesterov=True)),
    (partial(Adagrad, eps=1e-3), partial(torch.optim.Adagrad, eps=1e-3)),
    (partial(RMSProp, alpha=0.5, eps=1e-3), partial(torch.optim.RMSprop, alpha=0.5, eps=1e-3)),
    (partial(Adadelta, rho=0.5, eps=1e-4), partial(torch.optim.Adadelta, rho=0.5, eps=1e-4)),
    (partial(Adam, betas=(0.5, 0.9), eps=1e-3), partial(torch.optim.Adam, betas=(0.5, 0.9), eps=1e-3)),
])
def test_equal_with_other_hyper_parameters(ours, theirs):
    assert max_diff_vs_torch(ours, theirs, 0.02, steps=100, seed=1) <= 1e-6


def test_a_wrong_rule_is_caught():
    "The equivalence check detects eps inside the root (the textbook's RMSProp) with eps large enough to matter."
    class RMSPropTextbook(RMSProp):
        def update(self, p, grad, state, lr, alpha, eps):
            s = state['square_avg'] = alpha*state.get('square_avg', 0) + (1 - alpha)*grad*grad
            p -= lr*grad/(s + eps).sqrt()
    assert max_diff_vs_torch(partial(RMSPropTextbook, alpha=0.9, eps=1e-3), partial(torch.optim.RMSprop, alpha=0.9, eps=1e-3), 0.01) > 1e-4


W = [torch.zeros(2, requires_grad=True)]
@pytest.mark.parametrize('make,msg', [
    (lambda: Momentum(W, lr=-1), 'lr must be a finite number > 0, got -1'),
    (lambda: Adam(W, lr=0), 'lr must be a finite number > 0, got 0'),
    (lambda: Momentum(W, lr=0.1, momentum=1), r'momentum must be a number in \[0, 1\), got 1'),
    (lambda: Nesterov(W, lr=0.1, momentum=-0.1), r'momentum must be a number in \[0, 1\), got -0.1'),
    (lambda: Adam(W, betas=(1.0, 0.9)), r'betas\[0\] must be a number in \[0, 1\), got 1.0'),
    (lambda: Adam(W, betas=(0.9, -0.1)), r'betas\[1\] must be a number in \[0, 1\), got -0.1'),
    (lambda: Adam(W, betas=(0.9,)), r'betas must be a pair'),
    (lambda: RMSProp(W, alpha=2), r'alpha must be a number in \[0, 1\), got 2'),
    (lambda: Adadelta(W, rho=1.0), r'rho must be a number in \[0, 1\), got 1.0'),
    (lambda: Adagrad(W, eps=0), 'eps must be a finite number > 0, got 0'),
    (lambda: RMSProp(W, eps=-1e-8), 'eps must be a finite number > 0, got -1e-08'),
    (lambda: Adadelta(W, eps=float('nan')), 'eps must be a finite number > 0, got nan'),
    (lambda: Adam(W, eps=0.0), 'eps must be a finite number > 0, got 0.0'),
])
def test_bad_hyper_parameters(make, msg):
    with pytest.raises(ValueError, match=msg):
        make()


@pytest.mark.parametrize('cls', [Momentum, Nesterov, Adagrad, RMSProp, Adadelta, Adam])
def test_state_survives_zero_grad_and_params_without_grad_are_skipped(cls):
    w, unused = torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = cls([w, unused], lr=0.1)
    (w**2).sum().backward(); opt.step()
    before = {k: v.clone() if torch.is_tensor(v) else v for k, v in opt.state[w].items()}
    opt.zero_grad()
    assert w.grad is None and opt.state[w].keys() == before.keys()
    assert all(torch.equal(torch.as_tensor(opt.state[w][k]), torch.as_tensor(v)) for k, v in before.items())
    assert unused not in opt.state and torch.equal(unused.detach(), torch.ones(2))


def test_momentum_trajectory_matches_the_textbook_rule():
    "torch-style momentum (buf = m*buf + g; x -= lr*buf) equals the textbook's v = m*v + lr*g; x -= v."
    g = lambda a, b: (0.2*a, 4*b)
    ours = optimizer_trace_2d(partial(Momentum, lr=0.4, momentum=0.5), g)
    x1, x2, v1, v2 = -5., -2., 0., 0.
    for _ in range(20):
        v1, v2 = 0.5*v1 + 0.4*0.2*x1, 0.5*v2 + 0.4*4*x2
        x1, x2 = x1 - v1, x2 - v2
    assert ours[-1] == pytest.approx((x1, x2), abs=1e-12)
    assert tuple(f'{v:f}' for v in ours[-1]) == ('-0.062843', '0.001202')


@pytest.fixture(scope='module')
def toy3v7():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(200, 784, generator=g)
    y = (x[:, :392].mean(1) > x[:, 392:].mean(1)).long().unsqueeze(1)
    return MnistSample(x[:150], y[:150], x[150:], y[150:])


@pytest.mark.parametrize('cls,hp,lr', [(Momentum, {'momentum': 0.9}, 0.01), (Adam, {'betas': (0.9, 0.99)}, 0.003),
                                       (RMSProp, {'alpha': 0.9}, 0.001), (Adadelta, {}, 0.3)])
def test_learner_with_hand_written_optimizer_equals_hand_loop(toy3v7, cls, hp, lr):
    model = make_model('linear', 1)
    twin = copy.deepcopy(model)
    hand, hp_ = fit_hand(model, get_dls(toy3v7, bs=32), 2, lr, opt_func=partial(cls, **hp))
    fai, fp = fit_learner(twin, get_dls(toy3v7, bs=32), 2, lr, opt_func=fastai_opt(cls, **hp))
    assert hand == fai
    assert all(torch.equal(p, q) for p, q in zip(hp_[-1], fp[-1]))
    assert not torch.equal(hp_[-1][0], make_model('linear', 1).weight)


def test_toy_comparison_is_deterministic_and_above_the_noise_floor():
    a_steps, a = compare_on_toy(seed=1, epochs=2)
    b_steps, b = compare_on_toy(seed=1, epochs=2)
    pd.testing.assert_frame_equal(a, b); pd.testing.assert_frame_equal(a_steps, b_steps)
    assert len(a_steps) == 2*32 and (a.final_loss >= a.noise_floor*0.95).all()
    assert not compare_on_toy(seed=2, epochs=1)[1].final_loss.equals(compare_on_toy(seed=1, epochs=1)[1].final_loss)
