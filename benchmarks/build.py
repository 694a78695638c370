"""How long the site takes to build: clean, rebuilt with no change, rebuilt with one page changed.

    python benchmarks/build.py            # all editions (en, zh-Hans, zh-Hant)
    python benchmarks/build.py --keep     # do not restore the touched page at the end

Runs ``python -m bncourse.build`` on a copy of the repository in a temporary folder (so the
working tree's ``_build`` is untouched; the npm downloads in ``_build/vendor/npm`` are reused
so the clean build measures the build, not the network). The "one page changed" step edits
one code cell of ``book/en/preface.md`` and reports which pages the build executed: the target
is that only that page runs again. Prints seconds; targets on 2 cores: no-change rebuild < 60 s.
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


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory(prefix="bnbook-build-") as tmp:
        root = Path(tmp)
        for name in COPY:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
        npm = ROOT / "_build" / "vendor" / "npm"
        if npm.is_dir():
            shutil.copytree(npm, root / "_build" / "vendor" / "npm")
        pages = len(list((root / "book" / "en").glob("*.md")))
        print(f"{pages} pages per edition, 3 editions, on {os.cpu_count()} cores")

        clean, executed = build(root)
        print(f"clean build:                 {clean:7.1f} s  ({len(executed)} pages executed)")

        again, executed = build(root)
        print(f"rebuild, nothing changed:    {again:7.1f} s  ({len(executed)} pages executed: {executed or 'none'})")

        page = root / "book" / "en" / "preface.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("rng = np.random.default_rng(0)", "rng = np.random.default_rng(1)", 1), encoding="utf-8")
        one, executed = build(root)
        print(f"rebuild, one page changed:   {one:7.1f} s  ({len(executed)} pages executed: {executed})")
        print(f"ratios: no-change / clean = {again / clean:.2f}, one-page / clean = {one / clean:.2f}")


if __name__ == "__main__":
    main()
