"""The import graph of mnist37: no cycle, fastai's side above the chapter's code, no compatibility shims.

A notebook cannot show this: it is a property of the exported files, read here as source (imports inside
functions count too, since they run the moment the function does)."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent/'mnist37'


def imports_of(src: str) -> set:
    "The mnist37 modules that `src` imports anywhere: `from .x import`, `from mnist37.x import`, `import mnist37.x`."
    found = set()
    for n in ast.walk(ast.parse(src)):
        if isinstance(n, ast.ImportFrom):
            mod = n.module or ''
            if n.level == 1: found.add(mod.split('.')[0] if mod else None)
            elif mod.startswith('mnist37.'): found.add(mod.split('.')[1])
            elif mod == 'mnist37': found.update(a.name for a in n.names)
        elif isinstance(n, ast.Import):
            found.update(a.name.split('.')[1] for a in n.names if a.name.startswith('mnist37.'))
    return found - {None}


def graph(pkg: Path = PKG) -> dict:
    "module -> the package's modules it imports (only modules that exist)."
    mods = {p.stem for p in pkg.glob('*.py') if not p.stem.startswith('_')}
    return {m: imports_of((pkg/f'{m}.py').read_text(encoding='utf-8')) & mods for m in sorted(mods)}


def find_cycle(g: dict) -> list | None:
    "One cycle of `g` as a list of modules (first == last), or None."
    state, stack = {}, []
    def visit(m):
        state[m] = 'open'; stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == 'open': return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)): return c
        state[m] = 'done'; stack.pop()
        return None
    for m in sorted(g):
        if m not in state and (c := visit(m)): return c
    return None


def reaches(g: dict, a: str, b: str) -> bool:
    "Whether module `a` imports `b`, directly or through others."
    seen, todo = set(), [a]
    while todo:
        for n in g.get(todo.pop(), ()):
            if n == b: return True
            if n not in seen: seen.add(n); todo.append(n)
    return False


def test_the_checker_finds_cycles_and_paths():
    "A check that cannot fail is no check: a made-up graph with a cycle, and one without."
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': set()}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': set()}) is None
    assert reaches({'a': {'b'}, 'b': {'c'}}, 'a', 'c') and not reaches({'a': {'b'}, 'b': {'c'}}, 'c', 'a')
    assert imports_of("def f():\n    from .learner import Learner\nimport mnist37.sgd\nfrom mnist37 import data") == {'learner', 'sgd', 'data'}


def test_no_cycle():
    g = graph()
    assert len(g) > 10, g   # every module was read
    assert find_cycle(g) is None, f"import cycle: {' -> '.join(find_cycle(g))}"


@pytest.mark.parametrize('low, high', [('optimizers', 'learner'), ('optimizers', 'compare'), ('optimizers', 'minibatch'),
                                       ('sgd', 'optimizers'), ('sgd', 'learner'), ('sgd', 'compare'), ('checks', 'sgd'),
                                       ('learner', 'compare'), ('data', 'learner'), ('exercises', 'compare')])
def test_layers(low, high):
    "The chapter's code sits below fastai's side (`compare`); the optimizer zoo below the Learner, as in fastai."
    assert not reaches(graph(), low, high), f"mnist37.{low} imports mnist37.{high} (directly or through another module)"


def test_no_compatibility_shims():
    "Until 1.0 a rename is a rename: no module `__getattr__`, no deprecated aliases."
    for p in sorted(PKG.glob('*.py')):
        src = p.read_text(encoding='utf-8')
        assert 'DeprecationWarning' not in src, f"{p.name} still warns about a deprecated name"
        assert not any(isinstance(n, ast.FunctionDef) and n.name == '__getattr__' for n in ast.parse(src).body), \
            f"{p.name} defines a module __getattr__"
