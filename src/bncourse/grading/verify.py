"""``verify(assignment, case, student_fn)``: the hidden check a test cell runs.

Import it fresh in the hidden block (a student cell may have planted or patched ``bncourse``)::

    import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.startswith("bncourse")]
    from bncourse.grading.verify import verify
    verify("bn-forward", "forward_4d", batchnorm_forward)

The inputs, the ``bnbook`` reference and the comparison live in a fresh child interpreter (see
:mod:`bncourse.grading.reference`); only the student's function runs here. Raises
``AssertionError`` when the outputs are wrong and says why without revealing the expected values.

The inputs are seeded from (assignment, student, case): the grader names the student in the
kernel's ``BNCOURSE_STUDENT``, so a regrade meets the same inputs. The verdict and its seed are
printed as the first line of the check's output (the seed is kept in the graded notebook and the
feedback), before any traceback.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Any, Callable

import numpy as np

from .cases import load_case
from .wire import WireError, receive, send_arrays, to_python

_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from bncourse.grading.reference import main; sys.exit(main(sys.argv[2:]))")


def _package_root() -> str:
    # .../src/bncourse/grading/verify.py -> .../src
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _as_outputs(result: Any, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    values = result if isinstance(result, tuple) else (result,)
    out = []
    for i, value in enumerate(values):
        name = names[i] if i < len(names) else f"output {i + 1}"
        if value is None:
            raise AssertionError(f"'{name}' is None: did you forget a `return`?")
        try:
            arr = np.asarray(value)
        except Exception as exc:  # noqa: BLE001 - anything the student returned
            raise AssertionError(f"'{name}' is not an array ({type(value).__name__}): {exc}") from None
        if arr.dtype.hasobject:
            raise AssertionError(f"'{name}' is not an array of numbers (got {type(value).__name__})")
        out.append(arr)
    return tuple(out)


def _namespace(student_fn: Any) -> dict | None:
    """The global namespace the student's function (or class's methods) looks its names up in."""
    if hasattr(student_fn, "__globals__"):
        return student_fn.__globals__
    for member in vars(student_fn).values() if isinstance(student_fn, type) else ():
        if hasattr(member, "__globals__"):
            return member.__globals__
    return None


@contextlib.contextmanager
def earlier_parts(student_fn: Any, uses: dict[str, Callable[..., Any]]):
    """While the check runs, the names of the earlier parts ``student_fn`` calls are the correct ones;
    the student's own come back afterwards, whatever happens."""
    namespace = _namespace(student_fn)
    swapped = {name: namespace[name] for name in uses if namespace is not None and name in namespace}
    try:
        for name in swapped:
            namespace[name] = uses[name]
        yield
    finally:
        for name, own in swapped.items():
            namespace[name] = own


def verify(assignment: str, case: str, student_fn: Callable[..., Any], timeout: float = 60.0) -> None:
    """Check ``student_fn`` against ``bnbook`` on fresh random inputs; ``AssertionError`` if wrong."""
    spec = load_case(assignment, case)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
    child = subprocess.Popen(
        [sys.executable, "-I", "-c", _BOOT, _package_root(), assignment, case,
         os.environ.get("BNCOURSE_STUDENT", "")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    try:
        while True:
            try:
                tag, payload = receive(child.stdout)
            except WireError:
                child.kill()
                err = child.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the grading reference for {assignment}/{case} failed:\n{err}") from None
            if tag == "verdict":
                break
            inputs = [to_python(a) for a in payload]
            try:
                with earlier_parts(student_fn, spec.uses):
                    result = spec.call(student_fn, *inputs)
            except Exception as exc:
                shapes = ", ".join(str(np.shape(x)) for x in inputs if np.ndim(x) > 0)
                raise AssertionError(
                    f"your code raised {type(exc).__name__}: {exc} (on random inputs of shapes {shapes})"
                ) from exc
            send_arrays(child.stdin, _as_outputs(result, spec.outputs))
        child.wait(timeout=timeout)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()
    notes = f"\n{payload['notes']}" if payload.get("notes") else ""
    if not payload.get("ok"):
        verdict = f"hidden check '{case}' failed: {payload.get('message')}"
        print(f"{verdict} [seed {payload.get('seed')}]{notes}", flush=True)
        raise AssertionError(verdict)
    print(f"hidden check '{case}' passed {payload.get('draws')} random draws [seed {payload.get('seed')}]{notes}",
          flush=True)
