"""What the notebooks cannot show about the exercises: every check against the table of solutions, mistakes and
unusual right answers; answers that harm torch's global state, hang or print megabytes; the module in a bare
process. (The practice-notebook generator's tests are in test_ci_scripts.py.)"""
import importlib.util, json, random, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import mnist37.exercises as E

root = Path(__file__).resolve().parent.parent


def run(*args, **kw):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=root, **kw)


def test_exercises_need_only_torch():
    "A student's Jupyter without nbdev: importing the checks and running one loads no nbdev, fastcore or fastai."
    code = ("import sys, mnist37.exercises as E\n"
            "v = E.run_check('mnist_loss', lambda p, t: p.sigmoid().mean())\n"
            "assert v.status == 'wrong', v\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('nbdev', 'fastcore', 'fastai', 'execnb'))\n"
            "assert not bad, bad\n")
    r = run('-c', code)
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------------------------------------------------------
# The checks themselves: a table of cases (exercise, answer, expected status), run one by one.
_spec = importlib.util.spec_from_file_location('exercise_solutions', root/'tests'/'exercise_solutions.py')
sol = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(sol)

def _stub(name):
    "The stub's answer, defined as the chapter defines it."
    from mnist37.learner import Callback
    ns = {'torch': torch, 'nn': nn, 'Callback': Callback}; exec(E.EXERCISES[name].stub, ns)
    return ns[E.EXERCISES[name].answer]

CASES = ([(n, 'the solution', sol.SOLUTIONS[n], 'right') for n in E.EXERCISES]
         + [(n, 'the stub', None, 'todo') for n in E.EXERCISES]
         + [(n, f'style: {why}', a, 'right') for n in E.EXERCISES for why, a in sol.STYLES[n].items()]
         + [(n, f'mistake: {why}', a, 'wrong') for n in E.EXERCISES for why, a in sol.MISTAKES[n].items()])

def _state():
    return (torch.is_grad_enabled(), torch.get_default_dtype(), torch.get_num_threads(), torch.get_rng_state(),
            random.getstate()[1], np.random.get_state()[1].tobytes())

@pytest.mark.parametrize('name,why,answer,status', CASES, ids=[f'{c[0]}-{c[1]}' for c in CASES])
def test_check(name, why, answer, status, capsys):
    "Each case gets its status, in one printed line, and the notebook's global state is as it was."
    if why == 'the stub': answer = _stub(name)
    before = _state()
    v = getattr(E, f'check_{name}')(answer)
    assert (v.status, v.ok) == (status, status == 'right'), v.message
    printed = capsys.readouterr().out
    assert printed.strip() == v.message and 'Traceback' not in printed and '\n' not in v.message, printed
    after = _state()
    assert after[:3] == before[:3] and torch.equal(after[3], before[3]) and after[4:] == before[4:]

def test_the_table_is_big_enough():
    ("Issue 25's counts: every exercise has at least 4 mistakes and 2 unusual right styles; 120 mistakes in all; 35 "
     "exercises, 14 of them transfers or predictions, 2 or more in every chapter.")
    assert set(sol.SOLUTIONS) == set(sol.MISTAKES) == set(sol.STYLES) == set(E.EXERCISES)
    exs = list(E.EXERCISES.values())
    assert len(exs) >= 35 and sum(e.kind != 'rewrite' for e in exs) >= 14
    per = {nb: sum(e.nb == nb for e in exs) for nb in ('00_data', '01_baseline', '02_sgd', '03_compare', '03a_learner',
           '03b_digits', '04_questionnaire', '05_gd', '06_minibatch', '07_optimizers', '07a_theory', '08_schedules',
           '09_distributed')}
    assert min(per.values()) >= 2, per
    assert min(len(m) for m in sol.MISTAKES.values()) >= 4 and min(len(s) for s in sol.STYLES.values()) >= 2
    assert sum(map(len, sol.MISTAKES.values())) >= 120

def test_messages_never_show_the_solution():
    "No verdict on a mistake quotes the code or formula of a solution."
    leaks = ('range(n)', 'mean((-1, -2))', '.unsqueeze(1)', 'log(sum(exp', 'keepdim', 'params.grad = None',
             'p.grad.data', '.abs()', 'torch.randperm', 'dim=1', 'torch.randn', '.requires_grad_()', 'backward()')
    for n in E.EXERCISES:
        for why, a in sol.MISTAKES[n].items():
            msg = E.run_check(n, a).message
            assert not [l for l in leaks if l in msg], (n, why, msg)

# ---------------------------------------------------------------------------------------------------------------
# Answers that harm what comes after them: each bad answer, then another exercise's right answer, which must pass.
def _grad_off(p, t): torch.set_grad_enabled(False); return sol.mnist_loss(p, t)
def _dtype64(p, t): torch.set_default_dtype(torch.float64); raise ValueError('after changing the default dtype')
def _seeds(n, bs, seed): torch.manual_seed(0); random.seed(0); np.random.seed(0); torch.set_num_threads(1); return None
def _unsqueeze(p, t): t.unsqueeze_(1); p.unsqueeze_(1); return sol.mnist_loss(p, t)

@pytest.mark.parametrize('bad', [('mnist_loss', _grad_off), ('mnist_loss', _dtype64), ('epoch_batches', _seeds),
                                 ('mnist_loss', _unsqueeze), ('mean_image', lambda s: s.zero_().mean(0)),
                                 ('rmse', sol._rmse_in_place), ('wd_step', sol._wd_no_grad_mode),
                                 ('pm1_loss', sol._pm1_zeroes_targets), ('wd_step', sol._wd_in_place),
                                 ('triangle', sol._triangle_dtype), ('warmup_lr', sol._scaled_lr_grad_off),
                                 ('heavy_ball', sol._heavy_ball_threads)], ids=lambda b: f'{b[0]}-{b[1].__name__}')
@pytest.mark.parametrize('then', ['mnist_loss', 'sgd_step', 'init_params', 'fit_quadratic', 'basic_optim', 'rmse', 'pm1_loss',
                                  'wd_step', 'warmup_lr', 'triangle', 'heavy_ball'])
def test_a_bad_answer_does_not_harm_the_next_check(bad, then):
    before = _state()
    E.run_check(*bad)
    assert _state()[:3] == before[:3] and torch.equal(_state()[3], before[3])
    assert E.run_check(then, sol.SOLUTIONS[then]).ok

def test_the_right_answer_is_right_after_in_place_changes():
    "The issue's false failures: `a -= b` in a right RMSE, `unsqueeze_` in a right loss, are told right."
    assert E.run_check('rmse', sol._rmse_in_place).ok
    def loss(p, t): t.unsqueeze_(1); return sol.mnist_loss(p[:, None], t)
    assert E.run_check('mnist_loss', loss).ok

def test_a_hang_is_stopped(monkeypatch):
    "An answer that never returns is stopped after the time limit, with a message that says so."
    monkeypatch.setattr(E, '_LIMIT_S', 0.5)
    def forever(a, b):
        while True: pass
    v = E.run_check('rmse', forever)
    assert v.status == 'wrong' and 'stopped my_rmse(a, b) after 0.5 s' in v.message, v.message
    assert E.run_check('rmse', sol.SOLUTIONS['rmse']).ok           # the timer is gone

def test_megabytes_of_output_are_bounded(capsys):
    "An answer that prints 5 MB: the verdict keeps the first 2,000 characters and says how many more there were."
    def chatty(a, b): print('x'*5_000_000); return sol.SOLUTIONS['rmse'](a, b)
    v = E.check_rmse(chatty)
    out = capsys.readouterr().out
    assert v.ok and len(out) < 3000 and '4,998,001 more characters not shown' in out, out[-200:]

def test_strings_and_numpy_where_a_number_is_asked():
    assert 'string' in E.run_check('max_param_diff', lambda ps, qs: '2.0').message
    assert E.run_check('max_lr', lambda H: np.float32(2/np.linalg.eigvalsh(H.numpy()).max())).ok
    assert E.run_check('max_param_diff', lambda ps, qs: np.array([sol.max_param_diff(ps, qs)])).ok
    assert not E.run_check('max_param_diff', lambda ps, qs: np.array([2.0, 1.0])).ok

# ---------------------------------------------------------------------------------------------------------------
# The chapters' exercise cells, as .ci/exercises.py writes them (CI's `exercises.py check` proves the chapters hold them)
sys.path.insert(0, str(root/'.ci'))
import exercises as gen   # noqa: E402  (.ci/exercises.py)

@pytest.mark.parametrize('name', list(E.EXERCISES))
def test_the_generated_stub_and_check_cells(name, capsys):
    "Each exercise's stub cell and check cell, run as a chapter has them (no data needed): 'not done yet', as saved."
    from mnist37.learner import Callback
    statement, stub, check = gen.ex_cells(E.EXERCISES[name])
    assert [c['id'] for c in (statement, stub, check)] == [f'ex-{name}-{k}' for k in ('statement', 'stub', 'check')]
    ns = {'torch': torch, 'nn': nn, 'Callback': Callback, **{k: getattr(E, k) for k in E.__all__}}
    exec(gen._src(stub), ns); exec(gen._src(check), ns)
    out = capsys.readouterr().out
    assert out.startswith('⏳ Not done yet'), out
    assert out == ''.join(check['outputs'][0]['text'])

def _cell(src, kind='code', id=None, **md):
    c = {'cell_type': kind, 'id': id or f'c{abs(hash(src)) % 10**8}', 'metadata': md, 'source': src}
    if kind == 'code': c.update(outputs=[], execution_count=None)
    return c

def _ex(name, kind, anchors=(), reveals=(), before=False):
    return E.Exercise(name, 'xx', tuple(anchors), name, f'Do {name}.', f'my_{name} = None', f'my_{name}', None, kind,
                      tuple(reveals), before)

@pytest.fixture
def chapter(monkeypatch):
    monkeypatch.setattr(gen, 'not_done', lambda ex: f'⏳ Not done yet ({ex.name})')
    return {'cells': [_cell('# T', 'markdown', 't'), _cell('## Part one', 'markdown', 'h1'), _cell('def foo(x): return 2*x', id='foo'),
                      _cell('foo(21)', id='use', tags=['hide-input'], jupyter={'source_hidden': True}),
                      _cell('#| hide\nassert foo(1) == 2', id='test'), _cell('## Part two', 'markdown', 'h2'),
                      _cell('y = foo(3)', id='y')], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}

def test_sync_places_each_kind_and_folds_what_reveals_it(chapter):
    exs = [_ex('rw', 'rewrite', reveals=[r'def foo']), _ex('pr', 'prediction', reveals=[r'^foo\(21\)', r'foo\(1\)']),
           _ex('tr', 'transfer', anchors=[r'^## Nowhere', r'^## Part two']), _ex('tb', 'transfer', anchors=[r'y = foo'], before=True)]
    nb = gen.synced(chapter, exs)
    ids = [c['id'] for c in nb['cells']]
    assert ids == ['t', 'h1', 'ex-import', *[f'ex-rw-{k}' for k in ('statement', 'stub', 'check')], 'foo',
                   *[f'ex-pr-{k}' for k in ('statement', 'stub', 'check')], 'use', 'test', 'h2',
                   *[f'ex-tr-{k}' for k in ('statement', 'stub', 'check')], *[f'ex-tb-{k}' for k in ('statement', 'stub', 'check')], 'y']
    cell = {c['id']: c for c in nb['cells']}
    assert gen._src(cell['ex-import']) == 'from mnist37.exercises import check_rw, check_pr, check_tr, check_tb'
    assert cell['foo']['metadata'] == {'jupyter': {'source_hidden': True, 'outputs_hidden': True}, 'tags': ['hide-cell']}
    assert cell['use']['metadata'] == {'tags': ['hide-input', 'hide-output'], 'jupyter': {'source_hidden': True, 'outputs_hidden': True}}
    assert cell['test']['metadata'] == {} and cell['y']['metadata'] == {}          # a test is never folded; a transfer folds nothing
    assert gen._src(cell['ex-rw-statement']).startswith('**Exercise: rw.** Do rw.') and 'Predict first' in gen._src(cell['ex-pr-statement'])
    again = gen.synced(nb, exs)
    assert again == nb and gen.diff(nb, again) == []                             # idempotent
    assert gen.visible(nb, exs) == []
    assert gen.visible(chapter | {'cells': chapter['cells'][:3] + nb['cells'][2:]}, exs) == ['rw']   # an open copy above

def test_visible_counts_an_open_answer_above(chapter):
    exs = [_ex('tr', 'transfer', anchors=[r'y = foo']), _ex('rw2', 'rewrite', reveals=[r'y = foo'])]
    nb = gen.synced(chapter, exs[:1])
    assert gen.visible(nb, [exs[0]._replace(reveals=(r'def foo',))]) == ['tr']   # `def foo` is open above it

def test_sync_errors_name_the_exercise_notebook_and_regexes(chapter):
    for ex in (_ex('lost', 'transfer', anchors=[r'^## Gone', r'def bar']), _ex('lost', 'rewrite', reveals=[r'def bar'])):
        with pytest.raises(gen.AnchorError) as e: gen.synced(chapter, [ex])
        assert "exercise 'lost'" in str(e.value) and 'nbs/xx.ipynb' in str(e.value) and 'def bar' in str(e.value)

def test_check_and_report_on_a_copy(tmp_path, monkeypatch, capsys):
    "sync writes a chapter, check then passes, fails naming a lost cell; a chapter not there yet is skipped, with a note."
    (tmp_path/'nbs').mkdir()
    (tmp_path/'nbs'/'01_baseline.ipynb').write_text((root/'nbs'/'01_baseline.ipynb').read_text())
    monkeypatch.setattr(gen, 'root', tmp_path)
    assert gen.run('sync', report=True) == 0
    out = capsys.readouterr().out
    assert 'note: skipped nbs/02_sgd.ipynb: not there yet' in out and 'answer visible above the exercise: 0' in out, out
    assert gen.run('check') == 0
    nb = json.loads((tmp_path/'nbs'/'01_baseline.ipynb').read_text())
    nb['cells'] = [c for c in nb['cells'] if c.get('id') != 'ex-rmse-check']
    (tmp_path/'nbs'/'01_baseline.ipynb').write_text(json.dumps(nb))
    assert gen.run('check') == 1
    assert 'nbs/01_baseline.ipynb: sync would change it: missing ex-rmse-check' in capsys.readouterr().out
