"""The child side of a hidden check: ``python -I -m bncourse.grading.reference <assignment> <case>``.

A fresh interpreter (``-I``: no user site, no ``PYTHONPATH``, not the student's folder) draws inputs
from an OS-seeded generator, sends them to the grader in the student's kernel, reads back what the
student's function returned, computes the reference with ``bnbook`` and compares. The verdict is a
short JSON dict: ``{"ok": true}`` or ``{"ok": false, "message": "..."}``. Messages say which output
failed and by how much, never the expected values.
"""
from __future__ import annotations

import sys

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


def run(assignment: str, case_name: str, stdin, stdout) -> None:
    case = load_case(assignment, case_name)
    rng = np.random.default_rng()  # seeded from the OS: different at every grading run
    for draw in range(case.draws):
        inputs = tuple(case.make_inputs(rng))
        send_arrays(stdout, inputs)
        tag, got = receive(stdin)
        if tag != "arrays":
            raise WireError("the grader sent no outputs")
        expected = tuple(case.reference(*inputs))
        problem = compare(case, got, expected, inputs)
        if problem is not None:
            send_verdict(stdout, {"ok": False, "draw": draw + 1, "message": problem})
            return
    send_verdict(stdout, {"ok": True, "draws": case.draws})


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -I -m bncourse.grading.reference <assignment> <case>", file=sys.stderr)
        return 2
    try:
        run(args[0], args[1], sys.stdin.buffer, sys.stdout.buffer)
    except (WireError, BrokenPipeError):
        return 3  # the grader went away (student function raised, interrupt): nothing to say
    return 0


if __name__ == "__main__":
    sys.exit(main())
