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

# 03a_learner: the recorder's last row, by column name
class StopAt(Callback):
    order = 20
    def __init__(self, target): self.target = target
    def after_epoch(self):
        if self.learn.recorder.last('batch_accuracy') >= self.target: raise CancelFitException()
class StopEpoch(StopAt):
    def after_epoch(self):
        if self.learn.recorder.last('batch_accuracy') >= self.target: raise CancelEpochException()
class StopAbove(StopAt):
    def after_epoch(self):
        if self.learn.recorder.last('batch_accuracy') > self.target: raise CancelFitException()
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


# ----------------------------------------------------------------------------------------------------------------
# More mistakes (each class of issues 24/25: answers that change their inputs or torch's global state, return
# strings, numpy arrays or hard-coded hyper-parameters) and STYLES: unusual answers that are right and must pass.
import random
import numpy as np
from collections import OrderedDict

STYLES = {}   # exercise name -> {what is unusual: a right answer}

def more(name, styles=None, **mistakes):
    "Add `mistakes` to exercise `name`'s wrong answers and `styles` to its unusual right ones."
    MISTAKES[name].update(mistakes); STYLES.setdefault(name, {}).update(styles or {})

def _halve_inputs(imgs):
    for i in range(len(imgs)): imgs[i] //= 2
    return torch.stack(imgs).float()/255
more('stack', {'float64, one image at a time': lambda imgs: torch.stack([i.double() for i in imgs])/255,
               'through numpy': lambda imgs: torch.from_numpy(np.stack([i.numpy() for i in imgs])).float()/255},
     **{'divides by 256': lambda imgs: torch.stack(imgs).float()/256,
        'the images in reverse order': lambda imgs: torch.stack(imgs[::-1]).float()/255,
        'a string': lambda imgs: 'torch.stack(imgs).float()/255',
        'a list, not a tensor': lambda imgs: [i.float()/255 for i in imgs],
        'halves the input images in place': _halve_inputs})

_RIGHT_SHAPES = SOLUTIONS['ranks']
more('ranks', {'torch.Size values': {k: torch.Size(v) for k, v in _RIGHT_SHAPES.items()},
               'lists, not tuples': {k: list(v) for k, v in _RIGHT_SHAPES.items()}},
     **{'-1 taken literally': {**_RIGHT_SHAPES, 'stacked_threes.view(-1, 28*28)': (-1, 784)},
        'an index keeps its axis': {**_RIGHT_SHAPES, 'stacked_threes[:, 14]': (6131, 1, 28)},
        'strings, not tuples': {k: str(v) for k, v in _RIGHT_SHAPES.items()},
        'the view transposed': {**_RIGHT_SHAPES, 'stacked_threes.view(-1, 28*28)': (784, 6131)}})

more('xy', {'reshape and a float column': lambda t, s: (torch.cat([t, s]).reshape(len(t) + len(s), -1),
                                                        torch.cat([torch.ones(len(t)), torch.zeros(len(s))])[:, None]),
            'a list [x, y], labels as bools': lambda t, s: [torch.cat([t, s]).flatten(1),
                                                           (torch.arange(len(t) + len(s)) < len(t))[:, None]]},
     **{'sevens first': lambda t, s: (torch.cat([s, t]).view(-1, 784), torch.tensor([1]*len(t) + [0]*len(s))[:, None]),
        'x not flattened': lambda t, s: (torch.cat([t, s]), torch.tensor([1]*len(t) + [0]*len(s))[:, None]),
        'y as a row': lambda t, s: (torch.cat([t, s]).view(-1, 784), torch.tensor([1]*len(t) + [0]*len(s))[None]),
        'images flattened column by column': lambda t, s: (torch.cat([t, s]).transpose(1, 2).reshape(-1, 784),
                                                           torch.tensor([1]*len(t) + [0]*len(s))[:, None]),
        'three things returned': lambda t, s: (torch.cat([t, s]).view(-1, 784), torch.ones(7, 1), None)})

more('mean_image', {'float64': lambda s: s.double().mean(0), 'a Python sum over the images': lambda s: sum(s)/len(s)},
     **{'zeroes the input and returns its mean': lambda s: s.zero_().mean(0),
        'the median': lambda s: s.median(0).values, 'the sum': lambda s: s.sum(0), 'the first image': lambda s: s[0],
        'a string': lambda s: 'stack.mean(0)'})

more('l1_distance', {'in place on its (private) inputs': lambda a, b: a.sub_(b).abs_().mean((-1, -2)),
                     'flattened first, float64': lambda a, b: (a.double() - b.double()).abs().flatten(-2).mean(-1)},
     **{'squared differences': lambda a, b: ((a - b)**2).mean((-1, -2)), 'a sum, not a mean': lambda a, b: (a - b).abs().sum((-1, -2)),
        'the mean over the wrong axes': lambda a, b: (a - b).abs().mean((0, 1))})

def _rmse_in_place(a, b): a -= b; return (a**2).mean().sqrt()
more('rmse', {'a -= b, in place on its (private) input': _rmse_in_place,
              'a Python float from math.sqrt': lambda a, b: math.sqrt(((a - b)**2).mean().item()),
              'a numpy float': lambda a, b: np.sqrt(((a.numpy() - b.numpy())**2).mean())},
     **{'a string': lambda a, b: f"{F.mse_loss(a, b).sqrt().item():.4f}",
        'the mean absolute difference': lambda a, b: (a - b).abs().mean(),
        'the square root of each difference, averaged': lambda a, b: (a - b).abs().sqrt().mean(),
        'every squared difference, not their mean': lambda a, b: ((a - b)**2).sqrt()})

def fit_quadratic_hard_lr(time, speed, params, lr, steps): return fit_quadratic(time, speed, params, 1e-5, steps)
def fit_quadratic_rebinds(time, speed, params, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((params[0]*time**2 + params[1]*time + params[2] - speed)**2).mean(); loss.backward()
        losses.append(loss.item()); params = (params - lr*params.grad).detach().requires_grad_()
    return losses
def fit_quadratic_no_grad(time, speed, params, lr, steps):
    losses = []
    for _ in range(steps):
        loss = ((params[0]*time**2 + params[1]*time + params[2] - speed)**2).mean(); loss.backward()
        losses.append(loss.detach())
        with torch.no_grad(): params -= lr*params.grad
        params.grad.zero_()
    return losses
more('fit_quadratic', {'torch.no_grad, losses as tensors': fit_quadratic_no_grad,
                       'float64 losses': lambda *a: [np.float64(v) for v in fit_quadratic(*a)]},
     **{'lr hard-coded to 1e-5': fit_quadratic_hard_lr, 'rebinds params instead of changing them': fit_quadratic_rebinds,
        'the first loss repeated': lambda t, s, p, lr, n: fit_quadratic(t, s, p, lr, n)[:1]*n,
        'one step too few': lambda *a: fit_quadratic(*a[:4], a[4] - 1)})

def init_params_no_grad_mode(size, std=1.0): torch.set_grad_enabled(False); return torch.randn(size)*std
more('init_params', {'nn.Parameter': lambda size, std=1.0: nn.Parameter(torch.randn(size)*std),
                     'torch.normal, float64': lambda size, std=1.0: torch.normal(0., std, size, dtype=torch.float64).requires_grad_()},
     **{'std squared': lambda size, std=1.0: (torch.randn(size)*std**2).requires_grad_(),
        'std added, not multiplied': lambda size, std=1.0: (torch.randn(size) + std).requires_grad_(),
        'a numpy array': lambda size, std=1.0: np.random.randn(*size)*std,
        'switches autograd off and returns no gradient': init_params_no_grad_mode})

def mnist_loss_unsqueeze(p, t): t.unsqueeze_(1); s = p.sigmoid(); return torch.where(t == 1, 1 - s, s).mean()
def mnist_loss_float64_default(p, t): torch.set_default_dtype(torch.float64); return mnist_loss(p.double(), t)
more('mnist_loss', {'arithmetic instead of torch.where': lambda p, t: (t*(1 - p.sigmoid()) + (1 - t)*p.sigmoid()).mean(),
                    'an L1 loss of the sigmoid': lambda p, t: F.l1_loss(p.sigmoid(), t.float().reshape(p.shape)),
                    'changes the default dtype to float64': mnist_loss_float64_default},
     **{'unsqueeze_ on the targets (in place)': mnist_loss_unsqueeze,
        'a sum, not a mean': lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()).sum(),
        'the sigmoid twice': lambda p, t: mnist_loss(p.sigmoid(), t),
        'squared error': lambda p, t: ((p.sigmoid() - t)**2).mean(),
        'detached from the graph': lambda p, t: mnist_loss(p, t).detach(),
        'a numpy number': lambda p, t: mnist_loss(p, t).detach().numpy()})

more('batch_accuracy', {'threshold the raw outputs at 0': lambda xb, yb: ((xb > 0) == yb).float().mean(),
                        'rounded sigmoid, float64': lambda xb, yb: (xb.sigmoid().round() == yb).double().mean()},
     **{'the fraction wrong': lambda xb, yb: ((xb.sigmoid() > 0.5) != yb).float().mean(),
        'targets transposed (broadcast to 8 x 8)': lambda xb, yb: ((xb.sigmoid() > 0.5) == yb.T).float().mean(),
        'a mean of booleans': lambda xb, yb: ((xb.sigmoid() > 0.5) == yb).mean(),
        'a string': lambda xb, yb: '0.75'})

def sgd_step_autograd(xb, yb, w, b, lr):
    w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
    s = (xb@w + b).sigmoid(); torch.where(yb == 1, 1 - s, s).mean().backward()
    return (w - lr*w.grad).detach(), (b - lr*b.grad).detach()
def sgd_step_autograd_grad(xb, yb, w, b, lr):
    w.requires_grad = True; b.requires_grad = True
    s = (xb@w + b).sigmoid(); gw, gb = torch.autograd.grad(torch.where(yb == 1, 1 - s, s).mean(), (w, b))
    return (w - lr*gw).detach(), (b - lr*gb).detach()
def sgd_step_in_place(xb, yb, w, b, lr):
    nw, nb = sgd_step(xb, yb, w, b, lr); w.copy_(nw); b.copy_(nb); return [w, b]
more('sgd_step', {'float64': lambda xb, yb, w, b, lr: sgd_step(xb.double(), yb, w.double(), b.double(), lr),
                  'in place, returned as a list': sgd_step_in_place},
     **{'autograd, with backward': sgd_step_autograd, 'autograd, with torch.autograd.grad': sgd_step_autograd_grad,
        'lr hard-coded to 0.1': lambda xb, yb, w, b, lr: sgd_step(xb, yb, w, b, 0.1),
        'b not updated': lambda xb, yb, w, b, lr: (sgd_step(xb, yb, w, b, lr)[0], b)})

class FixedLR(BasicOptim):
    def __init__(self, params, lr): super().__init__(params, 0.1)
class SquaredLR(BasicOptim):
    def __init__(self, params, lr): super().__init__(params, lr*lr*10)
class TwoSteps(BasicOptim):
    def step(self, *args, **kwargs): super().step(); super().step()
class NoGradOptim:
    def __init__(self, params, lr): self.params, self.lr = [*params], lr
    @torch.no_grad()
    def step(self):
        for p in self.params: p -= self.lr*p.grad
    def zero_grad(self):
        for p in self.params: p.grad.zero_()
more('basic_optim', {'torch.optim.SGD itself': lambda params, lr: torch.optim.SGD(params, lr),
                     'torch.no_grad and grad.zero_()': NoGradOptim},
     **{'lr hard-coded to 0.1': FixedLR, 'lr squared': SquaredLR, 'two steps per step()': TwoSteps,
        'a string': 'MyBasicOptim'})

more('max_param_diff', {'a 0-d tensor': lambda ps, qs: torch.stack([(p - q).abs().max() for p, q in zip(ps, qs)]).max(),
                        'a numpy float': lambda ps, qs: np.max([np.abs(p.numpy() - q.numpy()).max() for p, q in zip(ps, qs)])},
     **{'the largest per-pair mean': lambda ps, qs: max((p - q).abs().mean().item() for p, q in zip(ps, qs)),
        'the last pair only': lambda ps, qs: (ps[-1] - qs[-1]).abs().max().item(),
        'the largest sum': lambda ps, qs: max((p - q).abs().sum().item() for p, q in zip(ps, qs)),
        'the sum of the maxima': lambda ps, qs: sum((p - q).abs().max().item() for p, q in zip(ps, qs)),
        'a string': lambda ps, qs: str(max_param_diff(ps, qs)),
        'every pair maximum, as a list': lambda ps, qs: [(p - q).abs().max().item() for p, q in zip(ps, qs)]})

class TwoLayer(nn.Module):
    def __init__(self): super().__init__(); self.a, self.b = nn.Linear(784, 30), nn.Linear(30, 1)
    def forward(self, x): return self.b(F.relu(self.a(x)))
more('simple_net', {"the book's nn.Sequential itself": nn.Sequential(nn.Linear(28*28, 30), nn.ReLU(), nn.Linear(30, 1)),
                    'a Module class with F.relu': TwoLayer,
                    'named layers': lambda: nn.Sequential(OrderedDict(l1=nn.Linear(784, 30), act=nn.ReLU(), l2=nn.Linear(30, 1)))},
     **{'Sigmoid instead of ReLU': lambda: nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 1)),
        'Tanh instead of ReLU': lambda: nn.Sequential(nn.Linear(784, 30), nn.Tanh(), nn.Linear(30, 1)),
        'an extra final ReLU': lambda: nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1), nn.ReLU()),
        'an extra final Sigmoid': lambda: nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1), nn.Sigmoid()),
        'LeakyReLU': lambda: nn.Sequential(nn.Linear(784, 30), nn.LeakyReLU(0.1), nn.Linear(30, 1)),
        'a string': 'nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))'})

class StopAtFirst(StopAt):
    def after_epoch(self): raise CancelFitException()
class NeverStop(StopAt):
    def after_epoch(self): pass
class StopOnLoss(StopAt):
    def after_epoch(self):
        if self.learn.recorder.last('valid_loss') <= self.target: raise CancelFitException()
class StopOneEarly(StopAt):
    def after_epoch(self):
        if self.learn.recorder.last('batch_accuracy') >= self.target - 0.05: raise CancelFitException()
class StopNotBelow(StopAt):
    def after_epoch(self):
        if not self.learn.recorder.last('batch_accuracy') < self.target: raise CancelFitException()
class StopFromEnd(StopAt):
    def after_epoch(self):
        if float(self.learn.recorder.rows[-1][-2]) >= self.target: raise CancelFitException()
more('stop_at', {'not below the target': StopNotBelow, 'the accuracy read from the end of the row': StopFromEnd},
     **{'stops after the first epoch': StopAtFirst, 'never stops': NeverStop,
        'a tolerance below the target': StopOneEarly})

def _imin(losses): return min(range(len(losses)), key=losses.__getitem__)
more('pick_lr', {'the steepest fall, as a numpy float': lambda lrs, losses: np.float64(lrs[int(np.argmin(np.diff(losses)))]),
                 'a tenth of the minimum, as a tensor': lambda lrs, losses: torch.tensor(lrs)[torch.tensor(losses).argmin()]/10},
     **{'the rate just before the minimum': lambda lrs, losses: lrs[_imin(losses) - 1], 'a string': lambda lrs, losses: '1e-3',
        'two thirds of the minimum': lambda lrs, losses: lrs[_imin(losses)]/1.5, 'a list of rates': lambda lrs, losses: lrs[:3]})

more('softmax', {'shifted by the row maximum': lambda x: (x - x.max(1, keepdim=True).values).exp()/(x - x.max(1, keepdim=True).values).exp().sum(1, keepdim=True),
                 'float64, through logsumexp': lambda x: (x.double() - x.double().logsumexp(1, keepdim=True)).exp()},
     **{'no exp': lambda x: x/x.sum(1, keepdim=True), 'the log-softmax': lambda x: torch.log_softmax(x, 1),
        'no division': lambda x: x.exp(), 'a string': lambda x: 'x.softmax(1)'})

more('log_softmax', {'torch.log_softmax itself': lambda x: torch.log_softmax(x, 1),
                     'float64, through logsumexp': lambda x: x.double() - x.double().logsumexp(1, keepdim=True)},
     **{'no maximum subtracted': lambda x: x - x.exp().sum(1, keepdim=True).log(),
        'the maximum of the whole tensor': lambda x: x - x.max() - (x - x.max()).exp().sum(1, keepdim=True).log(),
        'the softmax, not its log': lambda x: torch.softmax(x, 1), 'log base 2': lambda x: torch.log_softmax(x, 1)/math.log(2)})

more('cross_entropy', {'nll_loss of log_softmax': lambda x, t: F.nll_loss(F.log_softmax(x, 1), t),
                       'gather, float64': lambda x, t: -torch.log_softmax(x.double(), 1).gather(1, t[:, None]).mean()},
     **{'a string': lambda x, t: 'F.cross_entropy(x, t)'})

def gd32(df, eta, x0, steps):
    xs = [torch.tensor(x0, dtype=torch.float32)]
    for _ in range(steps): xs.append(xs[-1] - eta*df(xs[-1]))
    return xs
more('gd', {'float32 tensors': gd32, 'numpy floats': lambda df, eta, x0, steps: list(np.float64(gd(df, eta, x0, steps)))},
     **{'a string': lambda df, eta, x0, steps: str(gd(df, eta, x0, steps)),
        'eta hard-coded to 0.1': lambda df, eta, x0, steps: gd(df, 0.1, x0, steps),
        'the gradient at x0 every step': lambda df, eta, x0, steps: [x0 - k*eta*df(x0) for k in range(steps + 1)],
        'without x0': lambda df, eta, x0, steps: gd(df, eta, x0, steps)[1:],
        'strings of numbers': lambda df, eta, x0, steps: [f'{v}' for v in gd(df, eta, x0, steps)]})

def newton32(df, d2f, x0, steps):
    xs = [torch.tensor(x0, dtype=torch.float32)]
    for _ in range(steps): x = float(xs[-1]); xs.append(torch.tensor(x - df(x)/d2f(x), dtype=torch.float32))
    return xs
more('newton', {'float32 tensors': newton32, 'numpy floats': lambda *a: [np.float64(v) for v in newton(*a)]},
     **{'a string': lambda *a: str(newton(*a)),
        'divided by the square of d2f': lambda df, d2f, x0, steps: gd(lambda x: df(x)/d2f(x)**2, 1., x0, steps),
        'a damped step (half)': lambda df, d2f, x0, steps: gd(lambda x: df(x)/d2f(x), 0.5, x0, steps),
        'without x0': lambda *a: newton(*a)[1:]})

more('max_lr', {'numpy': lambda H: 2/np.linalg.eigvalsh(H.numpy()).max(),
                'a tensor from float32': lambda H: 2/torch.linalg.eigvalsh(H.float())[-1]},
     **{'2/trace': lambda H: 2/H.trace().item(), 'hard-coded 0.5': lambda H: 0.5, 'a string': lambda H: '0.5',
        'every eigenvalue': lambda H: 2/torch.linalg.eigvalsh(H)})

def minibatch_grad_autograd(X, y, w, idx):
    w = w.clone().requires_grad_(); (0.5*((X[idx]@w - y[idx])**2).mean()).backward(); return w.grad
more('minibatch_grad', {'float32': lambda X, y, w, idx: minibatch_grad(X.float(), y.float(), w.float(), idx),
                        'einsum': lambda X, y, w, idx: torch.einsum('bi,b->i', X[idx], X[idx]@w - y[idx])/len(idx)},
     **{'autograd': minibatch_grad_autograd, 'a string': lambda X, y, w, idx: 'X.T@(X@w - y)',
        'w ignored': lambda X, y, w, idx: -X[idx].T@y[idx]/len(idx)})

def rotation(n, bs, seed): k = int(torch.randint(1, n, (1,), generator=torch.Generator().manual_seed(seed))); return list(torch.arange(n).roll(k).split(bs))
def block_shuffle(n, bs, seed):
    g = torch.Generator().manual_seed(seed)
    return [b[torch.randperm(len(b), generator=g)] for b in torch.arange(n).split(bs)]
def batches_shuffled(n, bs, seed):
    bs_ = list(torch.arange(n).split(bs)); g = torch.Generator().manual_seed(seed)
    return [bs_[i] for i in torch.randperm(len(bs_), generator=g)]
def global_seed(n, bs, seed): torch.manual_seed(seed); return list(torch.randperm(n).split(bs))
def python_random(n, bs, seed): idx = list(range(n)); random.Random(seed).shuffle(idx); return [idx[i:i + bs] for i in range(0, n, bs)]
more('epoch_batches', {'torch.manual_seed (the global generator)': global_seed, 'Python lists from random.Random': python_random,
                       'numpy arrays': lambda n, bs, seed: np.array_split(np.random.default_rng(seed).permutation(n), range(bs, n, bs))},
     **{'a rotation of arange(n)': rotation, 'shuffled only inside fixed blocks': block_shuffle,
        'the batches shuffled, not the examples': batches_shuffled,
        'reversed': lambda n, bs, seed: list(torch.arange(n).flip(0).split(bs)),
        'one tensor, not a list': lambda n, bs, seed: torch.randperm(n, generator=torch.Generator().manual_seed(seed))})

def momentum_zeros(p, grad, state, lr, momentum):
    b = state['b'] = momentum*state.get('b', torch.zeros_like(grad)) + grad
    return p.sub_(lr*b)
more('momentum_step', {'buffer from zeros, p changed in place': momentum_zeros,
                       'float64': lambda p, g, s, lr, mom: momentum_step(p.double(), g.double(), s, lr, mom)},
     **{'hyper-parameters hard-coded': lambda p, g, s, lr, mom: momentum_step(p, g, s, 0.1, 0.9),
        'momentum ignored': lambda p, g, s, lr, mom: momentum_step(p, g, s, lr, 0.9),
        'adds the step': lambda p, g, s, lr, mom: 2*p - momentum_step(p, g, s, lr, mom),
        'buffer stored, gradient used': lambda p, g, s, lr, mom: (momentum_step(p, g, s, lr, mom), p - lr*g)[1]})

def adam_t_not_kept(p, grad, state, lr, beta1, beta2, eps): state.pop('t', None); return adam_step(p, grad, state, lr, beta1, beta2, eps)
more('adam_step', {'float64': lambda p, g, s, *h: adam_step(p.double(), g.double(), s, *h),
                   'in place on p and the state': lambda p, g, s, *h: p.copy_(adam_step(p, g, s, *h))},
     **{'hyper-parameters hard-coded': lambda p, g, s, *h: adam_step(p, g, s, 0.1, 0.9, 0.999, 1e-8),
        'the step count not kept': adam_t_not_kept,
        'no square root': lambda p, g, s, lr, b1, b2, eps: p - lr*adam_step(torch.zeros_like(p), g, s, -1., b1, b2, eps)**2,
        'betas swapped': lambda p, g, s, lr, b1, b2, eps: adam_step(p, g, s, lr, b2, b1, eps)})
more('gd', **{'eta and x0 hard-coded to the example': lambda df, eta, x0, steps: gd(df, 0.2, 10., steps)})


# ----------------------------------------------------------------------------------------------------------------
# Issue 25's transfers and predictions: the solution, its typical mistakes (including answers that change their
# inputs or torch's global state) and unusual right answers.
def _new(name, solution_, mistakes, styles):
    SOLUTIONS[name], MISTAKES[name], STYLES[name] = solution_, mistakes, styles

def pm1_loss(p, t): s = p.sigmoid(); return torch.where(t == 1, 1 - s, s).mean()
def _pm1_zeroes_targets(p, t): t.zero_(); return pm1_loss(p, t)
_new('pm1_loss', pm1_loss,
     {'every example taken for a three (t == 0 never true)': lambda p, t: torch.where(t == 0, p.sigmoid(), 1 - p.sigmoid()).mean(),
      'distance to the target itself': lambda p, t: (t - p.sigmoid()).abs().mean(),
      'no sigmoid': lambda p, t: torch.where(t == 1, 1 - p, p).mean(),
      'the two cases swapped': lambda p, t: torch.where(t == 1, p.sigmoid(), 1 - p.sigmoid()).mean(),
      'a sum': lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()).sum(),
      'zeroes the targets in place': _pm1_zeroes_targets,
      'a string': lambda p, t: '0.5'},
     {'targets mapped to 0/1 first, then the chapter loss': lambda p, t: mnist_loss(p, (t + 1)//2),
      'arithmetic, float64': lambda p, t: (((1 + t)/2)*(1 - p.double().sigmoid()) + ((1 - t)/2)*p.double().sigmoid()).mean(),
      'torch.where on t > 0, with sigmoid_': lambda p, t: torch.where(t > 0, 1 - p.detach().clone().sigmoid_(), p.detach().clone().sigmoid_()).mean()})

# 04_questionnaire: predictions (a number, or a list)
_new('grad_accumulates', 12.,
     {'one call': 6, 'reset to 0': 0., 'the value, not the gradient': 9, 'multiplied': 36., 'a string': '12'},
     {'an int': 12, 'a tensor': torch.tensor(12.), 'a numpy float': np.float32(12)})
_new('bottom_right', [[10, 12], [16, 18]],
     {'not doubled': [[5, 6], [8, 9]], 'the bottom left': [[8, 10], [14, 16]], 'the top right': [[4, 6], [10, 12]],
      'the top left': [[2, 4], [8, 10]], 'a string': '[[10, 12], [16, 18]]', 'three numbers': [10, 12, 16]},
     {'a tensor': torch.tensor([[10, 12], [16, 18]]), 'flat, as floats': [10., 12., 16., 18.],
      'a numpy array': np.array([[10, 12], [16, 18]])})

# 07_optimizers
_new('momentum_buffer', 10.,
     {'with dampening': 1., 'the plain sum': 100, 'less than one step': 0.9, 'one short': 9., 'a string': '10'},
     {'exact to six digits': 9.999734, 'two decimals, as a tensor': torch.tensor(10.00), 'an int': 10})
def wd_step(p, grad, lr, wd): return p - lr*(grad + wd*p)
def _wd_in_place(p, grad, lr, wd): grad.add_(p, alpha=wd); return p.sub_(lr*grad)
def _wd_no_grad_mode(p, grad, lr, wd): torch.set_grad_enabled(False); return p - lr*grad
_new('wd_step', wd_step,
     {'wd ignored': lambda p, g, lr, wd: p - lr*g, 'the wrong sign of the decay': lambda p, g, lr, wd: p - lr*(g - wd*p),
      'the decay not scaled by lr': lambda p, g, lr, wd: p - lr*g - wd*p, 'twice the decay': lambda p, g, lr, wd: p - lr*(g + 2*wd*p),
      'wd taken as 1': lambda p, g, lr, wd: p - lr*(g + p),
      'lr and wd hard-coded': lambda p, g, lr, wd: p - 0.1*(g + 0.3*p), 'up the gradient': lambda p, g, lr, wd: p + lr*(g + wd*p),
      'switches autograd off and ignores wd': _wd_no_grad_mode},
     {'in place on its (private) inputs': _wd_in_place, 'shrink, then step, float64': lambda p, g, lr, wd: p.double()*(1 - lr*wd) - lr*g.double(),
      'torch.optim.SGD itself': lambda p, g, lr, wd: (lambda q: (setattr(q, 'grad', g.clone()), torch.optim.SGD([q], lr=lr, weight_decay=wd).step(), q.detach())[-1])(p.clone().requires_grad_())})

# 07a_theory
_new('gd_rate', 0.9,
     {'the signed factor': -0.9, 'the flattest direction': 0.81, 'the middle direction': 0.24, 'the best step\'s rate': 9/11,
      'the mean of the factors': (0.81 + 0.24 + 0.9)/3, 'a string': '0.9'},
     {'a fraction': 9/10, 'a tensor': torch.tensor(0.9, dtype=torch.float64)})
_new('kappa_diverge', {'kappa': 6, 'diverge': [0.34, 0.4]},
     {'the diagonal ratio': {'kappa': 2.5, 'diverge': [0.4]}, 'upside down': {'kappa': 1/6, 'diverge': [0.34, 0.4]},
      'the smallest eigenvalue limits': {'kappa': 6, 'diverge': []}, 'above 1/λmax': {'kappa': 6, 'diverge': [0.2, 0.3, 0.34, 0.4]},
      'one missed': {'kappa': 6, 'diverge': [0.4]}, 'a list, not a dict': [6, [0.34, 0.4]], 'the square root of κ': {'kappa': 6**0.5, 'diverge': [0.34, 0.4]}},
     {'a tuple of steps in another order, κ as a tensor': {'kappa': torch.tensor(6.), 'diverge': (0.4, 0.34)},
      'a float κ from numpy': {'kappa': np.float64(6.000000001), 'diverge': {0.34, 0.4}}})
def heavy_ball(mu, L): return (2/(L**0.5 + mu**0.5))**2, ((L**0.5 - mu**0.5)/(L**0.5 + mu**0.5))**2
_new('heavy_ball', heavy_ball,
     {"plain GD's best step": lambda mu, L: (2/(L + mu), heavy_ball(mu, L)[1]),
      'α not squared': lambda mu, L: (2/(L**0.5 + mu**0.5), heavy_ball(mu, L)[1]),
      'β from κ': lambda mu, L: (heavy_ball(mu, L)[0], ((L/mu - 1)/(L/mu + 1))**2),
      'β is the rate': lambda mu, L: (heavy_ball(mu, L)[0], ((L/mu)**0.5 - 1)/((L/mu)**0.5 + 1)),
      'hard-coded for κ = 100': lambda mu, L: heavy_ball(1., 100.), 'one number': lambda mu, L: heavy_ball(mu, L)[0]},
     {'a list of tensors': lambda mu, L: [torch.tensor(v) for v in heavy_ball(mu, L)],
      'through κ': lambda mu, L: (4/(L**0.5 + mu**0.5)**2, (1 - 2/((L/mu)**0.5 + 1))**2)})

# 08_schedules
_new('one_cycle_ends', (0.004, 1e-6),
     {'starts at the peak': (0.1, 1e-6), 'divided by div_final at the start': (1e-6, 1e-6),
      'the end divided by div too': (0.004, 4e-8), 'ends at 0': (0.004, 0.), 'ends where it starts': (0.004, 0.004),
      'one number': 0.004},
     {'a list of fractions': [0.1/25, 0.1/1e5], 'numpy numbers': (np.float32(0.004), np.float64(1e-6))})
def triangle(lr_max, pct):
    def sched(pos): return lr_max*pos/pct if pos < pct else lr_max*(1 - pos)/(1 - pct)
    return sched
def _combined_triangle(lr_max, pct):
    edges = (0., pct, 1.)
    def sched(pos):
        i = 0 if pos < pct else 1
        t = (pos - edges[i])/(edges[i + 1] - edges[i])
        return [lambda t: lr_max*t, lambda t: lr_max*(1 - t)][i](t)
    return sched
_new('triangle', triangle,
     {'no warm-up': lambda lr, pct: (lambda pos: lr*(1 - pos)), 'never comes down': lambda lr, pct: (lambda pos: lr*min(1, pos/pct)),
      'cosine down': lambda lr, pct: (lambda pos: lr*pos/pct if pos < pct else lr*(1 + math.cos(math.pi*(pos - pct)/(1 - pct)))/2),
      'ends at lr/10': lambda lr, pct: (lambda pos: lr*pos/pct if pos < pct else lr*(1 - 0.9*(pos - pct)/(1 - pct))),
      'pct ignored': lambda lr, pct: triangle(lr, 0.3), 'the rate, not a schedule': lambda lr, pct: lr},
     {'two phases, as combine_scheds does': _combined_triangle, 'a tensor rate, via min': lambda lr, pct: (lambda pos: torch.tensor(lr*min(pos/pct, (1 - pos)/(1 - pct))))})

# 09_distributed
_new('shards', [(0, 2), (2, 5), (5, 7), (7, 10)],
     {'the big shards first': [(0, 3), (3, 6), (6, 8), (8, 10)], 'the remainder at the end': [(0, 2), (2, 4), (4, 6), (6, 10)],
      'rounded up': [(0, 3), (3, 5), (5, 8), (8, 10)], 'three of three': [(0, 3), (3, 6), (6, 9), (9, 10)],
      'overlapping': [(0, 3), (2, 5), (5, 7), (7, 10)], 'a string': '[(0, 2), (2, 5), (5, 7), (7, 10)]'},
     {'lists': [[0, 2], [2, 5], [5, 7], [7, 10]], 'slices turned to pairs, as numpy ints': [tuple(np.int64(x) for x in p) for p in [(0, 2), (2, 5), (5, 7), (7, 10)]]})
def scaled_lr(step, bs, base_bs, base_lr, warmup):
    top = base_lr*bs/base_bs
    return top*min(1., step/warmup) if warmup else top
_new('warmup_lr', scaled_lr,
     {'square-root scaling': lambda s, bs, b0, lr, w: lr*(bs/b0)**0.5*(min(1., s/w) if w else 1.),
      'not scaled': lambda s, bs, b0, lr, w: lr*(min(1., s/w) if w else 1.),
      'no warm-up': lambda s, bs, b0, lr, w: lr*bs/b0,
      'one step early': lambda s, bs, b0, lr, w: lr*bs/b0*(min(1., (s + 1)/w) if w else 1.),
      'warms up to the base rate, then jumps': lambda s, bs, b0, lr, w: lr*min(1., s/w) if w and s < w else lr*bs/b0,
      'a string': lambda s, bs, b0, lr, w: '0.8'},
     {'a tensor, float64': lambda s, bs, b0, lr, w: torch.tensor(scaled_lr(s, bs, b0, lr, w), dtype=torch.float64),
      'a linear ramp by interpolation (numpy)': lambda s, bs, b0, lr, w: np.interp(s, [0, w], [0, lr*bs/b0]) if w else lr*bs/b0})

# answers that change torch's global state (and are wrong): the check says so, and the next check is not harmed
def _triangle_dtype(lr, pct): torch.manual_seed(0); torch.set_default_dtype(torch.float64); return lambda pos: lr
def _scaled_lr_grad_off(s, bs, b0, lr, w): torch.set_grad_enabled(False); return lr*bs/b0
def _heavy_ball_threads(mu, L): torch.set_num_threads(1); random.seed(0); np.random.seed(0); return 2/(L + mu), 0.
MISTAKES['triangle']['changes the default dtype and the seed, and never moves'] = _triangle_dtype
MISTAKES['warmup_lr']['switches autograd off, no warm-up'] = _scaled_lr_grad_off
MISTAKES['heavy_ball']['changes the threads and the seeds, plain GD'] = _heavy_ball_threads
