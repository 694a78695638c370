"""The course's JupyterLab settings file: Jupytext's notebook opens Markdown, no news prompt."""
from __future__ import annotations

import json

from bncourse.lab import configure, main, settings_file


def test_configure_writes_the_viewer_and_news_settings_under_the_prefix(tmp_path):
    path = configure(tmp_path)
    assert path == tmp_path / "share/jupyter/lab/settings/overrides.d/bncourse.json"
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"] == {
        "markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_configure_keeps_other_settings_and_is_idempotent(tmp_path):
    path = settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"r": "Editor"}},
                                "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    assert main(["--prefix", str(tmp_path)]) == 0
    first = path.read_text()
    configure(tmp_path)
    assert path.read_text() == first
    settings = json.loads(first)
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["r"] == "Editor"
