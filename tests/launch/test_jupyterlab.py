"""A chapter launched in JupyterLab opens as a live notebook: the launch URL Binder uses
(``lab/tree/book/en/<chapter>.md``) against a real ``jupyter lab`` of the venv, driven by headless
Chromium (Debian's ``chromium``). The page shows a notebook (not Markdown source in the text editor),
Run All renders the chapter's widget, and moving a slider redraws its figure.

JupyterLab runs with a private home and Jupyter folders, so only the settings the course installs
into the environment (``python -m bncourse.lab``, run by ``make`` and by Binder's ``postBuild``)
decide how the chapter opens. It serves a copy of ``book/``: JupyterLab saves what the test does
(the notebook, its checkpoints), which must not land in the repository's sources."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bncourse.lab import settings_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "book/en/03_bn_transform.md"
CHROMIUM = os.environ.get("BNBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``jupyter lab`` serving the repository, as Binder starts it; yields its base URL and token."""
    if not settings_file().is_file():
        pytest.fail(f"{settings_file()} is missing: `make book` (or `python -m bncourse.lab`) writes it")
    home = tmp_path_factory.mktemp("lab-home")
    served = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "book", served / "book")
    port, token = _free_port(), secrets.token_hex(16)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "BNBOOK_LANG": "en"}
    log = (home / "lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # Binder runs as a user; CI as root
        cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("jupyter lab exited: " + (home / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer in 120 s: " + (home / "lab.log").read_text()[-3000:])
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-test.txt")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed (no {CHROMIUM}): `make test` installs it as root, "
                    "or run `sudo apt-get install -y chromium`")
    base, token = lab
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{base}/lab/tree/{CHAPTER}?token={token}", timeout=120_000)
        yield page
        browser.close()


def test_the_launch_url_opens_the_chapter_as_a_notebook(page):
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell, .jp-FileEditor", timeout=120_000)
    assert page.locator(".jp-FileEditor:visible").count() == 0, (
        "the chapter opened as Markdown source in the text editor: Jupytext's notebook is not the default "
        "viewer (python -m bncourse.lab)")
    panel = page.locator(".jp-MainAreaWidget:visible").first
    assert panel.locator(".jp-Notebook").count() == 1, "the chapter opened, but not as a notebook"
    assert page.locator(".jp-FileEditor:visible").count() == 0, "the chapter opened as text"
    assert page.locator(".jp-Notebook .jp-CodeCell").count() >= 1  # (cells out of view are not rendered)
    assert page.locator("text=Would you like to get notified about official Jupyter news?").count() == 0


def test_run_all_renders_the_widget_and_a_slider_redraws_the_figure(page):
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-KernelStatus", timeout=120_000)
    page.click("text=Run", timeout=30_000)  # the menu bar
    page.click("li.lm-Menu-item:has-text('Run All Cells')", timeout=30_000)
    slider = page.locator(".widget-slider:has-text('γ') .ui-slider-handle, "
                          ".widget-slider:has-text('γ') .noUi-handle").first
    slider.wait_for(state="visible", timeout=480_000)
    figure = page.locator(".jupyter-widgets.widget-image").first
    figure.wait_for(state="visible", timeout=60_000)
    before = figure.get_attribute("src")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(b) => { const i = document.querySelector('.jupyter-widgets.widget-image');"
                           " return i && i.getAttribute('src') !== b; }", arg=before, timeout=60_000)
    assert figure.get_attribute("src") != before
