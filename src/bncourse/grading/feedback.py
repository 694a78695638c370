"""nbgrader's feedback exporter with its Jinja templates compiled once per process.

``GenerateFeedback`` makes a new ``HTMLExporter`` for every student, and each new exporter
parses and compiles the same templates again: about a third of the time that feedback takes
per student. Jinja's bytecode cache, kept here in memory for the life of the process (one
grading worker), skips that work from the second student on; Jinja checks each template's
source against the cached code, so an edited template is compiled afresh.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_CACHE = _MemoryBytecodeCache()


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` whose Jinja environment shares the process's compiled templates."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _CACHE
        return environment
