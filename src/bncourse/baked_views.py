"""Publish the baked widgets' images with each edition (Sphinx ``build-finished``).

While the site is built, every widget page's kernel bakes its widgets (``bnbook.widgets._bake``):
the views' images go, named by their content hash, to the folder ``$BNBOOK_BAKE_DIR``
(``_build/views``, shared by the editions and kept with the execution cache, so a page served
from the cache still finds its images). The pages refer to them as ``_static/views/<hash>.png``.
After each edition is written, this copies exactly the images its pages refer to into its
``_static/views/`` and removes the ones no page refers to any more. An image that is referred
to but missing (the bake folder was deleted while the execution cache was kept) fails the build
with what to do.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from bnbook.widgets._bake import VIEWS_URL, bake_dir

logger = logging.getLogger(__name__)

__all__ = ["VIEW_REFERENCE", "referenced_views", "copy_views", "publish_views"]

# In the pages the widget state is JSON inside a <script>: a "/" may be written "\/".
VIEW_REFERENCE = re.compile(r"_static\\?/views\\?/([0-9a-f]{24}\.png)")


def referenced_views(outdir: Path) -> dict[str, str]:
    """``{image file name: first page that refers to it}`` over every HTML page of an edition."""
    found: dict[str, str] = {}
    for page in sorted(outdir.rglob("*.html")):
        for name in VIEW_REFERENCE.findall(page.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, page.relative_to(outdir).as_posix())
    return found


def copy_views(outdir: Path, folder: Path) -> tuple[int, dict[str, str]]:
    """Make ``outdir/_static/views`` hold exactly the images the pages refer to, from ``folder``.

    Returns ``(number of images published, {missing image: page})``; with any missing, nothing
    is changed.
    """
    wanted = referenced_views(outdir)
    missing = {name: page for name, page in wanted.items() if not (folder / name).is_file()}
    if missing:
        return 0, missing
    target = outdir / VIEWS_URL
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.png"):
        if stale.name not in wanted:
            stale.unlink()
    for name in wanted:
        destination = target / name
        if not destination.is_file():  # content-addressed: an existing file is the same image
            shutil.copyfile(folder / name, destination)
    return len(wanted), {}


def publish_views(app: Sphinx, exception: Exception | None) -> None:
    folder = bake_dir()
    if exception is not None or folder is None or app.builder.format != "html":
        return
    count, missing = copy_views(Path(app.outdir), folder)
    if missing:
        app.statuscode = 1
        name, page = next(iter(missing.items()))
        logger.error("%d baked widget image(s) are missing from %s (first: %s, on %s): the execution "
                     "cache outlived the images. Run `make clean` and `make book` to bake them again.",
                     len(missing), folder, name, page)
        return
    logger.info("baked widget views: %d image(s) in %s", count, Path(app.outdir) / VIEWS_URL)
