"""Reference solutions of the exercises (`mnist37.exercises`), and the typical wrong answers each check must catch.

Kept apart from the chapter notebooks, so that a student does not see them while working. The appendix
notebook 94_exercises checks every exercise three ways with them: the solution passes, the untouched stub
is "not done yet", and every mistake here is caught with a message.
"""
import math
import torch
import torch.nn.functional as F
from torch import nn
from mnist37.learner import Callback, CancelFitException, CancelEpochException

SOLUTIONS, MISTAKES = {}, {}   # exercise name -> the answer; -> {what the mistake is: the wrong answer}

def solution(name, **mistakes):
    "Register the decorated object as the solution of exercise `name`, and `mistakes` as wrong answers."
    def deco(o): SOLUTIONS[name], MISTAKES[name] = o, mistakes; return o
    return deco

# 00_data
solution('stack', **{'torch.cat instead of torch.stack': lambda imgs: torch.cat(imgs).float()/255,
                     'forgot to divide by 255': lambda imgs: torch.stack(imgs).float()})(lambda imgs: torch.stack(imgs).float()/255)
solution('ranks', **{'a slice taken for an index': {'stacked_threes[1]': (28, 28), 'stacked_threes[:, 14]': (6131, 28),
                                                    'stacked_threes[1:3]': (28, 28), 'stacked_threes[1, 14, 14]': (), 'stacked_threes.view(-1, 28*28)': (6131, 784)},
                     'a scalar given shape (1,)': {'stacked_threes[1]': (28, 28), 'stacked_threes[:, 14]': (6131, 28),
                                                   'stacked_threes[1:3]': (2, 28, 28), 'stacked_threes[1, 14, 14]': (1,), 'stacked_threes.view(-1, 28*28)': (6131, 784)}})(
    {'stacked_threes[1]': (28, 28), 'stacked_threes[:, 14]': (6131, 28), 'stacked_threes[1:3]': (2, 28, 28),
     'stacked_threes[1, 14, 14]': (), 'stacked_threes.view(-1, 28*28)': (6131, 784)})
solution('xy', **{'labels of shape (n,)': lambda t, s: (torch.cat([t, s]).view(-1, 784), torch.tensor([1]*len(t) + [0]*len(s))),
                  'labels the other way round': lambda t, s: (torch.cat([t, s]).view(-1, 784), torch.tensor([0]*len(t) + [1]*len(s))[:, None])})(
    lambda t, s: (torch.cat([t, s]).view(-1, 28*28), torch.tensor([1]*len(t) + [0]*len(s)).unsqueeze(1)))
# 01_baseline
solution('mean_image', **{'mean over everything': lambda s: s.mean(), 'mean over the wrong axis': lambda s: s.mean(1)})(lambda s: s.mean(0))
solution('l1_distance', **{'mean over every axis': lambda a, b: (a - b).abs().mean(), 'no abs': lambda a, b: (a - b).mean((-1, -2)),
                           'the RMSE': lambda a, b: ((a - b)**2).mean((-1, -2)).sqrt()})(lambda a, b: (a - b).abs().mean((-1, -2)))
solution('rmse', **{'the L2 norm': lambda a, b: torch.linalg.norm(a - b), 'no square root': lambda a, b: F.mse_loss(a, b)})(
    lambda a, b: F.mse_loss(a, b).sqrt())

# 02_sgd
def fit_quadratic(time, speed, params, lr, steps, zero=True, sign=-1):
    losses = []
    for _ in range(steps):
        a, b, c = params
        loss = ((a*time**2 + b*time + c - speed)**2).mean()
        loss.backward(); losses.append(loss.item())
        params.data += sign*lr*params.grad.data
        if zero: params.grad = None
    return losses
solution('fit_quadratic', **{'gradients not zeroed': lambda *a: fit_quadratic(*a, zero=False),
                             'stepping up the gradient': lambda *a: fit_quadratic(*a, sign=1)})(fit_quadratic)
solution('init_params', **{'zeros': lambda size, std=1.0: torch.zeros(size).requires_grad_(),
                           'std ignored': lambda size, std=1.0: torch.randn(size).requires_grad_(),
                           'uniform, not normal': lambda size, std=1.0: (torch.rand(size)*std).requires_grad_(),
                           'no requires_grad': lambda size, std=1.0: torch.randn(size)*std,
                           'requires_grad before scaling': lambda size, std=1.0: torch.randn(size).requires_grad_()*std})(
    lambda size, std=1.0: (torch.randn(size)*std).requires_grad_())
def mnist_loss(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p).mean()
solution('mnist_loss', **{'missing sigmoid': lambda p, t: torch.where(t == 1, 1 - p, p).mean(),
                          'torch.where the wrong way round': lambda p, t: torch.where(t == 1, p.sigmoid(), 1 - p.sigmoid()).mean(),
                          'a float, not a tensor': lambda p, t: mnist_loss(p, t).item(),
                          'no mean': lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid())})(mnist_loss)
solution('batch_accuracy', **{'threshold 0.5 on raw predictions': lambda xb, yb: ((xb > 0.5) == yb).float().mean(),
                              'a count, not a fraction': lambda xb, yb: ((xb.sigmoid() > 0.5) == yb).float().sum()})(
    lambda xb, yb: ((xb.sigmoid() > 0.5) == yb).float().mean())
def sgd_step(xb, yb, w, b, lr, dsig=True, mean=True, sign=-1):
    z = xb@w + b; s = z.sigmoid()
    dz = torch.where(yb == 1, -1., 1.)*(s*(1 - s) if dsig else 1)/(len(xb) if mean else 1)
    return w + sign*lr*(xb.T@dz), b + sign*lr*dz.sum(0)
solution('sgd_step', **{"missing the sigmoid's derivative": lambda *a: sgd_step(*a, dsig=False),
                        'a sum, not a mean': lambda *a: sgd_step(*a, mean=False),
                        'stepping up the gradient': lambda *a: sgd_step(*a, sign=1)})(sgd_step)
class BasicOptim:
    def __init__(self, params, lr): self.params, self.lr = list(params), lr
    def step(self, *args, **kwargs):
        for p in self.params: p.data -= p.grad.data*self.lr
    def zero_grad(self, *args, **kwargs):
        for p in self.params: p.grad = None
class KeepsGenerator(BasicOptim):
    def __init__(self, params, lr): self.params, self.lr = params, lr
class NoZeroGrad(BasicOptim):
    def zero_grad(self, *args, **kwargs): pass
class Ascent(BasicOptim):
    def step(self, *args, **kwargs):
        for p in self.params: p.data += p.grad.data*self.lr
solution('basic_optim', **{'keeps the generator': KeepsGenerator, 'gradients not zeroed': NoZeroGrad, 'stepping up': Ascent})(BasicOptim)

# 03_compare
def max_param_diff(ps, qs): return max((p - q).abs().max().item() for p, q in zip(ps, qs))
solution('max_param_diff', **{'no abs': lambda ps, qs: max((p - q).max().item() for p, q in zip(ps, qs)),
                              'only the first tensor': lambda ps, qs: (ps[0] - qs[0]).abs().max().item()})(max_param_diff)
solution('simple_net', **{'no ReLU': lambda: nn.Sequential(nn.Linear(784, 30), nn.Linear(30, 1)),
                          'a wider hidden layer': lambda: nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 1))})(
    lambda: nn.Sequential(nn.Linear(28*28, 30), nn.ReLU(), nn.Linear(30, 1)))

# 03a_learner: the recorder's last row is [epoch, train_loss, valid_loss, batch_accuracy, time]
class StopAt(Callback):
    order = 20
    def __init__(self, target): self.target = target
    def after_epoch(self):
        if self.learn.recorder.rows[-1][3] >= self.target: raise CancelFitException()
class StopEpoch(StopAt):
    def after_epoch(self):
        if self.learn.recorder.rows[-1][3] >= self.target: raise CancelEpochException()
class StopAbove(StopAt):
    def after_epoch(self):
        if self.learn.recorder.rows[-1][3] > self.target: raise CancelFitException()
solution('stop_at', **{'CancelEpochException': StopEpoch, '> instead of >=': StopAbove})(StopAt)
def pick_lr(lrs, losses): return lrs[min(range(len(losses)), key=losses.__getitem__)]/10
solution('pick_lr', **{'the rate at the minimum': lambda lrs, losses: lrs[min(range(len(losses)), key=losses.__getitem__)],
                       'the first rate': lambda lrs, losses: lrs[0], 'the last rate': lambda lrs, losses: lrs[-1]})(pick_lr)

# 03b_digits
solution('softmax', **{'sum over the wrong axis': lambda x: x.exp()/x.exp().sum(0, keepdim=True),
                       'sum over everything': lambda x: x.exp()/x.exp().sum()})(lambda x: x.exp()/x.exp().sum(1, keepdim=True))
def log_softmax(x): m = x.max(1, keepdim=True).values; return x - m - (x - m).exp().sum(1, keepdim=True).log()
solution('log_softmax', **{'the log of the naive softmax': lambda x: (x.exp()/x.exp().sum(1, keepdim=True)).log(),
                           'without the log of the sum': lambda x: x - x.max(1, keepdim=True).values})(log_softmax)
def cross_entropy(x, t): return -torch.log_softmax(x, 1)[range(len(t)), t].mean()
solution('cross_entropy', **{'no minus sign': lambda x, t: torch.log_softmax(x, 1)[range(len(t)), t].mean(),
                             'probabilities, not their log': lambda x, t: -torch.softmax(x, 1)[range(len(t)), t].mean(),
                             'the whole target column': lambda x, t: -torch.log_softmax(x, 1)[:, t].mean(),
                             'no mean': lambda x, t: -torch.log_softmax(x, 1)[range(len(t)), t],
                             'raw logits': lambda x, t: -x[range(len(t)), t].mean()})(cross_entropy)

# 05_gd
def gd(df, eta, x0, steps, sign=-1):
    xs = [x0]
    for _ in range(steps): xs.append(xs[-1] + sign*eta*df(xs[-1]))
    return xs
solution('gd', **{'stepping up': lambda *a: gd(*a, sign=1), 'one step short': lambda df, eta, x0, steps: gd(df, eta, x0, steps - 1) + [0.]})(gd)
def newton(df, d2f, x0, steps, sign=-1, hess=True):
    xs = [x0]
    for _ in range(steps): xs.append(xs[-1] + sign*df(xs[-1])/(d2f(xs[-1]) if hess else 1))
    return xs
solution('newton', **{'no second derivative (gradient descent)': lambda *a: newton(*a, hess=False),
                      'the wrong sign': lambda *a: newton(*a, sign=1)})(newton)
solution('max_lr', **{'1/λmax': lambda H: 1/torch.linalg.eigvalsh(H).max().item(), 'the smallest eigenvalue': lambda H: 2/torch.linalg.eigvalsh(H).min().item(),
                      'the largest diagonal entry': lambda H: 2/H.diagonal().max().item()})(lambda H: 2/torch.linalg.eigvalsh(H).max().item())

# 06_minibatch
def minibatch_grad(X, y, w, idx): Xb = X[idx]; return Xb.T@(Xb@w - y[idx])/len(idx)
solution('minibatch_grad', **{'a sum, not a mean': lambda X, y, w, idx: X[idx].T@(X[idx]@w - y[idx]),
                              'forgot the ½': lambda X, y, w, idx: 2*minibatch_grad(X, y, w, idx),
                              'the full batch': lambda X, y, w, idx: X.T@(X@w - y)/len(X),
                              'the wrong sign': lambda X, y, w, idx: X[idx].T@(y[idx] - X[idx]@w)/len(idx)})(minibatch_grad)
def epoch_batches(n, bs, seed): return list(torch.randperm(n, generator=torch.Generator().manual_seed(seed)).split(bs))
solution('epoch_batches', **{'with replacement': lambda n, bs, seed: list(torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed)).split(bs)),
                             'not shuffled': lambda n, bs, seed: list(torch.arange(n).split(bs)),
                             'seed ignored': lambda n, bs, seed: list(torch.randperm(n).split(bs)),
                             'the last batch dropped': lambda n, bs, seed: epoch_batches(n, bs, seed)[:n//bs]})(epoch_batches)

# 07_optimizers
def momentum_step(p, grad, state, lr, momentum, dampening=0.):
    b = state['buf'] = grad.clone() if 'buf' not in state else momentum*state['buf'] + (1 - dampening)*grad
    return p - lr*b
solution('momentum_step', **{'the leaky average (dampening = momentum)': lambda p, g, s, lr, mom: momentum_step(p, g, s, lr, mom, dampening=mom) if 'buf' in s else momentum_step(p, (1 - mom)*g, s, lr, mom),
                             'no buffer kept': lambda p, g, s, lr, mom: p - lr*g})(momentum_step)
def adam_step(p, grad, state, lr, beta1, beta2, eps, correct=True, eps_inside=False):
    t = state['t'] = state.get('t', 0) + 1
    m = state['m'] = beta1*state.get('m', 0.) + (1 - beta1)*grad
    v = state['v'] = beta2*state.get('v', 0.) + (1 - beta2)*grad**2
    mh, vh = (m/(1 - beta1**t), v/(1 - beta2**t)) if correct else (m, v)
    return p - lr*mh/((vh + eps).sqrt() if eps_inside else vh.sqrt() + eps)
solution('adam_step', **{'no bias correction': lambda *a: adam_step(*a, correct=False),
                         'eps inside the square root': lambda *a: adam_step(*a, eps_inside=True)})(adam_step)
