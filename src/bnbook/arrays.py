"""Which array library an array belongs to, and moving arrays between libraries.

bnbook computes in the library of its input (NumPy, CuPy, ``array_api_strict``, ...) and
never converts between libraries behind the caller's back: a CuPy input with NumPy
parameters is an error that says what to call, not a silent copy to the GPU. Moving is
explicit, through :func:`to_namespace` (``Module.to(xp)`` in :mod:`bnbook.layers`) and
:func:`to_numpy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_array_api_obj, is_cupy_array

Array = Any

__all__ = ["library_name", "same_library", "to_numpy", "to_namespace"]


def library_name(a: Array) -> str:
    """The top-level module of an array's type: ``"numpy"``, ``"cupy"``, ``"array_api_strict"``, ..."""
    return type(a).__module__.split(".")[0]


def same_library(a: Array, b: Array) -> bool:
    """True when ``a`` and ``b`` are arrays of the same array library."""
    if type(a) is type(b):
        return is_array_api_obj(a)  # (the quick answer for the usual case)
    return is_array_api_obj(a) and is_array_api_obj(b) and array_namespace(a) is array_namespace(b)


def to_numpy(a: Array) -> np.ndarray:
    """A NumPy array with the values of ``a``; a GPU array is copied to the host."""
    if is_cupy_array(a):
        return a.get()  # CuPy refuses np.asarray: a device-to-host copy has to be asked for
    return np.asarray(a)


def to_namespace(a: Array, xp: Any, device: Any = None) -> Array:
    """``a`` as an array of the namespace ``xp`` (``numpy``, ``cupy``, ``array_api_strict``, ...).

    Same values and dtype. ``a`` itself comes back when it is already in ``xp`` and no
    ``device`` is asked for; otherwise the values travel through the host.
    """
    if not is_array_api_obj(a):
        raise ValueError(f"a: expected an array to move, got {type(a).__name__}.")
    xp = array_namespace(xp.empty(0))  # e.g. numpy -> its array-API wrapper, whose asarray takes device=
    if device is None and array_namespace(a) is xp:
        return a
    return xp.asarray(to_numpy(a), device=device)
