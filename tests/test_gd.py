"mnist37.gd: the classic 1-D / 2-D demos against closed forms and the textbook's printed values."
import math

import pytest

from mnist37.gd import (d2xcos, dxcos, gd, gd_2d, newton, noisy_sgd_2d, show_trace, show_trace_2d,
                        train_2d, xcos)


@pytest.mark.parametrize('eta', [0.2, 0.05, 1.1])
def test_gd_on_x_squared_is_the_closed_form(eta):
    tr = gd(lambda x: 2*x, eta)
    assert len(tr) == 11
    for t, x in enumerate(tr): assert x == pytest.approx(10*(1 - 2*eta)**t, rel=1e-12, abs=1e-15)


def test_textbook_values_digit_for_digit():
    assert gd(lambda x: 2*x, 0.2)[-1] == 0.06046617599999997
    assert gd(dxcos, 2)[-1] == -1.528165927635083
    assert newton(dxcos, d2xcos, 1.)[-1] == 26.83413291324767
    assert newton(dxcos, d2xcos, 0.5)[-1] == 7.269860168684531
    c = 0.5
    assert newton(lambda x: c*math.sinh(c*x), lambda x: c*c*math.cosh(c*x))[-1] == 0.0


def test_xcos_derivatives_by_finite_differences():
    for x in (-3., 0.5, 7.):
        assert dxcos(x) == pytest.approx((xcos(x + 1e-6) - xcos(x - 1e-6))/2e-6, abs=1e-6)
        assert d2xcos(x) == pytest.approx((dxcos(x + 1e-6) - dxcos(x - 1e-6))/2e-6, abs=1e-6)


@pytest.mark.parametrize('a1,a2,eta', [(1, 2, 0.1), (0.1, 2, 0.4), (0.1, 2, 0.6)])
def test_gd_2d_is_the_closed_form(a1, a2, eta):
    res = train_2d(gd_2d(lambda x1, x2: (2*a1*x1, 2*a2*x2), eta))
    assert len(res) == 21
    for t, (x1, x2) in enumerate(res):
        assert x1 == pytest.approx(-5*(1 - 2*a1*eta)**t, rel=1e-9)
        assert x2 == pytest.approx(-2*(1 - 2*a2*eta)**t, rel=1e-9)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="unknown schedule 'step'"):
        noisy_sgd_2d(lambda a, b: (a, b), 0.1, 'step')


def test_plots_return_axes():
    import matplotlib; matplotlib.use('Agg')
    ax = show_trace(lambda x: x*x, gd(lambda x: 2*x, 0.2))
    assert len(ax.lines) == 2
    ax = show_trace_2d(lambda a, b: a*a + b*b, train_2d(gd_2d(lambda a, b: (2*a, 2*b), 0.1)))
    assert len(ax.lines) == 1
