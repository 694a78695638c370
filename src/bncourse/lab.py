"""JupyterLab settings of the course: a chapter (MyST Markdown) opens as a notebook, not as text.

``python -m bncourse.lab`` writes ``<prefix>/share/jupyter/lab/settings/overrides.d/bncourse.json``
for the JupyterLab of this Python (the venv after ``make book``; Binder's environment through
``postBuild``):

- Jupytext's notebook is the default viewer of Markdown and MyST files (the settings
  ``jupytext-config set-default-viewer`` writes, made with Jupytext's own ``LabConfig``), so a
  launch link ``lab/tree/book/en/<chapter>.md`` shows a runnable notebook with its widgets;
- JupyterLab does not ask whether to fetch news (a reader launching a chapter gets the chapter).

JupyterLab reads every ``overrides.d/*.json`` of its application settings before a user's own
``overrides.json`` and settings, so a reader can still choose otherwise.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOCTYPES = ["markdown", "myst"]  # JupyterLab's file types of .md and .myst/.mystnb files
NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}


def settings_file(prefix: str | Path = sys.prefix) -> Path:
    """The course's settings file of the JupyterLab installed under ``prefix``."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "bncourse.json"


def configure(prefix: str | Path = sys.prefix) -> Path:
    """Write (or update) the course's JupyterLab settings under ``prefix``; returns the file."""
    from jupytext_config.labconfig import LabConfig

    path = settings_file(prefix)
    config = LabConfig(settings_file=path).read().set_default_viewers(DOCTYPES)
    config.config.setdefault("@jupyterlab/apputils-extension:notification", {}).update(NO_NEWS)
    config.write()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bncourse.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=sys.prefix, help="the Python environment (default: %(default)s)")
    args = parser.parse_args(argv)
    print(f"JupyterLab settings: {configure(args.prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
