"""The hidden checks of ``bn-inference``: the solution passes, typical mistakes fail and the message
names the wrong output, a hard-coded answer fails, every reference runs."""
from __future__ import annotations

import numpy as np
import pytest

import submissions as S
from bncourse.grading.cases import load_case, load_cases
from bncourse.grading.reference import compare
from bncourse.grading.verify import verify

A = "bn-inference"


@pytest.fixture(scope="module")
def sol() -> dict:
    """The solution cells of the source notebook, run as a student would type them."""
    namespace = {"np": np}
    for source in S.solutions_of(A).values():
        exec(source, namespace)  # noqa: S102 - our own solution code
    return namespace


def _wrong_update(kind):
    def update(running_mean, running_var, batch_mean, batch_var_biased, m, momentum):
        var = {"biased": batch_var_biased, "inverse": batch_var_biased * (m - 1) / m}.get(
            kind, batch_var_biased * m / (m - 1))
        w = 1 - momentum if kind == "keras" else momentum  # "keras": momentum as the old estimate's weight
        return (1 - w) * running_mean + w * batch_mean, (1 - w) * running_var + w * var

    return update


def _layer(sol, **overrides):
    """The solution's BatchNorm1d with some methods replaced by wrong ones."""
    return type("WrongBatchNorm1d", (sol["BatchNorm1d"],), overrides)


def _forward_with(stats_for_train, eps_outside=False, running_in_eval_moves=False, update=None):
    """A forward pass built from parts, so each wrong layer differs from the solution in one thing."""
    def forward(self, x):
        if self.training:
            mean, var = stats_for_train(self, x)
            self.running_mean, self.running_var = (update or _wrong_update("right"))(
                self.running_mean, self.running_var, x.mean(axis=0), x.var(axis=0), x.shape[0], self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        denominator = np.sqrt(var) + self.eps if eps_outside else np.sqrt(var + self.eps)
        y = self.gamma * (x - mean) / denominator + self.beta
        if running_in_eval_moves and not self.training:
            self.running_mean = 0.9 * self.running_mean + 0.1 * x.mean(axis=0)
        return y

    return forward


def _batch_stats(self, x):
    return x.mean(axis=0), x.var(axis=0)


# ----------------------------------------------------------------------------- the solution passes
def test_solution_passes_every_case(sol):
    verify(A, "update_running", sol["update_running"])
    verify(A, "train_mode", sol["BatchNorm1d"])
    verify(A, "eval_mode", sol["BatchNorm1d"])
    verify(A, "fold", sol["fold_bn_into_linear"])


@pytest.mark.parametrize("case_name, target", [("update_running", "update_running"), ("train_mode", "BatchNorm1d"),
                                               ("eval_mode", "BatchNorm1d"), ("fold", "fold_bn_into_linear")])
def test_solution_passes_many_draws_in_process(sol, case_name, target):
    """The tolerances leave room for any float64 solution: 300 draws, same comparison as the grader."""
    case = load_case(A, case_name)
    rng = np.random.default_rng(12345)
    for _ in range(300):
        inputs = case.make_inputs(rng)
        got = [np.asarray(g) for g in case.call(sol[target], *inputs)]
        assert compare(case, got, case.reference(*inputs), inputs) is None


def test_every_case_reference_runs():
    for name, case in load_cases(A).items():
        outputs = case.reference(*case.make_inputs(np.random.default_rng(1)))
        assert len(outputs) == len(case.outputs), name


def test_inputs_are_random_at_every_run():
    for name, case in load_cases(A).items():
        first = case.make_inputs(np.random.default_rng())
        second = case.make_inputs(np.random.default_rng())
        assert any(np.shape(a) != np.shape(b) or not np.array_equal(a, b) for a, b in zip(first, second)), name


# ----------------------------------------------------------------------------- part 1: update_running
def test_update_with_the_keras_direction_fails_on_running_mean():
    with pytest.raises(AssertionError, match="'running_mean' differs"):
        verify(A, "update_running", _wrong_update("keras"))


@pytest.mark.parametrize("kind", ["biased", "inverse"])
def test_update_with_a_biased_running_variance_fails_on_running_var(kind):
    with pytest.raises(AssertionError, match="'running_var' differs"):
        verify(A, "update_running", _wrong_update(kind))


def test_update_hard_coded_answer_fails():
    """The visible example's answer, returned for every input."""
    with pytest.raises(AssertionError):
        verify(A, "update_running", lambda *args: (np.array([0.2, -0.4]), np.array([1.3, 0.9 + 0.2 / 3])))


# ----------------------------------------------------------------------------- part 2: training mode
def test_train_keras_momentum_fails_on_running_mean(sol):
    wrong = _layer(sol, forward=_forward_with(_batch_stats, update=_wrong_update("keras")))
    with pytest.raises(AssertionError, match="'running_mean after the training batches' differs"):
        verify(A, "train_mode", wrong)


def test_train_biased_running_variance_fails_on_running_var(sol):
    wrong = _layer(sol, forward=_forward_with(_batch_stats, update=_wrong_update("biased")))
    with pytest.raises(AssertionError, match="'running_var after the training batches' differs"):
        verify(A, "train_mode", wrong)


def test_train_normalizing_with_the_unbiased_variance_fails_on_y(sol):
    wrong = _layer(sol, forward=_forward_with(lambda self, x: (x.mean(axis=0), x.var(axis=0, ddof=1))))
    with pytest.raises(AssertionError, match="'y of the last training batch' differs"):
        verify(A, "train_mode", wrong)


def test_train_normalizing_with_the_running_statistics_fails_on_y(sol):
    wrong = _layer(sol, forward=_forward_with(lambda self, x: (self.running_mean, self.running_var)))
    with pytest.raises(AssertionError, match="'y of the last training batch' differs"):
        verify(A, "train_mode", wrong)


def test_train_eps_outside_the_square_root_fails_on_y(sol):
    wrong = _layer(sol, forward=_forward_with(_batch_stats, eps_outside=True))
    with pytest.raises(AssertionError, match="'y of the last training batch' differs"):
        verify(A, "train_mode", wrong)


def test_train_running_var_starting_at_zero_fails(sol):
    base = sol["BatchNorm1d"]

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        base.__init__(self, num_features, eps, momentum)
        self.running_var = np.zeros(num_features)

    with pytest.raises(AssertionError, match="'running_var after the training batches' differs"):
        verify(A, "train_mode", _layer(sol, __init__=__init__))


def test_train_ignoring_the_constructor_momentum_fails(sol):
    base = sol["BatchNorm1d"]

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        base.__init__(self, num_features, eps, 0.1)

    with pytest.raises(AssertionError, match="running_mean after the training batches' differs"):
        verify(A, "train_mode", _layer(sol, __init__=__init__))


def test_train_not_returning_self_is_explained(sol):
    def train(self):
        self.training = True

    with pytest.raises(AssertionError, match=r"train\(\) should return self"):
        verify(A, "train_mode", _layer(sol, train=train))


# ----------------------------------------------------------------------------- part 3: eval mode
def test_eval_with_batch_statistics_fails_on_y_eval(sol):
    def forward(self, x):
        mean, var = x.mean(axis=0), x.var(axis=0)
        if self.training:
            self.running_mean, self.running_var = sol["update_running"](
                self.running_mean, self.running_var, mean, var, x.shape[0], self.momentum)
        return self.gamma * (x - mean) / np.sqrt(var + self.eps) + self.beta

    with pytest.raises(AssertionError, match="'y in eval mode' differs"):
        verify(A, "eval_mode", _layer(sol, forward=forward))


def test_eval_that_moves_the_running_statistics_fails(sol):
    wrong = _layer(sol, forward=_forward_with(_batch_stats, running_in_eval_moves=True))
    with pytest.raises(AssertionError, match="'running_mean after the eval-mode forward' differs"):
        verify(A, "eval_mode", wrong)


def test_eval_eps_outside_the_square_root_fails(sol):
    wrong = _layer(sol, forward=_forward_with(_batch_stats, eps_outside=True))
    with pytest.raises(AssertionError, match=r"'y (in eval mode|after train\(\) again)' differs"):
        verify(A, "eval_mode", wrong)


def test_eval_with_train_that_does_not_switch_back_fails(sol):
    def train(self):
        return self

    with pytest.raises(AssertionError, match=r"'y after train\(\) again' differs"):
        verify(A, "eval_mode", _layer(sol, train=train))


def test_eval_not_returning_self_is_explained(sol):
    def eval(self):  # noqa: A001 - the method's name
        self.training = False

    with pytest.raises(AssertionError, match=r"eval\(\) should return self"):
        verify(A, "eval_mode", _layer(sol, eval=eval))


def test_eval_passes_even_when_the_running_update_is_wrong(sol):
    """Partial credit: part 3 sets the running statistics itself, so a part-2 mistake costs part 2 only."""
    wrong = _layer(sol, forward=_forward_with(_batch_stats, update=_wrong_update("keras")))
    verify(A, "eval_mode", wrong)
    with pytest.raises(AssertionError):
        verify(A, "train_mode", wrong)


# ----------------------------------------------------------------------------- part 4: folding
def test_fold_without_scaling_the_bias_fails_on_b_folded():
    def wrong(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
        scale = gamma / np.sqrt(running_var + eps)
        return W * scale, b - running_mean * scale + beta

    with pytest.raises(AssertionError, match="'b_folded' differs"):
        verify(A, "fold", wrong)


def test_fold_eps_outside_the_square_root_fails_on_w_folded():
    def wrong(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
        scale = gamma / (np.sqrt(running_var) + eps)
        return W * scale, (b - running_mean) * scale + beta

    with pytest.raises(AssertionError, match="'W_folded' differs"):
        verify(A, "fold", wrong)


def test_fold_scaling_the_rows_fails():
    def wrong(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
        scale = gamma / np.sqrt(running_var + eps)
        return W * scale[:, None], (b - running_mean) * scale + beta

    with pytest.raises(AssertionError, match="'W_folded'|raised ValueError"):
        verify(A, "fold", wrong)


def test_fold_without_beta_fails_on_b_folded():
    def wrong(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
        scale = gamma / np.sqrt(running_var + eps)
        return W * scale, (b - running_mean) * scale

    with pytest.raises(AssertionError, match="'b_folded' differs"):
        verify(A, "fold", wrong)


def test_fold_hard_coded_answer_fails(sol):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 2))
    answer = sol["fold_bn_into_linear"](W, np.array([0.5, -1.0]), np.array([1.5, 0.5]), np.array([0.0, 2.0]),
                                        np.array([1.0, -2.0]), np.array([0.04, 9.0]), 0.01)
    with pytest.raises(AssertionError):
        verify(A, "fold", lambda *args: answer)
