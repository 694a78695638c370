"""How long the site takes to build: clean, rebuilt with no change, rebuilt with one page changed.

    python benchmarks/build.py                    # all editions (en, zh-Hans, zh-Hant)
    python benchmarks/build.py --baseline d545e30 # the same for an earlier revision, and the ratios

Runs ``python -m bncourse.build`` on a copy of the repository in a temporary folder (so the
working tree's ``_build`` is untouched; the npm downloads in ``_build/vendor/npm`` are reused
so the clean build measures the build, not the network). The "one page changed" step edits
one code cell of ``book/en/preface.md`` and reports which pages the build executed: the target
is that only that page runs again. Prints seconds; targets on 2 cores: no-change rebuild < 60 s,
and a clean build at most twice the one before the widgets were baked (``--baseline d545e30``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ["_config.yml", "book", "src", "pyproject.toml"]
EXECUTED = re.compile(r"(\S+\.md): Executing notebook")


def build(root: Path) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bncourse.build", "--root", str(root)],
        cwd=root, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"the build failed (exit {proc.returncode})")
    executed = [Path(m).relative_to(root).as_posix() for m in EXECUTED.findall(proc.stdout + proc.stderr)]
    return seconds, executed


def checkout(root: Path, rev: str | None) -> None:
    """The files a build reads, from the working tree (``rev`` None) or from a git revision."""
    if rev is None:
        for name in COPY:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, *COPY], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    npm = ROOT / "_build" / "vendor" / "npm"
    if npm.is_dir():
        shutil.copytree(npm, root / "_build" / "vendor" / "npm")


def measure(rev: str | None, label: str) -> dict[str, float]:
    """Clean build, rebuild with no change, rebuild with one page changed: seconds, printed."""
    with tempfile.TemporaryDirectory(prefix="bnbook-build-") as tmp:
        root = Path(tmp)
        checkout(root, rev)
        clean, executed = build(root)
        print(f"{label} clean build:                 {clean:7.1f} s  ({len(executed)} pages executed)")
        again, executed = build(root)
        print(f"{label} rebuild, nothing changed:    {again:7.1f} s  ({len(executed)} pages executed: "
              f"{executed or 'none'})")
        page = root / "book" / "en" / "preface.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("rng = np.random.default_rng(0)", "rng = np.random.default_rng(1)", 1),
                        encoding="utf-8")
        one, executed = build(root)
        print(f"{label} rebuild, one page changed:   {one:7.1f} s  ({len(executed)} pages executed: {executed})")
    return {"clean": clean, "again": again, "one": one}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", help="also build this git revision (e.g. before a change) "
                                                           "and print the ratios of the two")
    args = parser.parse_args()
    pages = len(list((ROOT / "book" / "en").glob("*.md")))
    print(f"{pages} pages per edition, 3 editions, on {os.cpu_count()} cores")
    now = measure(None, "working tree:")
    print(f"ratios: no-change / clean = {now['again'] / now['clean']:.2f}, one-page / clean = "
          f"{now['one'] / now['clean']:.2f}")
    if args.baseline:
        then = measure(args.baseline, f"{args.baseline}:")
        print(f"working tree / {args.baseline}: clean {now['clean'] / then['clean']:.2f} (target <= 2), "
              f"no change {now['again'] / then['again']:.2f}, one page {now['one'] / then['one']:.2f}")


if __name__ == "__main__":
    main()
