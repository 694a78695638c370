"""The hidden-check cases, one module per assignment (``feature-scaling`` -> ``feature_scaling``).

Each module defines ``CASES = {"case_name": Case(...)}``:

- ``make_inputs(rng) -> tuple`` draws fresh inputs (arrays, floats, ints, strings) from a
  ``numpy.random.Generator``; shapes are drawn too, so a hard-coded answer fails. Runs in the child.
- ``reference(*inputs) -> tuple of arrays`` computes the expected outputs with ``bnbook``. Runs in
  the child only.
- ``call(student_fn, *inputs) -> tuple`` adapts the student's callable (a function or a class) to
  the outputs. Runs in the student's kernel, so it must not use ``bnbook``: it only calls the student.
- ``outputs``: names of the outputs, for messages. ``rtol``/``atol``: the tolerance of floating
  outputs (other dtypes must be equal). ``draws``: how many random draws must all pass.
- ``uses``: the earlier parts this part builds on, ``{"student_name": correct_plain_numpy_fn}``.
  While the check calls the student's function, those names in the student's namespace are the
  correct ones, so a bug in part 1 is charged in part 1 only (one bug, one charge). Runs in the
  student's kernel: plain NumPy, never ``bnbook``.
- ``explain(inputs, got) -> str``: optional, runs in the child: lines for the feedback about the
  student's outputs on the last draw, shown whether the check passed or not (norm-variants gives the
  reason for each scenario's answer).
- ``mistakes``: the usual wrong answers, ``{"what is probably wrong, in one line": wrong}`` where
  ``wrong`` has the student's signature (a function or a class, adapted by ``call`` like the
  student's). A failed check names the first one whose outputs match the student's, and
  ``tests/grading/test_power.py`` measures that each of them fails the check in at least 999 of
  1,000 seeds.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable


def _call_plain(fn: Callable[..., Any], *inputs: Any) -> Any:
    return fn(*inputs)


@dataclass(frozen=True)
class Case:
    make_inputs: Callable[..., tuple]
    reference: Callable[..., tuple]
    call: Callable[..., Any] = _call_plain
    outputs: tuple[str, ...] = field(default_factory=tuple)
    rtol: float = 1e-6
    atol: float = 1e-8
    draws: int = 3
    uses: dict[str, Callable[..., Any]] = field(default_factory=dict)
    explain: Callable[..., str] | None = None
    mistakes: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def output_name(self, i: int) -> str:
        return self.outputs[i] if i < len(self.outputs) else f"output {i + 1}"


def module_name(assignment: str) -> str:
    return f"{__name__}.{assignment.replace('-', '_')}"


def load_cases(assignment: str) -> dict[str, Case]:
    """The ``CASES`` of an assignment; ``KeyError`` with the known names when it has none."""
    try:
        module = importlib.import_module(module_name(assignment))
    except ModuleNotFoundError as exc:
        if exc.name != module_name(assignment):
            raise
        raise KeyError(f"no grading cases for assignment {assignment!r}") from None
    return module.CASES


def load_case(assignment: str, case: str) -> Case:
    cases = load_cases(assignment)
    if case not in cases:
        raise KeyError(f"assignment {assignment!r} has no case {case!r}; it has {sorted(cases)}")
    return cases[case]
