"""Build the course site: ``python -m bncourse.build [--lang L ...]`` (what ``make book`` runs).

Each edition (``en``, ``zh-Hans``, and ``zh-Hant`` generated from ``zh-Hans``) is its own Sphinx
build through Jupyter Book's configuration machinery, from the one root ``_config.yml`` plus the
edition's values (language, search text, cache folder, vendored scripts):

    _build/src/zh-Hant/     the generated Traditional pages (rewritten only when changed)
    _build/cache/<lang>/    jupyter-cache: a page is re-executed only when its code changed
    _build/doctrees/<lang>/ Sphinx's environment: a rebuild re-reads only changed pages
    _build/results/         experiment results shared by the editions' kernels (bnbook.experiments.store)
    _build/views/           the baked widgets' images, by content hash (see bnbook.widgets._bake);
                            each edition publishes those its pages use in _static/views/
    _build/html/<lang>/     the edition
    _build/html/index.html  sends a reader to the edition their browser prefers, or lets them choose

Warnings are errors (``-W``), so a cell that raises, output on stderr, a missing glyph, a broken
reference or an unknown ``{exercise}`` name fails the build and names the page.
Each edition runs in its own Python process, with ``BNBOOK_LANG`` set for its kernels and
``BNBOOK_BAKE_DIR`` telling them to bake their widgets for the static site, and
``BNBOOK_RESULTS_DIR`` letting the zh-Hans and zh-Hant kernels reuse the experiments the en kernel ran.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bncourse.editions import EDITIONS, generate_zh_hant
from bncourse.repository import book_config, find_repository
from bncourse.vendor import IPYWIDGETS_JS, MATHJAX_PATH, vendor
from bnbook.experiments.store import RESULTS_DIR_VARIABLE, package_fingerprint
from bnbook.widgets._bake import BAKE_DIR_VARIABLE

FAVICON = Path(__file__).with_name("static") / "favicon.svg"
# The repository root: the current folder when it holds _config.yml (make book), else the
# checkout this file lives in (src/bncourse/build.py).
ROOT = Path.cwd() if (Path.cwd() / "_config.yml").is_file() else Path(__file__).resolve().parents[2]


def _deep_update(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def edition_config(root: Path, lang: str, static: Path) -> dict:
    """The root ``_config.yml`` with this edition's values filled in (absolute paths)."""
    edition = EDITIONS[lang]
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    _deep_update(
        config,
        {
            "title": edition.title,
            "execute": {"cache": str(root / "_build" / "cache" / lang)},
            "repository": {"path_to_book": edition.path_to_book},
            "sphinx": {
                "config": {
                    "language": edition.sphinx_language,
                    "html_theme_options": {"search_bar_text": edition.search_bar_text},
                    "html_static_path": [str(static)],
                    "mathjax_path": MATHJAX_PATH,
                    "html_favicon": str(FAVICON),
                    "nb_ipywidgets_js": IPYWIDGETS_JS,
                    "bncourse_edition": lang,
                }
            },
        },
    )
    hub = os.environ.get("BNBOOK_JUPYTERHUB_URL")
    if hub:
        config.setdefault("launch_buttons", {})["jupyterhub_url"] = hub
    # The repository and launch buttons: the clone's git remote or BNBOOK_REPOSITORY, else none.
    return _deep_update(config, book_config(find_repository(root)[0]))


# Pages whose output is generated from data files rather than from their own code: the
# jupyter-cache keys a page on its code only, so such a page is dropped from the cache (and
# re-read by Sphinx) when its data changes. Paths are relative to the repository root.
DATA_PAGES = {
    "glossary": ["src/bnbook/i18n/glossary", "src/bnbook/i18n/strings/site.toml"],
}
# A page that shows a widget also depends on the widget's module and the baking plumbing
# (its baked views are part of its cached output), and on the labels.
WIDGET_IMPORT = re.compile(r"bnbook\.widgets(?:\.(\w+)|\s+import\s+([\w ,]+))")
WIDGET_PLUMBING = ["src/bnbook/widgets/_figure.py", "src/bnbook/widgets/_bake.py", "src/bnbook/i18n/strings"]


def page_data(page: Path) -> list[str]:
    """The files besides its code that a page's cached output depends on (repository-relative)."""
    modules: set[str] = set()
    for match in WIDGET_IMPORT.finditer(page.read_text(encoding="utf-8")):
        names = [match[1]] if match[1] else [n.split(" as ")[0].strip() for n in match[2].split(",")]
        modules.update(n for n in names if n)
    widgets = [f"src/bnbook/widgets/{m}.py" for m in sorted(modules)]
    return DATA_PAGES.get(page.stem, []) + (WIDGET_PLUMBING + widgets if widgets else [])


def _data_digest(root: Path, paths: list[str]) -> str:
    digest = hashlib.sha256()
    for rel in paths:
        target = root / rel
        files = sorted(target.rglob("*")) if target.is_dir() else [target]
        for path in files:
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def refresh_data_pages(root: Path, lang: str, source: Path) -> list[str]:
    """Drop the cached execution of pages whose data (:func:`page_data`) changed; return their names."""
    cache_dir = root / "_build" / "cache" / lang
    refreshed = []
    for path in sorted(source.glob("*.md")):
        page, paths = path.stem, page_data(path)
        if not paths:
            continue
        digest = _data_digest(root, paths)
        stamp = cache_dir / f".{page}.data-sha256"
        if stamp.is_file() and stamp.read_text() == digest:
            continue
        if cache_dir.is_dir():  # else a first build: nothing cached to drop
            from jupyter_cache import get_cache

            cache = get_cache(str(cache_dir))
            for record in cache.list_cache_records():
                if Path(record.uri).resolve() == path.resolve():
                    cache.remove_cache(record.pk)
            os.utime(path)  # newer than Sphinx's environment: the page is read (and executed) again
            refreshed.append(page)
        cache_dir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)
    return refreshed


def _labels(lang: str) -> dict[str, str]:
    """Every figure and widget label as this edition draws it (zh-Hant: converted)."""
    from bnbook import i18n

    return {key: i18n.t(key, lang) for key in i18n.strings()}


def refresh_label_pages(root: Path, lang: str, source: Path) -> bool:
    """Drop the edition's cached executions when a label it draws changed; True if it did.

    The execution cache keys a page on its code only, but figures and widgets draw their labels
    from ``bnbook.i18n`` (the strings, and for zh-Hant the glossary, the phrase overrides and the
    converter): a changed label would otherwise stay in every cached figure. Which page draws
    which label is not known, so every page of the edition runs again; labels that are only
    added change nothing already drawn.
    """
    cache_dir = root / "_build" / "cache" / lang
    stamp = cache_dir / ".labels.json"
    labels = _labels(lang)
    if stamp.is_file():
        old = json.loads(stamp.read_text(encoding="utf-8"))
        if all(labels.get(key) == text for key, text in old.items()):
            if old != labels:
                stamp.write_text(json.dumps(labels, ensure_ascii=False, sort_keys=True), encoding="utf-8")
            return False
    elif not cache_dir.is_dir():  # nothing cached yet: nothing stale
        cache_dir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(labels, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        return False
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    for record in cache.list_cache_records():
        cache.remove_cache(record.pk)
    for path in source.rglob("*.md"):
        os.utime(path)  # newer than Sphinx's environment: the page is read (and executed) again
    stamp.write_text(json.dumps(labels, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return True


KERNEL_STARTUP = """\
# Written by bncourse.build: runs at the start of every kernel that executes a page.
# NumPy 2 writes a scalar as np.float64(0.98); myst-nb's {glue:text} formats that text
# as a number and fails, so the pages' kernels print NumPy scalars as plain numbers.
import numpy

numpy.set_printoptions(legacy="1.25")
"""


def forget_old_results(folder: Path) -> Path:
    """The results folder for this version of bnbook; results of other versions are deleted."""
    current = folder / package_fingerprint()
    if folder.is_dir():
        for old in folder.iterdir():
            if old != current:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
    current.parent.mkdir(parents=True, exist_ok=True)
    return folder


def kernel_ipython_dir(root: Path) -> Path:
    """An IPython folder for the build's kernels, with the startup file above."""
    ipython_dir = root / "_build" / "ipython"
    startup = ipython_dir / "profile_default" / "startup" / "00-bnbook.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    if not startup.is_file() or startup.read_text(encoding="utf-8") != KERNEL_STARTUP:
        startup.write_text(KERNEL_STARTUP, encoding="utf-8")
    return ipython_dir


def build_edition(root: Path, lang: str, static: Path) -> int:
    """One Sphinx build of one edition, in this process; 0 on success.

    The merged configuration is written to ``_build/config/<lang>/_config.yml`` (inspectable)
    and handed to Jupyter Book's ``build_sphinx`` like ``jupyter-book build --config`` would.
    """
    os.environ["BNBOOK_LANG"] = lang
    # myst-nb writes the executed notebooks and their images to <outdir>/../jupyter_execute, and
    # sphinx-book-theme copies the download .ipynb from there: one folder the three editions
    # would share (and overwrite). While this edition builds, that path is a link to its own
    # _build/jupyter_execute/<lang>; the link is removed afterwards so nothing of it is published.
    shared = root / "_build" / "html" / "jupyter_execute"
    own = root / "_build" / "jupyter_execute" / lang
    own.mkdir(parents=True, exist_ok=True)
    shared.parent.mkdir(parents=True, exist_ok=True)
    if shared.is_symlink() or shared.is_file():
        shared.unlink()
    elif shared.is_dir():
        shutil.rmtree(shared)
    shared.symlink_to(own, target_is_directory=True)
    source = root / EDITIONS[lang].source
    config_path = root / "_build" / "config" / lang / "_config.yml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        "# Generated by bncourse.build from the root _config.yml; do not edit.\n"
        + yaml.safe_dump(edition_config(root, lang, static), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    refreshed = refresh_data_pages(root, lang, source)
    if refreshed:
        print(f"{lang}: data changed for {', '.join(refreshed)}: executed again", flush=True)
    if refresh_label_pages(root, lang, source):
        print(f"{lang}: figure and widget labels changed: every page executed again", flush=True)
    try:
        result = _build(root, lang, source, config_path)
    finally:
        shared.unlink()
    return 0 if result == 0 else 1


def _build(root: Path, lang: str, source: Path, config_path: Path):
    from jupyter_book.sphinx import build_sphinx

    return build_sphinx(
        str(source),
        str(root / "_build" / "html" / lang),
        doctreedir=str(root / "_build" / "doctrees" / lang),
        noconfig=True,
        path_config=str(config_path),
        confoverrides={"external_toc_path": str(source / "_toc.yml"), "latex_individualpages": False},
        warningiserror=True,
        builder="html",
    )


ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="en/_static/favicon.svg" type="image/svg+xml">
<script>
// Send the reader to the edition their browser prefers; with no Chinese or English
// preference, stay here and let them choose. ?choose keeps this page (for the links below).
(function () {{
  if (location.search.indexOf("choose") >= 0) return;
  var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  for (var i = 0; i < langs.length; i++) {{
    var l = (langs[i] || "").toLowerCase();
    var target = null;
    if (/^zh-(hant|tw|hk|mo)/.test(l)) target = "zh-Hant";
    else if (/^zh/.test(l)) target = "zh-Hans";
    else if (/^en/.test(l)) target = "en";
    if (target) {{ location.replace(target + "/{first}.html"); return; }}
  }}
}})();
</script>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.6; }}
ul {{ list-style: none; padding: 0; }} li {{ margin: .6rem 0; font-size: 1.25rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>Choose a language · 选择语言 · 選擇語言</p>
<ul id="editions">
{links}
</ul>
</body>
</html>
"""


def write_root_index(root: Path) -> Path:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    first = _root_page(root / "book" / "en" / "_toc.yml")
    links = "\n".join(
        f'<li><a lang="{e.html_lang}" hreflang="{e.html_lang}" href="{e.lang}/{first}.html">{html.escape(e.label)}</a></li>'
        for e in EDITIONS.values()
    )
    out = root / "_build" / "html" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(ROOT_INDEX.format(title=html.escape(config["title"]), first=first, links=links), encoding="utf-8")
    return out


def _root_page(toc: Path) -> str:
    return str(yaml.safe_load(toc.read_text(encoding="utf-8"))["root"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bncourse.build", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", choices=list(EDITIONS), help="build only these editions (repeatable)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root (default: %(default)s)")
    parser.add_argument("--edition-process", choices=list(EDITIONS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    static = root / "_build" / "vendor" / "static"

    if args.edition_process:  # the child process of one edition
        return build_edition(root, args.edition_process, static)

    langs = args.lang or list(EDITIONS)
    print(find_repository(root)[1], flush=True)
    vendor(root / "_build")
    if "zh-Hant" in langs:
        changed = generate_zh_hant(root)
        print(f"zh-Hant: {len(changed)} generated file(s) changed: {', '.join(changed) or 'none'}", flush=True)
    results = forget_old_results(root / "_build" / "results")
    timings = {}
    for lang in langs:
        start = time.perf_counter()
        print(f"=== building the {lang} edition ===", flush=True)
        rc = subprocess.call(
            [sys.executable, "-m", "bncourse.build", "--root", str(root), "--edition-process", lang],
            env={**os.environ, "BNBOOK_LANG": lang, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", ""),
                 BAKE_DIR_VARIABLE: str(root / "_build" / "views"),
                 RESULTS_DIR_VARIABLE: str(results),
                 "IPYTHONDIR": str(kernel_ipython_dir(root)),
                 # The build's own matplotlib cache: the user's one may list the fonts of another
                 # installation (or a half-deleted one); a missing font then warns on stderr and
                 # fails the build.
                 "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR") or str(root / "_build" / "matplotlib")},
        )
        timings[lang] = round(time.perf_counter() - start, 1)
        if rc != 0:
            print(f"error: the {lang} edition failed to build (see the messages above)", file=sys.stderr)
            return rc
    index = write_root_index(root)
    print(f"built {', '.join(langs)} in {json.dumps(timings)} s; open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
