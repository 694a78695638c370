"""Numbers written for the prose of a notebook: Markdown that a chapter glues into its text.

Chapters 1 and 3 quote learning rates, step counts and epsilons computed in their code;
these helpers write them the way the prose does.
"""

from __future__ import annotations

import math
from numbers import Real

from IPython.display import Markdown

__all__ = ["power_of_ten"]


def power_of_ten(x: float) -> Markdown:
    """A round power of ten as Markdown math: ``$1000$`` up to a thousand, ``$10^{-7}$`` otherwise.

    For glue's ``{glue:md}`` role. ``x`` must be a power of ten (to rounding): a value that
    is not one is an error, not a rounded claim in the text.
    """
    if isinstance(x, bool) or not isinstance(x, Real) or not x > 0 or not math.isfinite(x):
        raise ValueError(f"x: expected a positive power of ten such as 1e-5, got {x!r}.")
    k = round(math.log10(x))
    if not math.isclose(x, 10.0**k, rel_tol=1e-9):
        raise ValueError(f"x: expected a power of ten, got {x!r} (the nearest is 1e{k}).")
    return Markdown(f"${10**k}$" if 0 <= k <= 3 else f"$10^{{{k}}}$")
