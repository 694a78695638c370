"""The hidden checks themselves: a correct function passes, wrong ones fail with a useful message,
and patching numpy / bnbook / the checker in the calling process changes nothing."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from bncourse.grading.cases import load_case, load_cases
from bncourse.grading.verify import verify


def stats(X):
    return X.mean(axis=0), X.var(axis=0)


def batchnorm(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return gamma.reshape(shape) * (x - mean) / np.sqrt(var + eps) + beta.reshape(shape)


def test_correct_function_passes():
    verify("feature-scaling", "stats", stats)
    for case in ("forward_2d", "forward_4d", "epsilon"):
        verify("bn-forward", case, batchnorm)


def test_unbiased_variance_fails_and_says_which_output():
    with pytest.raises(AssertionError, match="'var' differs"):
        verify("feature-scaling", "stats", lambda X: (X.mean(0), X.var(0, ddof=1)))


def test_hard_coded_answer_fails():
    """The visible example's answer, returned for every input: the random draws catch it."""
    with pytest.raises(AssertionError):
        verify("feature-scaling", "stats", lambda X: (np.array([3.0, 20.0]), np.array([8 / 3, 200.0])))


def test_eps_outside_the_square_root_fails():
    def wrong(x, gamma, beta, eps=1e-5):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        x_hat = (x - x.mean(axis=axes, keepdims=True)) / (x.std(axis=axes, keepdims=True) + eps)
        return gamma.reshape(shape) * x_hat + beta.reshape(shape)

    with pytest.raises(AssertionError, match="differs"):
        verify("bn-forward", "epsilon", wrong)


def test_raising_function_and_wrong_type_are_explained():
    def boom(X):
        raise ValueError("not yet")

    with pytest.raises(AssertionError, match="raised ValueError: not yet"):
        verify("feature-scaling", "stats", boom)
    with pytest.raises(AssertionError, match="None"):
        verify("feature-scaling", "stats", lambda X: (None, None))
    with pytest.raises(AssertionError, match="shape"):
        verify("feature-scaling", "stats", lambda X: (X.mean(), X.var()))


def test_patching_numpy_and_bnbook_here_gains_nothing(monkeypatch):
    """The comparison runs in a fresh interpreter: a patched allclose / testing / bnbook here is moot."""
    import bnbook.functional

    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(bnbook.functional, "normalize_over_axes", lambda x, axes, eps=1e-5: (x, None))
    with pytest.raises(AssertionError):
        verify("feature-scaling", "stats", lambda X: (X.mean(0) + 1.0, X.var(0)))


def test_a_fresh_import_undoes_a_rebound_verify():
    """What the hidden block does: drop bncourse from sys.modules, import again."""
    import bncourse.grading.verify as planted

    planted.verify = lambda *a, **k: None  # a student's "helper"
    try:
        [sys.modules.pop(m) for m in list(sys.modules) if m.startswith("bncourse")]
        from bncourse.grading.verify import verify as fresh

        with pytest.raises(AssertionError):
            fresh("feature-scaling", "stats", lambda X: (X.mean(0), X.var(0) * 2))
    finally:
        [sys.modules.pop(m) for m in list(sys.modules) if m.startswith("bncourse")]


def test_inputs_are_random_at_every_run():
    case = load_case("bn-forward", "forward_4d")
    first = case.make_inputs(np.random.default_rng())
    second = case.make_inputs(np.random.default_rng())
    assert first[0].shape != second[0].shape or not np.array_equal(first[0], second[0])


def test_every_case_reference_runs():
    for assignment in ("feature-scaling", "bn-forward"):
        for name, case in load_cases(assignment).items():
            outputs = case.reference(*case.make_inputs(np.random.default_rng(1)))
            assert len(outputs) == len(case.outputs), name


ONE_BUG = '''
import numpy as np

def feature_stats(X):
    return X.mean(axis=0), X.var(axis=0, ddof=1)   # the bug: part 1 only

def standardize(X, mean, var, eps=1e-8):
    return (X - mean) / np.sqrt(var + eps)

def scale_train_test(X_train, X_test, eps=1e-8):
    mean, var = feature_stats(X_train)
    return standardize(X_train, mean, var, eps), standardize(X_test, mean, var, eps)

class Standardizer:
    def __init__(self, eps=1e-8):
        self.eps = eps

    def fit(self, X):
        self.mean_, self.var_ = feature_stats(X)
        return self

    def transform(self, X):
        return standardize(X, self.mean_, self.var_, self.eps)
'''


def test_one_bug_is_charged_once():
    """A bug in part 1 fails part 1's check only: parts 3 and 4 are checked with part 1 done right,
    and the student's own part 1 is back in their namespace afterwards."""
    ns: dict = {}
    exec(ONE_BUG, ns)
    own = ns["feature_stats"]
    with pytest.raises(AssertionError, match="probably the variance divides by N - 1"):
        verify("feature-scaling", "stats", ns["feature_stats"])
    verify("feature-scaling", "train_test", ns["scale_train_test"])
    verify("feature-scaling", "standardizer", ns["Standardizer"])
    assert ns["feature_stats"] is own


def test_a_part_that_inlines_its_own_bug_is_still_charged():
    ns: dict = {}
    exec(ONE_BUG.replace("mean, var = feature_stats(X_train)",
                         "mean, var = X_train.mean(axis=0), X_train.var(axis=0, ddof=1)"), ns)
    with pytest.raises(AssertionError, match="probably the variance divides by N - 1"):
        verify("feature-scaling", "train_test", ns["scale_train_test"])
