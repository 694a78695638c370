"""The visible tests catch the usual mistakes: with one typical mistake in a solution, the test of
that part fails with a one-line message that names the mistake, and the tests of the parts that
build on it still pass (they compare with the student's own earlier parts: one bug, one charge).
The course's solution passes every visible test."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import submissions as S

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def visible_results(assignment: str, replace: tuple[str, str, str] | None = None) -> dict[str, str | None]:
    """Run the source notebook's code as a student's kernel would, without the hidden blocks:
    test grade_id -> None when its visible test passed, else the first line of its failure.
    ``replace = (solution grade_id, old, new)`` puts one mistake into one solution cell."""
    ns: dict = {}
    results: dict[str, str | None] = {}
    sols = S.solutions_of(assignment)
    for cell in S.source_nb(assignment).cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        source = sols.get(gid, cell.source) if meta.get("solution") else HIDDEN.sub("", cell.source)
        if replace is not None and gid == replace[0]:
            assert replace[1] in source, f"{assignment}/{gid} no longer holds {replace[1]!r}: update this test"
            source = source.replace(replace[1], replace[2])
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                exec(compile(source, gid or "scratch", "exec"), ns)
        except Exception as exc:  # noqa: BLE001 - a failed test is the result
            if not meta.get("grade"):
                raise
            results[gid] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        else:
            if meta.get("grade"):
                results[gid] = None
    return results


@pytest.mark.parametrize("assignment", S.assignments())
def test_the_solution_passes_every_visible_test(assignment):
    results = visible_results(assignment)
    assert results and all(v is None for v in results.values()), results


# (assignment, solution cell, old, new, the test that must fail, words its message must hold)
MISTAKES = [
    ("bn-forward", "batch_stats", "var = ((x - mean) ** 2).mean(axis=0)", "var = x.var(axis=0, ddof=1)",
     "test_batch_stats", "divide by N"),
    ("bn-forward", "batchnorm_forward", "axes = (0,) + tuple(range(2, x.ndim))", "axes = (0,)",
     "test_forward_4d", "per channel AND position"),
    ("bn-forward", "batchnorm_forward", "np.sqrt(var + eps)", "(np.sqrt(var) + eps)",
     "test_epsilon", "eps belongs inside the square root"),
    ("bn-forward", "batchnorm_forward", "var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)",
     "var = x.var(axis=axes, ddof=1, keepdims=True)", "test_forward_2d", "divides by N - 1"),
    ("feature-scaling", "feature_stats", "var = ((X - mean) ** 2).mean(axis=0)", "var = X.var(axis=0, ddof=1)",
     "test_feature_stats", "divide by N (ddof=0)"),
    ("feature-scaling", "standardize", "np.sqrt(np.asarray(var) + eps)", "(np.sqrt(np.asarray(var)) + eps)",
     "test_standardize", "eps belongs inside the square root"),
    ("feature-scaling", "scale_train_test", "standardize(X_test, mean, var, eps)",
     "standardize(X_test, *feature_stats(X_test), eps)", "test_scale_train_test", "test set's own statistics"),
    ("bn-inference", "update_running", "new_mean = (1 - momentum) * running_mean + momentum * batch_mean",
     "new_mean = momentum * running_mean + (1 - momentum) * batch_mean", "test_update_running",
     "the momentum is reversed"),
    ("bn-inference", "update_running", "batch_var_unbiased = batch_var_biased * (m / (m - 1))",
     "batch_var_unbiased = batch_var_biased", "test_update_running", "keeps the biased batch variance"),
    ("norm-variants", "normalize", "var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)",
     "var = x.var(axis=axes, ddof=1, keepdims=True)", "test_normalize", "divide by m"),
    ("norm-variants", "layer_norm", "normalize(x, tuple(range(1, x.ndim)), eps)", "normalize(x, (x.ndim - 1,), eps)",
     "test_layer_norm", "last axis only"),
    ("norm-variants", "instance_norm", "normalize(x, (2, 3), eps)", "normalize(x, (3,), eps)",
     "test_instance_norm", "over W only"),
    ("norm-variants", "group_norm", "x.reshape(N, num_groups, C // num_groups, H, W)",
     "x.reshape(N, C // num_groups, num_groups, H, W).transpose(0, 2, 1, 3, 4)",
     "test_group_norm", "consecutive channels"),
]


@pytest.mark.parametrize("assignment,cell,old,new,failing,words", MISTAKES,
                         ids=[f"{m[0]}:{m[4]}:{m[5][:20]}" for m in MISTAKES])
def test_a_typical_mistake_fails_its_part_only_and_says_what_it_is(assignment, cell, old, new, failing, words):
    results = visible_results(assignment, (cell, old, new))
    assert results[failing] is not None, f"{failing} let the mistake through"
    assert words in results[failing], results[failing]
    assert "\n" not in results[failing]
    # the parts that build on this one compare with the student's own earlier parts
    later = {gid for gid, r in results.items() if r is not None} - {failing}
    if cell in ("batch_stats", "feature_stats", "normalize", "update_running"):
        assert not later, f"a mistake in {cell} also failed {later}"
