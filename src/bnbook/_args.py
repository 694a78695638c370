"""Argument checks shared by :mod:`bnbook.functional` and :mod:`bnbook.inference`.

Every message names the argument, what it got and what was expected.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import array_namespace, device, is_array_api_obj

from bnbook.arrays import library_name, same_library

Array = Any


def check_input(x: Array, func: str, min_ndim: int) -> Array:
    """``x`` itself, or in float64 when it holds integers or booleans."""
    try:
        xp = array_namespace(x)
    except TypeError:
        raise ValueError(
            f"x: {func} expected an array (NumPy, CuPy or another array-API library), "
            f"got {type(x).__name__}. Wrap lists with numpy.asarray(...)."
        ) from None
    if x.ndim < min_ndim:
        layout = "(N, C, *spatial)" if min_ndim > 2 else "(N, C) or (N, C, *spatial)"
        raise ValueError(
            f"x: {func} expected at least {min_ndim} dimensions {layout}, got shape "
            f"{tuple(x.shape)}. Add the batch axis, e.g. x[None, ...] for one sample."
        )
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)  # integers and booleans: compute in float64
    return x


def check_eps(eps: float) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0 or not math.isfinite(eps):
        raise ValueError(f"eps: expected a small positive number such as 1e-5, got {eps!r}.")


def as_param(value: Array, name: str, x: Array, expected_shape: tuple[int, ...], x_name: str = "x") -> Array:
    """``value`` as an array of x's library, dtype and device, after checking its shape.

    ``x`` is the array the parameter goes with, named ``x_name`` in the messages.

    An array of another library is refused rather than copied: moving arrays between
    libraries (between host and GPU, for CuPy) is the caller's decision. Python numbers
    and lists are fine.
    """
    xp = array_namespace(x)
    if is_array_api_obj(value):
        if not same_library(value, x):
            lib, x_lib = library_name(value), library_name(x)
            raise ValueError(
                f"{name}: a {lib} array, but {x_name} is a {x_lib} array. Put both in one library, "
                f"e.g. {x_lib}.asarray({name}) or bnbook.arrays.to_namespace({name}, {x_lib})."
            )
        arr = value if value.dtype == x.dtype else xp.astype(value, x.dtype)
    else:
        try:
            arr = xp.asarray(value, dtype=x.dtype, device=device(x))
        except Exception as err:  # noqa: BLE001 - say what went wrong, in the caller's terms
            raise ValueError(
                f"{name}: expected an array of shape {expected_shape} in the same library as {x_name}, "
                f"got {type(value).__name__} ({err})."
            ) from None
    if tuple(arr.shape) != tuple(expected_shape):
        raise ValueError(
            f"{name}: expected shape {tuple(expected_shape)} for {x_name} of shape {tuple(x.shape)}, "
            f"got shape {tuple(arr.shape)}."
        )
    return arr


def broadcast_shape(x_shape: tuple[int, ...], reduced_axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a parameter that is constant along ``reduced_axes``: those become 1."""
    return tuple(1 if a in reduced_axes else s for a, s in enumerate(x_shape))
