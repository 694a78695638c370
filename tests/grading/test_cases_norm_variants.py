"""The hidden checks of ``norm-variants``: the solution notebook's code passes every case, realistic
wrong answers fail with a message naming the wrong output, hard-coded answers fail."""
from __future__ import annotations

import numpy as np
import pytest

import submissions as S
from bncourse.grading.cases import load_case, load_cases
from bncourse.grading.cases.norm_variants import ANSWERS, WORDS
from bncourse.grading.verify import verify

A = "norm-variants"


def _run(sources: dict[str, str]) -> dict:
    """Execute solution cells (grade_id -> code) in order, as a kernel would."""
    ns = {"np": np}
    for source in sources.values():
        try:
            exec(source, ns)
        except NotImplementedError:  # the release's stub line, after the template
            pass
    return ns


@pytest.fixture(scope="module")
def solved() -> dict:
    return _run(S.solutions_of(A))


# ----------------------------------------------------------------------------- wrong answers
def normalize_unbiased(x, axes, eps=1e-5):
    mu = x.mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(x.var(axis=axes, ddof=1, keepdims=True) + eps)


def normalize_eps_outside(x, axes, eps=1e-5):
    mu = x.mean(axis=axes, keepdims=True)
    return (x - mu) / (x.std(axis=axes, keepdims=True) + eps)


def normalize_fixed_eps(x, axes, eps=1e-5):
    mu = x.mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)


def normalize_all_axes(x, axes, eps=1e-5):
    return (x - x.mean()) / np.sqrt(x.var() + eps)


def normalize_no_keepdims(x, axes, eps=1e-5):
    return (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + eps)


def _ln(axes_of):
    def layer_norm(x, gamma, beta, eps=1e-5):
        axes = axes_of(x)
        mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return gamma * (x - mu) / np.sqrt(var + eps) + beta
    return layer_norm


def _per_channel(axes):
    def norm(x, gamma, beta, eps=1e-5):
        mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        g, b = gamma.reshape(1, -1, 1, 1), beta.reshape(1, -1, 1, 1)
        return g * (x - mu) / np.sqrt(var + eps) + b
    return norm


def group_norm_interleaved(x, num_groups, gamma, beta, eps=1e-5):
    """Every G-th channel in a group instead of consecutive channels."""
    n, c, h, w = x.shape
    xg = x.reshape(n, c // num_groups, num_groups, h, w)
    mu, var = xg.mean(axis=(1, 3, 4), keepdims=True), xg.var(axis=(1, 3, 4), keepdims=True)
    x_hat = ((xg - mu) / np.sqrt(var + eps)).reshape(x.shape)
    return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1)


def group_norm_as(norm):
    return lambda x, num_groups, gamma, beta, eps=1e-5: norm(x, gamma, beta, eps)


# ----------------------------------------------------------------------------- tests
def test_solution_notebook_passes_every_case(solved):
    for case in ("normalize", "layer_norm", "instance_norm", "group_norm"):
        verify(A, case, solved[case])
    verify(A, "choices", solved["choices"])


def test_choices_accept_capitals_and_spaces(solved):
    verify(A, "choices", {key: f"  {answer.upper()} " for key, answer in solved["choices"].items()})


@pytest.mark.parametrize("wrong", [normalize_unbiased, normalize_eps_outside, normalize_fixed_eps,
                                   normalize_all_axes])
def test_wrong_normalize_fails_and_names_x_hat(wrong):
    with pytest.raises(AssertionError, match="'x_hat' differs"):
        verify(A, "normalize", wrong)


def test_normalize_without_keepdims_fails():
    with pytest.raises(AssertionError):
        verify(A, "normalize", normalize_no_keepdims)


@pytest.mark.parametrize("axes_of", [
    lambda x: (x.ndim - 1,),                 # the last axis only (right for (N, D), not for images)
    lambda x: (0,),                          # over the batch: that is batch norm
    lambda x: tuple(range(x.ndim)),          # over everything, the batch included
], ids=["last-axis-only", "batch-axis", "all-axes"])
def test_wrong_layer_norm_axes_fail(axes_of):
    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "layer_norm", _ln(axes_of))


def test_layer_norm_without_gamma_beta_fails(solved):
    normalize = solved["normalize"]
    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "layer_norm", lambda x, gamma, beta, eps=1e-5: normalize(x, tuple(range(1, x.ndim)), eps))


@pytest.mark.parametrize("axes", [(0, 2, 3), (1, 2, 3), (3,)], ids=["batch-norm", "layer-norm", "one-axis"])
def test_instance_norm_over_wrong_axes_fails(axes):
    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "instance_norm", _per_channel(axes))


def test_instance_norm_unbiased_variance_fails():
    def wrong(x, gamma, beta, eps=1e-5):
        mu, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), ddof=1, keepdims=True)
        return gamma.reshape(1, -1, 1, 1) * (x - mu) / np.sqrt(var + eps) + beta.reshape(1, -1, 1, 1)

    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "instance_norm", wrong)


@pytest.mark.parametrize("wrong", [
    group_norm_interleaved,
    group_norm_as(_per_channel((2, 3))),      # instance norm: one channel per group
    group_norm_as(_per_channel((1, 2, 3))),   # layer norm: one group
], ids=["interleaved-groups", "instance-norm", "layer-norm"])
def test_wrong_group_norm_fails(wrong):
    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "group_norm", wrong)


def test_group_norm_with_gamma_per_group_is_explained():
    def wrong(x, num_groups, gamma, beta, eps=1e-5):
        n, c, h, w = x.shape
        xg = x.reshape(n, num_groups, -1, h, w)
        mu, var = xg.mean(axis=(2, 3, 4), keepdims=True), xg.var(axis=(2, 3, 4), keepdims=True)
        y = gamma[:num_groups].reshape(1, -1, 1, 1, 1) * (xg - mu) / np.sqrt(var + eps)
        return (y + beta[:num_groups].reshape(1, -1, 1, 1, 1)).reshape(x.shape)

    with pytest.raises(AssertionError, match="'y' differs"):
        verify(A, "group_norm", wrong)


def test_one_wrong_choice_fails_without_saying_which(solved):
    wrong = dict(solved["choices"], style_transfer="batch")
    with pytest.raises(AssertionError, match="'answers': 1 of 8") as info:
        verify(A, "choices", wrong)
    assert "style_transfer" not in str(info.value)


def test_missing_or_odd_choice_is_explained(solved):
    missing = {k: v for k, v in solved["choices"].items() if k != "fold_into_conv"}
    with pytest.raises(AssertionError, match="no answer for the scenario 'fold_into_conv'"):
        verify(A, "choices", missing)
    odd = dict(solved["choices"], transformer_lm="rmsnorm")
    with pytest.raises(AssertionError, match=r"choices\['transformer_lm'\] is 'rmsnorm'"):
        verify(A, "choices", odd)
    with pytest.raises(AssertionError, match="None"):
        verify(A, "choices", dict(solved["choices"], online_batch_1=None))


def test_choices_must_be_the_dict():
    """An array of answers in some fixed order is not accepted (and would not survive the shuffle)."""
    with pytest.raises(AssertionError, match="pass the dict"):
        verify(A, "choices", np.array([ANSWERS[k] for k in sorted(ANSWERS)]))


def test_hard_coded_answers_fail():
    """The visible examples' shapes and answers, returned for every input."""
    with pytest.raises(AssertionError):
        verify(A, "normalize", lambda x, axes, eps=1e-5: np.array([[-1.0, 1.0], [-1.0, 1.0]]))
    with pytest.raises(AssertionError):
        verify(A, "layer_norm", lambda x, gamma, beta, eps=1e-5: np.zeros((2, 3, 4, 4)))
    with pytest.raises(AssertionError):
        verify(A, "instance_norm", lambda x, gamma, beta, eps=1e-5: np.zeros((3, 2, 5, 5)))
    with pytest.raises(AssertionError):
        verify(A, "group_norm", lambda x, g, gamma, beta, eps=1e-5: np.zeros((2, 6, 3, 3)))


def test_every_scenario_has_one_of_the_four_words():
    assert set(ANSWERS.values()) == set(WORDS), "every normalization is the answer somewhere"


def test_notebook_template_and_solution_have_the_answer_keys():
    """The keys the student fills in (release template), the solution's and the answer key agree."""
    solution = _run(S.solutions_of(A))["choices"]
    template = _run({c.metadata["nbgrader"]["grade_id"]: c.source for c in S.release_nb(A).cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == "choices"})["choices"]
    assert set(solution) == set(template) == set(ANSWERS)
    assert all(v is None for v in template.values())
    assert solution == ANSWERS


def test_inputs_are_random_at_every_run():
    for name in ("normalize", "layer_norm", "group_norm"):
        case = load_case(A, name)
        first = case.make_inputs(np.random.default_rng())
        second = case.make_inputs(np.random.default_rng())
        assert first[0].shape != second[0].shape or not np.array_equal(first[0], second[0]), name
    case = load_case(A, "choices")
    orders = {tuple(case.make_inputs(np.random.default_rng())[0]) for _ in range(5)}
    assert len(orders) > 1 and all(sorted(o) == sorted(ANSWERS) for o in orders)


def test_every_case_reference_runs():
    for name, case in load_cases(A).items():
        for seed in range(20):
            inputs = case.make_inputs(np.random.default_rng(seed))
            outputs = case.reference(*inputs)
            assert len(outputs) == len(case.outputs), name
            assert outputs[0].shape == np.shape(inputs[0]), name


def test_every_scenario_answer_comes_with_its_reason(capsys):
    """The choices check prints, passed or failed, one line per scenario: the course's answer and why."""
    from bncourse.grading.cases.norm_variants import REASONS

    assert set(REASONS) == set(ANSWERS)
    verify(A, "choices", dict(ANSWERS))
    out = capsys.readouterr().out
    for key, word in ANSWERS.items():
        assert f"  {key}: {word} (right): {REASONS[key]}" in out
    wrong = {**ANSWERS, "style_transfer": "batch"}
    with pytest.raises(AssertionError):
        verify(A, "choices", wrong)
    assert f"  style_transfer: instance (you chose 'batch'): {REASONS['style_transfer']}" in capsys.readouterr().out
