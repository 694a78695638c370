"""Keep experiment results on disk for the length of a site build.

The site has three editions of the same pages, so the en, zh-Hans and zh-Hant kernels run the same
experiments with the same arguments. When the build sets ``BNBOOK_RESULTS_DIR``, a function decorated
with :func:`remembered` keeps its results there (``joblib.Memory``), keyed by its arguments and by a
fingerprint of the whole ``bnbook`` source: a change anywhere in the package (a layer, the training
loop, the data) computes every result again, so a stored result can never outlive the code that made
it. Outside a build (a reader's kernel, Binder, the tests) the decorator changes nothing.

Only deterministic functions of their arguments may be remembered: every experiment here is, under
its ``seed`` arguments.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Callable, TypeVar

import joblib

__all__ = ["RESULTS_DIR_VARIABLE", "remembered", "source_fingerprint", "package_fingerprint"]

RESULTS_DIR_VARIABLE = "BNBOOK_RESULTS_DIR"

F = TypeVar("F", bound=Callable)


def source_fingerprint(root: Path) -> str:
    """A short hash of every ``*.py`` file under ``root`` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def package_fingerprint() -> str:
    """The fingerprint of the installed ``bnbook`` package's source."""
    return source_fingerprint(Path(__file__).resolve().parents[1])


@functools.cache
def _memory(folder: str) -> joblib.Memory:
    return joblib.Memory(Path(folder) / package_fingerprint(), verbose=0)


def remembered(function: F) -> F:
    """Decorate an experiment so a site build computes each of its results once for all editions."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        folder = os.environ.get(RESULTS_DIR_VARIABLE)
        if not folder:
            return function(*args, **kwargs)
        return _memory(folder).cache(function)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
