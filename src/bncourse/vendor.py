"""Third-party browser files the site serves itself, fetched from npm at build time.

The built site must load nothing from outside its own folder (campus intranets, blocked CDNs).
MathJax 3, require.js and the ipywidgets HTML manager are npm packages: ``npm pack`` downloads
their tarballs once into ``_build/vendor/npm`` (kept between builds, so a rebuild needs no
network) and the files the pages use are unpacked into ``_build/vendor/static/vendor``, which
each edition copies into its ``_static/vendor``. The theme's own fonts and icons come with its
PyPI wheel (pydata-sphinx-theme ships Font Awesome locally).
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

__all__ = ["PACKAGES", "vendor", "MATHJAX_PATH", "IPYWIDGETS_JS"]

# npm spec -> (tarball name, [(path inside the package, path under _static/vendor)])
PACKAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "mathjax@3.2.2": (
        "mathjax-3.2.2.tgz",
        [
            # The combined component Sphinx loads, plus what it may load lazily: fonts,
            # TeX extensions (autoload), the context menu and accessibility parts.
            ("es5/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
            ("es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
            ("es5/input/tex/extensions", "mathjax/input/tex/extensions"),
            ("es5/ui", "mathjax/ui"),
            ("es5/a11y", "mathjax/a11y"),
            ("es5/sre/mathmaps/en.json", "mathjax/sre/mathmaps/en.json"),
            ("LICENSE", "mathjax/LICENSE"),
        ],
    ),
    "requirejs@2.3.8": (
        "requirejs-2.3.8.tgz",
        [("require.js", "requirejs/require.js")],
    ),
    # html-manager 1.x renders ipywidgets 8 state (controls 2.0); its webpack chunks load the
    # Font Awesome files next to the script (publicPath = the script's own folder).
    "@jupyter-widgets/html-manager@1.0.15": (
        "jupyter-widgets-html-manager-1.0.15.tgz",
        [("dist", "html-manager/dist")],
    ),
}

# Paths relative to an edition's _static folder (Sphinx resolves non-URL js paths there).
MATHJAX_PATH = "vendor/mathjax/tex-mml-chtml.js"
IPYWIDGETS_JS = {
    "vendor/requirejs/require.js": {},
    # The CDN attribute points at our own folder, so an unknown widget module can never be
    # fetched from a public CDN (the course only uses the core widgets, which are bundled).
    "vendor/html-manager/dist/embed-amd.js": {"data-jupyter-widgets-cdn": "_static/vendor/"},
}

_SKIP_SUFFIXES = (".map",)


def _fetch(npm_dir: Path, spec: str, tarball: str) -> Path:
    path = npm_dir / tarball
    if not path.is_file():
        npm_dir.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                f"npm is needed once to download {spec} into {npm_dir} (apt-get install npm)"
            )
        subprocess.run([npm, "pack", "--silent", spec], cwd=npm_dir, check=True, stdout=subprocess.DEVNULL)
        if not path.is_file():
            raise RuntimeError(f"npm pack {spec} did not produce {path}")
    return path


def vendor(build_dir: Path) -> Path:
    """Make sure ``<build_dir>/vendor/static/vendor`` holds every vendored file; return ``.../static``."""
    npm_dir = build_dir / "vendor" / "npm"
    static = build_dir / "vendor" / "static"
    stamp = static / ".complete"
    wanted = "\n".join(sorted(PACKAGES))
    if stamp.is_file() and stamp.read_text() == wanted:
        return static
    if static.exists():
        shutil.rmtree(static)
    for spec, (tarball, files) in PACKAGES.items():
        archive = _fetch(npm_dir, spec, tarball)
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for inside, target in files:
                prefix = "package/" + inside
                hits = [
                    m for m in members
                    if m.isfile() and (m.name == prefix or m.name.startswith(prefix + "/"))
                    and not m.name.endswith(_SKIP_SUFFIXES)
                    and not m.name.endswith(("/embed.js", "/libembed-amd.js"))  # bundles the page does not load
                ]
                if not hits:
                    raise RuntimeError(f"{spec}: {inside} is not in {archive.name}")
                for m in hits:
                    rel = m.name[len(prefix):].lstrip("/")
                    out = static / "vendor" / target / rel if rel else static / "vendor" / target
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(m) as f:
                        out.write_bytes(f.read())
    stamp.write_text(wanted)
    return static
