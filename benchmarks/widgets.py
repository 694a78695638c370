"""Latency of every widget of the book: the time from a control change to the new image.

Each module ``bnbook.widgets.<topic>`` lists its cases in ``benchmark_cases()`` as
``(name, factory, [(control_name, value), ...])``. For each case the widget is built, then
every control change is applied in turn (the observer runs synchronously, so the time of
the assignment is compute + redraw + PNG encoding), several rounds over the list.

Printed per widget: median and 95th percentile in ms against the targets (median < 50 ms,
p95 < 100 ms on 2 cores), and the ratio of the median to a full redraw of the same figure
measured in the same run (the cost a widget that re-plots everything would pay at least).

    .venv/bin/python benchmarks/widgets.py [--rounds 5] [--lang en]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import statistics
import time

import numpy as np

import bnbook.widgets
from bnbook.i18n import set_language

MEDIAN_TARGET_MS, P95_TARGET_MS = 50.0, 100.0


def widget_modules():
    for info in pkgutil.iter_modules(bnbook.widgets.__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"bnbook.widgets.{info.name}")
            if hasattr(module, "benchmark_cases"):
                yield info.name, module


def time_case(factory, steps, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each control change, and of full redraws of the same figure."""
    box = factory()
    updates, full = [], []
    for _ in range(rounds):
        for control_name, value in steps:
            control = box.controls[control_name]
            start = time.perf_counter()
            control.value = value
            updates.append(1e3 * (time.perf_counter() - start))
        start = time.perf_counter()
        box.view.refresh(full=True)
        full.append(1e3 * (time.perf_counter() - start))
    return updates, full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lang", default="en", choices=["en", "zh-Hans", "zh-Hant"])
    args = parser.parse_args()
    set_language(args.lang)

    header = f"{'widget':42} {'changes':>7} {'median ms':>10} {'p95 ms':>8} {'full redraw ms':>15} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    misses = total = 0
    for module_name, module in widget_modules():
        for name, factory, steps in module.benchmark_cases():
            updates, full = time_case(factory, steps, args.rounds)
            median, p95 = statistics.median(updates), float(np.percentile(updates, 95))
            ok = median < MEDIAN_TARGET_MS and p95 < P95_TARGET_MS
            total += 1
            misses += not ok
            print(f"{module_name + '.' + name:42} {len(updates):7d} {median:10.1f} {p95:8.1f} "
                  f"{statistics.median(full):15.1f} {median / statistics.median(full):6.2f}"
                  f"{'' if ok else '  (over target)'}")
    print(f"\n{misses} of {total} widgets over the targets (median < {MEDIAN_TARGET_MS:.0f} ms, "
          f"p95 < {P95_TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
