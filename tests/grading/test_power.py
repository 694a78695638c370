"""The hidden checks have power: every known mistake of every check fails it in at least 999 of
1,000 seeds, the course's solution passes every seed, and a failed check names the mistake.

The draws run in-process through the same loop the grading child runs (``reference.check``), with
the mistake adapted by the case's ``call`` exactly as a student's function is. Each mistake usually
fails on its first draw, so 1,000 seeds cost a fraction of a second per mistake.

Measure the failure rates::

    .venv/bin/python -m pytest tests/grading/test_power.py -q -s -n 0
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import submissions as S
from bncourse.grading.cases import load_cases
from bncourse.grading.reference import check, outputs_of, seed_for

ASSIGNMENTS = ("bn-forward", "bn-backward", "bn-inference", "feature-scaling", "norm-variants")
SEEDS = 1000
SOLUTION_SEEDS = 200
_VERIFY = re.compile(r'verify\("([^"]+)", "([^"]+)", (\w+)\)')


def _solution_namespace(assignment: str) -> dict:
    ns: dict = {"np": np}
    for source in S.solutions_of(assignment).values():
        exec(source, ns)
    return ns


def checked_functions(assignment: str) -> dict[str, str]:
    """case -> the name of the student's function its hidden block passes to ``verify``."""
    found = {}
    for cell in S.source_nb(assignment).cells:
        for a, case, func in _VERIFY.findall(cell.source):
            assert a == assignment
            found[case] = func
    return found


def _answer(case, fn):
    def answer(inputs):
        try:
            return outputs_of(case, fn, inputs)
        except Exception as exc:  # noqa: BLE001 - a mistake that raises fails the check
            raise _Raised(exc) from exc
    return answer


class _Raised(Exception):
    pass


def failure_rate(case, fn, seeds) -> float:
    failed = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # mistakes divide by zero on constant channels: that is the point
        for seed in seeds:
            failed += _fails(case, fn, seed)
    return failed / len(seeds)


def _fails(case, fn, seed) -> bool:
    try:
        return not check(case, seed, _answer(case, fn))["ok"]
    except _Raised:
        return True


PAIRS = [(a, name) for a in ASSIGNMENTS for name in load_cases(a)]


@pytest.mark.parametrize("assignment,case_name", PAIRS, ids=[f"{a}:{c}" for a, c in PAIRS])
def test_every_mistake_fails_and_the_solution_passes(assignment, case_name):
    case = load_cases(assignment)[case_name]
    assert case.mistakes, f"{assignment}/{case_name} lists no known mistakes to measure its power with"
    solution = _solution_namespace(assignment)[checked_functions(assignment)[case_name]]
    seeds = [seed_for(assignment, f"student-{i}", case_name) for i in range(SEEDS)]
    assert failure_rate(case, solution, seeds[:SOLUTION_SEEDS]) == 0.0
    rates = {mistake: failure_rate(case, wrong, seeds) for mistake, wrong in case.mistakes.items()}
    for mistake, rate in rates.items():
        print(f"{assignment:16s} {case_name:18s} {rate * SEEDS:6.0f}/{SEEDS}  {mistake}")
    weak = {m: r for m, r in rates.items() if r < 0.999}
    assert not weak, f"{assignment}/{case_name}: mistakes that pass too often: {weak}"


@pytest.mark.parametrize("assignment,case_name", PAIRS, ids=[f"{a}:{c}" for a, c in PAIRS])
def test_a_failed_check_names_the_mistake(assignment, case_name):
    """Each mistake, on a seed where it fails without raising, is named on the message's first line
    (or by a mistake listed before it whose outputs are the same on those inputs)."""
    case = load_cases(assignment)[case_name]
    names = list(case.mistakes)
    for k, (mistake, wrong) in enumerate(case.mistakes.items()):
        for i in range(20):
            try:
                verdict = check(case, seed_for(assignment, f"s{i}", case_name), _answer(case, wrong))
            except _Raised:
                continue
            if not verdict["ok"]:
                first = verdict["message"].splitlines()[0]
                assert any(f"probably {m}." in first for m in names[:k + 1]), (mistake, first)
                break
        else:
            pytest.fail(f"{assignment}/{case_name}: {mistake!r} never failed without raising")


def test_seed_depends_on_assignment_student_and_check_only():
    assert seed_for("bn-forward", "ada", "epsilon") == seed_for("bn-forward", "ada", "epsilon")
    assert len({seed_for("bn-forward", "ada", "epsilon"), seed_for("bn-forward", "bob", "epsilon"),
                seed_for("bn-forward", "ada", "stats"), seed_for("bn-backward", "ada", "epsilon")}) == 4
    assert seed_for("bn-forward", "", "epsilon") != seed_for("bn-forward", "", "epsilon")  # no student: fresh
