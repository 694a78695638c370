"""A fresh machine: `make book` / `make test` install the system packages they need as root with
apt-get, and otherwise stop at the start with the one command to run, naming each package."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bncourse import system

SCRIPT = Path(system.__file__)


def _run(target: str, path: Path) -> subprocess.CompletedProcess:
    """The Makefile's step, with only ``path`` on PATH (so chromium, bwrap, npm, apt-get are missing)."""
    return subprocess.run([sys.executable, str(SCRIPT), target], capture_output=True, text=True, timeout=120,
                          env={"PATH": str(path), "LANG": "C.UTF-8"})


def test_missing_packages_without_apt_get_stop_with_the_command_to_run(tmp_path):
    proc = _run("test", tmp_path)
    assert proc.returncode == 1
    err = proc.stderr
    for name, why in (("chromium", "browser"), ("bubblewrap", "sandbox"), ("npm", "MathJax")):
        line = next((l for l in err.splitlines() if l.strip().startswith(name + " ")), "")
        assert why in line, err
    assert "no apt-get" in err
    assert "sudo apt-get update && sudo apt-get install -y " in err and "bubblewrap" in err.splitlines()[-1]


def test_the_book_needs_fewer_packages_than_the_tests():
    assert set(system.NEEDS["book"]) < set(system.NEEDS["test"])
    assert "bubblewrap" not in system.NEEDS["book"] and "chromium" not in system.NEEDS["book"]


def test_without_root_the_message_says_so(monkeypatch):
    monkeypatch.setattr(system.shutil, "which", lambda name: "/usr/bin/" + name if name == "apt-get" else None)
    monkeypatch.setattr(system.os, "geteuid", lambda: 1000)
    assert system.can_install() == "installing them needs root"
    message = system.explain("book", [system.PACKAGES["npm"]], system.can_install())
    assert message.splitlines()[-1] == "  sudo apt-get update && sudo apt-get install -y npm"


def test_as_root_it_installs_with_apt_get(tmp_path):
    """A stand-in apt-get (first on PATH) records its calls and 'installs' the missing commands."""
    if os.geteuid() != 0:
        pytest.skip("installing needs root (the messages without root are tested above)")
    log = tmp_path / "apt.log"
    apt = tmp_path / "apt-get"
    apt.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {log}\n'
        'if [ "$1" = install ]; then\n'
        f"  for c in chromium bwrap npm; do printf '#!/bin/sh\\n' > {tmp_path}/$c; /bin/chmod +x {tmp_path}/$c; done\n"
        "fi\n")
    apt.chmod(0o755)
    proc = _run("test", tmp_path)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    installed = calls[1].split()
    assert installed[:3] == ["install", "-y", "-qq"]
    assert {"chromium", "bubblewrap", "npm"} <= set(installed[3:])
    assert _run("test", tmp_path).returncode == 0 and len(log.read_text().splitlines()) == 2, "nothing twice"
