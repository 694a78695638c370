"""The child side of a hidden check:
``python -I -m bncourse.grading.reference <assignment> <case> [<student>]``.

A fresh interpreter (``-I``: no user site, no ``PYTHONPATH``, not the student's folder) draws inputs
from a generator seeded from (assignment, student, case) (:func:`seed_for`), sends them to the grader
in the student's kernel, reads back what the student's function returned, computes the reference with
``bnbook`` and compares. The same submission therefore meets the same inputs at every regrade. With
no student (an instructor trying the source notebook) the seed comes from the OS. The verdict is a
short JSON dict with the seed: ``{"ok": true, "seed": ...}`` or ``{"ok": false, "seed": ...,
"message": "..."}``. A message starts with the likely mistake when the student's outputs match one of
the case's known mistakes on the same inputs, then says which output failed and by how much, never
the expected values.
"""
from __future__ import annotations

import copy
import hashlib
import sys
from typing import Any, Callable

import numpy as np

from .cases import Case, load_case
from .wire import WireError, receive, send_arrays, send_verdict


def _shape_summary(inputs: tuple) -> str:
    parts = [str(tuple(np.shape(x))) for x in inputs if np.ndim(x) > 0]
    return ", ".join(parts) if parts else "no array inputs"


def compare(case: Case, got: list, expected: tuple, inputs: tuple) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a message for the student."""
    if len(got) != len(expected):
        return (f"expected {len(expected)} output(s) ({', '.join(case.outputs) or 'see the instructions'}), "
                f"got {len(got)}")
    for i, (g, e) in enumerate(zip(got, expected)):
        e = np.asarray(e)
        name = case.output_name(i)
        if g.shape != e.shape:
            return (f"'{name}' has shape {g.shape}, expected {e.shape} "
                    f"(input shapes: {_shape_summary(inputs)})")
        if e.dtype.kind in "fc":
            if g.dtype.kind not in "biufc":
                return f"'{name}' has dtype {g.dtype}, expected numbers"
            g64 = g.astype(np.complex128 if e.dtype.kind == "c" else np.float64)
            if not np.all(np.isfinite(g64)):
                return f"'{name}' contains NaN or infinity (input shapes: {_shape_summary(inputs)})"
            if not np.allclose(g64, e, rtol=case.rtol, atol=case.atol):
                err = float(np.max(np.abs(g64 - e)))
                return (f"'{name}' differs from the reference on random inputs of shapes "
                        f"{_shape_summary(inputs)}: max abs error {err:.3g} "
                        f"(tolerance rtol={case.rtol:g}, atol={case.atol:g})")
        elif not np.array_equal(g, e):
            wrong = int(np.sum(g != e)) if g.shape else 1
            return f"'{name}': {wrong} of {max(e.size, 1)} value(s) are not right"
    return None


def seed_for(assignment: str, student: str, case: str) -> int:
    """The seed of one student's hidden check: the same at every regrade, different between students
    and between checks. An empty ``student`` gets a fresh seed from the OS."""
    if not student:
        return int(np.random.SeedSequence().entropy % 2**63)
    digest = hashlib.sha256("\0".join((assignment, student, case)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def outputs_of(case: Case, answer: Callable[..., Any], inputs: tuple) -> list[np.ndarray]:
    """What ``answer`` (a student's or a mistake's function or class) gives on ``inputs``, as arrays;
    the inputs are copied first, so an answer that writes into them changes nothing here."""
    result = case.call(answer, *copy.deepcopy(inputs))
    values = result if isinstance(result, tuple) else (result,)
    return [np.asarray(v) for v in values]


def likely_mistake(case: Case, got: list, inputs: tuple) -> str | None:
    """The first known mistake of ``case`` whose outputs on ``inputs`` match ``got``."""
    for name, wrong in case.mistakes.items():
        try:
            theirs = outputs_of(case, wrong, inputs)
        except Exception:  # noqa: BLE001 - a mistake that raises on these inputs explains nothing
            continue
        if not any(t.dtype.hasobject for t in theirs) and compare(case, got, tuple(theirs), inputs) is None:
            return name
    return None


def check(case: Case, seed: int, answer: Callable[[tuple], list]) -> dict:
    """Run the draws of ``case`` from ``seed``; ``answer(inputs)`` returns the outputs to judge.

    Returns the verdict: ``{"ok": True, "seed", "draws"}`` or ``{"ok": False, "seed", "draw",
    "message"}``, the message led by the likely mistake when one matches."""
    rng = np.random.default_rng(seed)
    verdict: dict = {"ok": True, "seed": seed, "draws": case.draws}
    for draw in range(case.draws):
        inputs = tuple(case.make_inputs(rng))
        got = answer(inputs)
        expected = tuple(case.reference(*inputs))
        problem = compare(case, got, expected, inputs)
        if problem is not None:
            mistake = likely_mistake(case, got, inputs)
            if mistake is not None:
                problem = f"probably {mistake}. {problem}"
            verdict = {"ok": False, "seed": seed, "draw": draw + 1, "message": problem}
            break
    if case.explain is not None:
        verdict["notes"] = case.explain(inputs, got)
    return verdict


def run(assignment: str, case_name: str, stdin, stdout, student: str = "") -> None:
    case = load_case(assignment, case_name)

    def over_the_wire(inputs: tuple) -> list:
        send_arrays(stdout, inputs)
        tag, got = receive(stdin)
        if tag != "arrays":
            raise WireError("the grader sent no outputs")
        return got

    send_verdict(stdout, check(case, seed_for(assignment, student, case_name), over_the_wire))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -I -m bncourse.grading.reference <assignment> <case> [<student>]", file=sys.stderr)
        return 2
    try:
        run(args[0], args[1], sys.stdin.buffer, sys.stdout.buffer, student=args[2] if len(args) == 3 else "")
    except (WireError, BrokenPipeError):
        return 3  # the grader went away (student function raised, interrupt): nothing to say
    return 0


if __name__ == "__main__":
    sys.exit(main())
