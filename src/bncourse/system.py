"""The system packages ``make book`` and ``make test`` need, installed when possible.

Run by the Makefile before anything else, with the system Python (standard library only; nothing of
the course is installed yet)::

    python3 src/bncourse/system.py book    # what building the site needs
    python3 src/bncourse/system.py test    # what the whole test suite needs

Each package is checked by what it provides (a command, a font file, a Python module). Missing ones
are installed with apt-get when this runs as root on a machine with apt-get (CI, Binder-like
images, a fresh container); otherwise the command stops at once with the one command to run.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Package:
    """A Debian package, why the course needs it, and how to tell it is there."""

    name: str
    why: str
    present: Callable[[], bool]


def _command(name: str) -> Callable[[], bool]:
    return lambda: shutil.which(name) is not None


def _fonts(pattern: str) -> Callable[[], bool]:
    return lambda: any(glob.glob(os.path.join(d, "**", pattern), recursive=True)
                       for d in ("/usr/share/fonts", "/usr/local/share/fonts"))


def _venv_module() -> bool:
    # Debian's Python lacks ensurepip (so `python3 -m venv` fails) until python3-venv is installed.
    return subprocess.run([sys.executable, "-c", "import ensurepip"], capture_output=True).returncode == 0


PACKAGES = {
    "python3-venv": Package("python3-venv", "creates the virtual environment .venv", _venv_module),
    "npm": Package("npm", "fetches MathJax, require.js and the widget manager for the site", _command("npm")),
    "chromium": Package("chromium", "the headless browser of the site tests", _command("chromium")),
    "fonts-noto-cjk": Package("fonts-noto-cjk", "Chinese text in the browser screenshots",
                              _fonts("NotoSansCJK*")),
    "bubblewrap": Package("bubblewrap", "the sandbox of the grader (and its tests)", _command("bwrap")),
}
NEEDS = {
    "book": ["python3-venv", "npm"],
    "test": ["python3-venv", "npm", "chromium", "fonts-noto-cjk", "bubblewrap"],
}


def missing(target: str) -> list[Package]:
    """The packages ``target`` (``book`` or ``test``) needs that are not on this machine."""
    return [PACKAGES[name] for name in NEEDS[target] if not PACKAGES[name].present()]


def install_command(packages: list[Package]) -> str:
    """The one command that installs ``packages`` (Debian / Ubuntu)."""
    return "sudo apt-get update && sudo apt-get install -y " + " ".join(p.name for p in packages)


def explain(target: str, packages: list[Package], reason: str) -> str:
    lines = [f"`make {target}` needs system packages that are not installed ({reason}):"]
    lines += [f"  {p.name:<15} {p.why}" for p in packages]
    lines += ["Run this once, then `make " + target + "` again:", "  " + install_command(packages)]
    return "\n".join(lines)


def can_install() -> str | None:
    """``None`` when this process can install with apt-get, else why not."""
    if shutil.which("apt-get") is None:
        return "this machine has no apt-get; install the equivalent packages with its package manager"
    if os.geteuid() != 0:
        return "installing them needs root"
    return None


def ensure(target: str) -> int:
    """Install what ``target`` needs, or say what to run; 0 when everything is there."""
    needed = missing(target)
    if not needed:
        return 0
    why_not = can_install()
    if why_not is not None:
        print(explain(target, needed, why_not), file=sys.stderr)
        return 1
    names = [p.name for p in needed]
    print(f"installing system packages: {' '.join(names)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *names]):
        if subprocess.run(cmd, env=env).returncode != 0:
            print(explain(target, needed, f"`{' '.join(cmd)}` failed"), file=sys.stderr)
            return 1
    still = missing(target)
    if still:
        print(explain(target, still, "still missing after apt-get install"), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in NEEDS:
        print(f"usage: python3 {__file__} {{{','.join(NEEDS)}}}", file=sys.stderr)
        return 2
    return ensure(args[0])


if __name__ == "__main__":
    sys.exit(main())
