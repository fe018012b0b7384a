"mnist37.baseline, mnist37.sgd and mnist37.compare as users import them."

import pandas as pd
import pytest
import torch

from mnist37.baseline import is_3, mnist_distance, pixel_similarity, rmse_distance
from mnist37.compare import compare_with_learner, make_model
from mnist37.data import MnistSample
from mnist37.sgd import (Linear1, SGD_Optim, batch_accuracy, batches, calc_grad, init_params, linear1, mnist_loss,
                         simple_net, train_epoch, train_model, validate_epoch, validate_epoch_book)


@pytest.fixture(scope='module')
def toy():
    "A small synthetic 3-vs-7 problem: 300 train and 100 valid rows of 784 values in [0, 1], label from a hidden rule."
    g = torch.Generator().manual_seed(0)
    x = torch.rand(400, 784, generator=g)
    y = (x[:, :392].mean(1) > x[:, 392:].mean(1)).long().unsqueeze(1)
    return MnistSample(x[:300], y[:300], x[300:], y[300:])


# --- baseline -------------------------------------------------------------------------------------
def test_pixel_similarity_reproduces_the_book(mnist):
    acc = pixel_similarity(mnist)
    assert (round(acc['3']*1010), round(acc['7']*1028)) == (926, 1013)     # the book: 0.9168, 0.9854
    assert round(acc['mean'], 4) == 0.9511
    l2 = pixel_similarity(mnist, rmse_distance)
    assert 0.9 < l2['mean'] < 1 and l2 != acc


def test_distances():
    a, b = torch.zeros(2, 28, 28), torch.full((28, 28), 0.5)
    b[0, 0] = 1.
    assert torch.allclose(mnist_distance(a, b), torch.full((2,), (783*0.5 + 1)/784))
    assert torch.allclose(rmse_distance(a, b), torch.full((2,), ((783*0.25 + 1)/784)**0.5))
    assert is_3(a, torch.zeros(28, 28), b).tolist() == [True, True]


# --- model, loss, metric ----------------------------------------------------------------------------
def test_linear1_is_the_books_maths():
    torch.manual_seed(0)
    m = Linear1(4)
    x = torch.rand(3, 4)
    assert torch.equal(m(x), x@m.weights + m.bias)
    assert torch.equal(linear1(x, m.weights, m.bias), m(x))
    torch.manual_seed(0)
    assert torch.equal(init_params((4, 1)), m.weights.detach())


def test_simple_net_shape():
    net = simple_net()
    assert [tuple(p.shape) for p in net.parameters()] == [(30, 784), (30,), (1, 30), (1,)]


def test_mnist_loss_and_accuracy_values():
    p, t = torch.tensor([[0.], [3.], [-3.], [3.]]), torch.tensor([[1], [1], [0], [0]])
    s = torch.sigmoid(torch.tensor(3.)).item()
    assert mnist_loss(p, t).item() == pytest.approx((0.5 + (1 - s) + (1 - s) + s)/4)
    assert batch_accuracy(p, t).item() == pytest.approx(0.5)


@pytest.mark.parametrize('fn', [mnist_loss, batch_accuracy])
def test_shape_trap_is_an_error(fn):
    p, t = torch.zeros(5, 1), torch.zeros(5)
    with pytest.raises(ValueError, match=r'predictions have shape \(5, 1\) but targets have shape \(5,\).*unsqueeze\(1\)'):
        fn(p, t)


# --- SGD_Optim ----------------------------------------------------------------------------------------
def test_sgd_optim_step_and_zero_grad():
    w = torch.tensor([1., -2.], requires_grad=True)
    frozen = torch.ones(2, requires_grad=True)
    opt = SGD_Optim([w, frozen], lr=0.25)
    (w**2).sum().backward()
    opt.step()
    assert w.detach().tolist() == [0.5, -1.0] and frozen.detach().tolist() == [1., 1.]
    opt.zero_grad()
    assert w.grad is None
    assert opt.lr == 0.25 and opt.params == [w, frozen]


def test_sgd_optim_closure_and_generator_params():
    m = torch.nn.Linear(2, 1)
    opt = SGD_Optim(m.parameters(), lr=1)
    loss = opt.step(lambda: m(torch.ones(1, 2)).sum().backward() or torch.tensor(3.))
    assert loss.item() == 3. and len(opt.params) == 2


@pytest.mark.parametrize('lr', [0, -0.1, float('nan'), float('inf'), '1', None, True])
def test_sgd_optim_rejects_bad_lr(lr):
    with pytest.raises(ValueError, match=f'lr must be a finite number > 0, got {lr!r}'.replace('(', r'\(')):
        SGD_Optim([torch.zeros(1, requires_grad=True)], lr=lr)


def test_sgd_optim_rejects_non_tensors():
    with pytest.raises(TypeError, match='parameters must be tensors, got list'):
        SGD_Optim([[1., 2.]], lr=1)
    with pytest.raises(ValueError, match='got no parameters'):
        SGD_Optim([], lr=1)
    opt = SGD_Optim([torch.zeros(1)], lr=1)
    with pytest.raises(ValueError, match='got -1'):
        opt.lr = -1


# --- training ---------------------------------------------------------------------------------------
def test_calc_grad_accumulates():
    m = Linear1(3)
    x, y = torch.rand(4, 3), torch.tensor([[1], [0], [1], [0]])
    calc_grad(x, y, m); g = m.weights.grad.clone()
    calc_grad(x, y, m)
    assert torch.allclose(m.weights.grad, 2*g)


def test_train_model_history_and_exact_accuracy(toy):
    torch.manual_seed(0)
    m = Linear1()
    dls = (batches(toy.train_x, toy.train_y, 64), batches(toy.valid_x, toy.valid_y, 64))
    hist = train_model(m, dls, 5, lr=1.)
    assert isinstance(hist, pd.DataFrame) and list(hist.columns) == ['train_loss', 'valid_loss', 'accuracy']
    assert len(hist) == 5 and hist.train_loss.iloc[-1] < hist.train_loss.iloc[0]
    with torch.no_grad(): correct = ((m(toy.valid_x) > 0) == toy.valid_y).sum().item()
    assert hist.accuracy.iloc[-1] == pytest.approx(correct/100)
    assert validate_epoch(m, dls[1]) == pytest.approx(correct/100)
    # the book's mean of batch means weights the last batch (36 rows) like a full one
    accs = [batch_accuracy(m(x), y).item() for x, y in dls[1]]
    assert validate_epoch_book(m, dls[1]) == round(sum(accs)/len(accs), 4)


def test_divergence_is_an_error_naming_epoch_and_batch(toy):
    torch.manual_seed(0)
    mse = lambda p, t: ((p - t.float())**2).mean()
    with pytest.raises(FloatingPointError, match=r'training diverged at epoch 0, batch \d+: the loss is (inf|nan).*lr=1000000.0'):
        train_model(Linear1(), (batches(toy.train_x, toy.train_y, 16), batches(toy.valid_x, toy.valid_y)), 2, lr=1e6, loss_func=mse)


def test_train_epoch_returns_weighted_mean_loss(toy):
    m = Linear1()
    dl = batches(toy.train_x, toy.train_y, 128)      # 128, 128, 44
    before = [mnist_loss(m(x), y).item() for x, y in dl]
    opt = SGD_Optim(m.parameters(), lr=1e-12)        # practically no move
    assert train_epoch(m, dl, opt) == pytest.approx((128*before[0] + 128*before[1] + 44*before[2])/300, rel=1e-5)


# --- the comparison ------------------------------------------------------------------------------------
def test_hand_loop_equals_learner_bit_for_bit(toy):
    res = compare_with_learner(3, lr=1., bs=64, data=toy)
    assert list(res.columns) == ['hand_accuracy', 'learner_accuracy', 'max_abs_param_diff']
    assert res.max_abs_param_diff.tolist() == [0.0, 0.0, 0.0]
    assert res.hand_accuracy.tolist() == res.learner_accuracy.tolist()


@pytest.mark.parametrize('kw', [dict(shuffle=True), dict(arch='linear1'), dict(arch='simple_net')])
def test_identical_for_every_arch_and_shuffled(toy, kw):
    assert compare_with_learner(2, lr=1., bs=64, data=toy, **kw).max_abs_param_diff.tolist() == [0.0, 0.0]


def test_other_learning_rates_differ_only_in_the_last_bits(toy):
    d = compare_with_learner(5, lr=0.1, bs=64, data=toy).max_abs_param_diff
    assert d.max() < 1e-6


def test_comparison_is_deterministic(toy):
    a = compare_with_learner(2, lr=0.3, bs=64, seed=7, data=toy, shuffle=True)
    b = compare_with_learner(2, lr=0.3, bs=64, seed=7, data=toy, shuffle=True)
    pd.testing.assert_frame_equal(a, b)
    assert torch.equal(make_model('simple_net', 3)[0].weight, make_model('simple_net', 3)[0].weight)
    assert not torch.equal(make_model('linear', 3).weight, make_model('linear', 4).weight)


def test_comparison_bad_input(toy):
    with pytest.raises(ValueError, match='epochs must be an integer >= 1, got 0'):
        compare_with_learner(0, data=toy)
    with pytest.raises(ValueError, match="unknown arch 'vgg'"):
        compare_with_learner(1, arch='vgg', data=toy)
    with pytest.raises(ValueError, match='lr must be a finite number > 0, got -1'):
        compare_with_learner(1, lr=-1, data=toy)


def test_real_data_comparison(mnist):
    res = compare_with_learner(2, lr=1., data=mnist)
    assert res.max_abs_param_diff.tolist() == [0.0, 0.0]
    assert res.learner_accuracy.tolist() == res.hand_accuracy.tolist()
