"""Experiments of the book too long for a code cell, one module per chapter topic.

Each function says in its docstring which chapter uses it, is deterministic under a seed,
and returns plain arrays or dataclasses that the chapter plots.
"""
