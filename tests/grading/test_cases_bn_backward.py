"""The hidden checks of `bn-backward`: the solution notebook's functions pass every case, realistic
wrong answers fail with a message that names the wrong output, a hard-coded answer fails."""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

import submissions as S
from bncourse.grading.cases import load_cases
from bncourse.grading.verify import verify

A = "bn-backward"


def _solution_namespace() -> dict:
    """The imports cell and the solution cells of the source notebook, run as a student would."""
    nb = nbformat.read(str(S.ROOT / "solutions" / A / f"{A}.ipynb"), as_version=4)
    ns: dict = {}
    exec(next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "imports"), ns)
    for source in S.solutions_of(A).values():
        exec(source, ns)
    return ns


SOLUTION = _solution_namespace()
CASE_FUNCTION = {  # case -> the student's function it checks, as the notebook's hidden blocks say
    "param_grads": "batchnorm_param_grads",
    "backward_2d": "batchnorm_backward",
    "numerical_gradient": "numerical_gradient",
    "compact_2d": "batchnorm_backward_compact",
    "compact_4d": "batchnorm_backward_compact",
}


def test_the_notebook_checks_these_cases():
    nb = S.source_nb(A)
    hidden = "\n".join(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    for case, name in CASE_FUNCTION.items():
        assert f'verify("{A}", "{case}", {name})' in hidden
    assert set(CASE_FUNCTION) == set(load_cases(A))


@pytest.mark.parametrize("case", sorted(CASE_FUNCTION))
def test_solution_passes(case):
    verify(A, case, SOLUTION[CASE_FUNCTION[case]])


def test_staged_backward_passes_the_compact_cases_on_2d():
    """Both ways of writing the gradient are right: the (N, D) graph version passes the compact check."""
    verify(A, "compact_2d", SOLUTION["batchnorm_backward"])


# ----------------------------------------------------------------------------- wrong answers
def _forward(x, eps, ddof=0, axes=None):
    axes = (0,) + tuple(range(2, x.ndim)) if axes is None else axes
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    m = xc.size // int(np.prod([x.shape[a] for a in range(x.ndim) if a not in axes]))
    var = (xc ** 2).sum(axis=axes, keepdims=True) / (m - ddof)
    return axes, m, xc, var


def _backward(dy, x, gamma, eps=1e-5, *, ddof=0, eps_outside=False, fixed_eps=None, var_without_eps=False,
              via_mu=True, via_var=True, use_gamma=True, m_is_n=False, axes=None, dgamma_from_xc=False):
    """The staged backward with one mistake switched on."""
    eps = fixed_eps if fixed_eps is not None else eps
    axes, m, xc, var = _forward(x, eps, ddof, axes)
    m = x.shape[0] if m_is_n else m
    g = np.reshape(gamma, (1, -1) + (1,) * (x.ndim - 2)) if use_gamma else 1.0
    s = 1.0 / (np.sqrt(var) + eps) if eps_outside else 1.0 / np.sqrt(var + eps)
    x_hat = xc * s
    dbeta = dy.sum(axis=axes)
    dgamma = (dy * (xc if dgamma_from_xc else x_hat)).sum(axis=axes)
    dx_hat = dy * g
    with np.errstate(divide="ignore", invalid="ignore"):
        s3 = var ** -1.5 if var_without_eps else s ** 3
        dvar = -0.5 * s3 * (dx_hat * xc).sum(axis=axes, keepdims=True)
    dx = dx_hat * s
    if via_mu:
        dx = dx - s * dx_hat.sum(axis=axes, keepdims=True) / m
    if via_var:
        dx = dx + dvar * 2.0 * xc / m
    return dx, dgamma.reshape(-1), dbeta.reshape(-1)


def _wrong(**mistake):
    return lambda dy, x, gamma, eps=1e-5: _backward(dy, x, gamma, eps, **mistake)


def test_the_mistake_free_helper_is_right():
    """So that each wrong answer below differs from a right one by its one mistake only."""
    verify(A, "compact_4d", _wrong())


WRONG_BACKWARD = {
    "naive gradient (statistics treated as constants)": (dict(via_mu=False, via_var=False), "dx"),
    "forgets the path through mu": (dict(via_mu=False), "dx"),
    "forgets the path through the variance": (dict(via_var=False), "dx"),
    "unbiased variance": (dict(ddof=1), "dx"),
    "eps outside the square root": (dict(eps_outside=True), "dx"),
    "ignores the eps argument": (dict(fixed_eps=1e-5), "dx"),
    "(sigma^2)^(-3/2) without eps in dvar": (dict(var_without_eps=True), "dx"),  # NaN on a constant channel
    "forgets gamma": (dict(use_gamma=False), "dx"),
    "dgamma from x - mu instead of x_hat": (dict(dgamma_from_xc=True), "dgamma"),
}


@pytest.mark.parametrize("mistake", sorted(WRONG_BACKWARD))
def test_wrong_backward_fails_and_names_the_output(mistake):
    kwargs, output = WRONG_BACKWARD[mistake]
    for case in ("backward_2d", "compact_4d"):
        with pytest.raises(AssertionError, match=f"'{output}' (differs|contains NaN)"):
            verify(A, case, _wrong(**kwargs))


@pytest.mark.parametrize("mistake, kwargs", [("m = N instead of N*H*W", dict(m_is_n=True)),
                                             ("statistics over axis 0 only", dict(axes=(0,)))])
def test_wrong_axes_on_images_fail(mistake, kwargs):
    with pytest.raises(AssertionError, match="'dx'"):
        verify(A, "compact_4d", _wrong(**kwargs))
    verify(A, "compact_2d", _wrong(**kwargs))  # the same mistake is harmless on (N, D)


def test_a_2d_only_solution_fails_on_images():
    with pytest.raises(AssertionError, match="your code raised|'dx'"):
        verify(A, "compact_4d", SOLUTION["batchnorm_backward"])


@pytest.mark.parametrize("wrong, output", [
    (lambda dy, x_hat: ((dy * x_hat).mean(axis=0), dy.mean(axis=0)), "'dgamma' differs"),  # means, not sums
    (lambda dy, x_hat: (dy.sum(axis=0), (dy * x_hat).sum(axis=0)), "'dgamma' differs"),  # swapped
    (lambda dy, x_hat: ((dy * x_hat).sum(), dy.sum()), "'dgamma' has shape"),  # summed over everything
    (lambda dy, x_hat: ((dy * x_hat).sum(axis=0), dy.sum(axis=0)[None]), "'dbeta' has shape"),  # (1, D)
])
def test_wrong_param_grads_fail(wrong, output):
    with pytest.raises(AssertionError, match=output):
        verify(A, "param_grads", wrong)


def _one_sided(f, x, h=1e-5):
    grad, f0 = np.zeros_like(x), f(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        grad[k] = (f(x) - f0) / h
        x[k] = old
    return grad


def _not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        x[k] += h
        f_plus = f(x)
        x[k] -= 2 * h
        grad[k] = (f_plus - f(x)) / (2 * h)
    return grad


def _perturbs_a_copy(f, x, h=1e-5):
    grad, flat = np.zeros(x.size), x.flatten()  # a copy: f(x) never sees the change
    for k in range(x.size):
        flat[k] += h
        f_plus = f(x)
        flat[k] -= 2 * h
        grad[k] = (f_plus - f(x)) / (2 * h)
        flat[k] += h
    return grad.reshape(x.shape)


@pytest.mark.parametrize("wrong, message", [
    (_one_sided, "'gradient' differs"),
    (lambda f, x, h=1e-5: 2 * SOLUTION["numerical_gradient"](f, x, h), "'gradient' differs"),  # divides by h
    (lambda f, x, h=1e-5: SOLUTION["numerical_gradient"](f, x, h).reshape(-1), "'gradient' has shape"),
    (_not_restored, "changed x"),
    (_perturbs_a_copy, "'gradient' differs"),
])
def test_wrong_numerical_gradient_fails(wrong, message):
    with pytest.raises(AssertionError, match=message):
        verify(A, "numerical_gradient", wrong)


def test_hard_coded_answer_fails():
    """The visible example's answer, returned for every input: the random draws catch it."""
    dx = np.array([[-0.215031, -0.442718], [0.809543, -0.221359], [-1.568488, 0.442718], [0.973976, 0.221359]])
    answer = (dx, np.array([-1.960608, -0.632454]), np.array([0.2, 2.0]))
    for case in ("backward_2d", "compact_2d"):
        with pytest.raises(AssertionError):
            verify(A, case, lambda dy, x, gamma, eps=1e-5: answer)
    with pytest.raises(AssertionError):
        verify(A, "param_grads", lambda dy, x_hat: (np.array([-2.0, -3.6]), np.array([3.0, 1.5])))


def test_zero_backward_fails_because_dy_is_random():
    """With an all-ones dy the true dx is zero; the cases' dy is random, so zeros are caught."""
    def zeros(dy, x, gamma, eps=1e-5):
        _, dgamma, dbeta = SOLUTION["batchnorm_backward_compact"](dy, x, gamma, eps)
        return np.zeros_like(x), dgamma, dbeta

    for case in ("backward_2d", "compact_2d", "compact_4d"):
        with pytest.raises(AssertionError, match="'dx' differs"):
            verify(A, case, zeros)
    rng = np.random.default_rng()
    for name, case in load_cases(A).items():
        for _ in range(20):
            inputs = case.make_inputs(rng)
            dy = inputs[1] if name == "numerical_gradient" else inputs[0]
            axes = (0,) + tuple(range(2, dy.ndim))
            assert np.all(np.ptp(dy, axis=axes) > 0), name  # never constant within a channel


def test_inputs_are_random_at_every_run():
    for name, case in load_cases(A).items():
        first = case.make_inputs(np.random.default_rng())
        second = case.make_inputs(np.random.default_rng())
        assert first[0].shape != second[0].shape or not np.array_equal(first[0], second[0]), name


def test_every_case_reference_runs():
    for name, case in load_cases(A).items():
        outputs = case.reference(*case.make_inputs(np.random.default_rng(1)))
        assert len(outputs) == len(case.outputs), name
        assert all(np.all(np.isfinite(o)) for o in outputs), name
