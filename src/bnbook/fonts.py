"""A CJK font for matplotlib that needs no system fonts.

The Noto Sans CJK SC font comes from the ``mplfonts`` package on PyPI (installed by
``requirements.txt``), so a fresh machine or a Binder image draws Chinese labels without
``apt``. The font is registered by file, so matplotlib uses the Simplified Chinese face
and never falls back to a face with missing glyphs.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

__all__ = ["cjk_font_path", "use_cjk_font"]

_FONT_FILE = "NotoSansCJKsc-Regular.otf"


def cjk_font_path() -> Path:
    """The path of the bundled Noto Sans CJK SC font file."""
    path = Path(str(files("mplfonts") / "fonts" / _FONT_FILE))
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: reinstall the course's requirements (pip install -r requirements.txt)."
        )
    return path


@cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and put it first in the sans-serif list.

    Returns the font's family name. Safe to call many times.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, *[f for f in mpl.rcParams["font.sans-serif"] if f != name]]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus sign
    return name
