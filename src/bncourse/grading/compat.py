"""Every place the grader relies on nbgrader's or nbconvert's internals, in one module.

Checked against the versions below (``requirements.txt`` pins them); ``tests/grading/test_compat.py``
has one test per patch, which fails if a new release changes what the patch relies on. Upgrading
nbgrader or nbconvert means: change the pin, run that test file, adjust this module.

- :func:`one_engine_per_database` swaps ``nbgrader.api.create_engine`` for one that shares an engine
  per database (speed only: the gradebook's contents are the same).
- :func:`record_only_preprocessors`: the tail of nbgrader's ``Autograde`` pipeline that saves grades
  of a notebook that was already executed, named from nbgrader's own list.
- :class:`FeedbackExporter` overrides ``HTMLExporter``'s private ``_create_environment`` and re-does
  ``from_notebook_node`` with ``_init_resources`` and ``_nb_metadata`` (speed only: same page).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from importlib.metadata import version

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from .feedback import BYTECODE_CACHE, add_accessibility_attributes

# The versions the patches below were checked against (requirements.txt pins the same).
PINNED = {"nbgrader": "0.9.6", "nbconvert": "7.17.2"}


def version_mismatches() -> dict[str, tuple[str, str]]:
    """``{package: (pinned, installed)}`` for each package whose installed version is not the pinned one."""
    installed = {name: version(name) for name in PINNED}
    return {name: (PINNED[name], installed[name]) for name in PINNED if installed[name] != PINNED[name]}


def warn_if_unpinned() -> None:
    """A warning (not an error: the patches may still hold) when nbgrader or nbconvert moved."""
    for name, (pinned, installed) in version_mismatches().items():
        warnings.warn(f"{name} {installed} is installed; bncourse.grading.compat was checked against {pinned}: "
                      "run tests/grading/test_compat.py", stacklevel=2)


# ----------------------------------------------------------------------------- the engine swap
@contextmanager
def one_engine_per_database():
    """Within this block, nbgrader's gradebooks share one SQLAlchemy engine per database.

    nbgrader opens a new ``Gradebook``, and so a new engine (``nbgrader.api.create_engine``), several
    times for every student it records, and a new engine compiles every query afresh: most of the
    recording time. Only the recording process writes the course gradebook, so sharing its engine is
    safe; each ``Gradebook.close`` still closes its connections (``dispose``)."""
    import nbgrader.api

    create_engine = nbgrader.api.create_engine
    engines = {}

    def shared_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create_engine(url, **options)
        return engines[key]

    nbgrader.api.create_engine = shared_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = create_engine
        for engine in engines.values():
            engine.dispose()


# ----------------------------------------------------------------------------- recording only
def record_only_preprocessors() -> list[type]:
    """nbgrader's ``Autograde`` steps after the execution: save the grades, apply late penalties.

    A grading worker has already run the whole pipeline (cells restored from the gradebook,
    metadata checked, executed, output limited); the recorder runs these on its executed notebook."""
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    return [SaveAutoGrades, AssignLatePenalties]


# ----------------------------------------------------------------------------- the feedback exporter
class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` with the process's compiled templates and without its second parse.

    ``GenerateFeedback`` makes a new exporter for every student: the environment gets the
    process-wide bytecode cache (:data:`.feedback.BYTECODE_CACHE`), and the accessibility attributes
    that ``HTMLExporter`` adds by re-parsing the page with BeautifulSoup are added on the text."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = BYTECODE_CACHE
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node up to the rendering, then the attributes as text.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return add_accessibility_attributes(html), resources
