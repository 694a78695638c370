"""bnbook.experiments.store: results kept on disk during a site build, and only then."""

from pathlib import Path

import numpy as np
import pytest

from bnbook.experiments import store

CALLS: list[tuple] = []


@store.remembered
def noisy_mean(n: int, seed: int = 0) -> np.ndarray:
    CALLS.append((n, seed))
    return np.random.default_rng(seed).normal(size=n).mean(keepdims=True)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()
    store._memory.cache_clear()
    yield
    store._memory.cache_clear()


def test_outside_a_build_every_call_computes(monkeypatch):
    monkeypatch.delenv(store.RESULTS_DIR_VARIABLE, raising=False)
    first, second = noisy_mean(5), noisy_mean(5)
    assert CALLS == [(5, 0), (5, 0)]
    np.testing.assert_array_equal(first, second)


def test_in_a_build_a_result_is_computed_once_per_arguments(monkeypatch, tmp_path):
    monkeypatch.setenv(store.RESULTS_DIR_VARIABLE, str(tmp_path))
    first = noisy_mean(5, seed=1)
    again = noisy_mean(5, seed=1)
    other = noisy_mean(5, seed=2)
    assert CALLS == [(5, 1), (5, 2)]
    np.testing.assert_array_equal(first, again)
    assert other[0] != first[0]
    # kept under the package's fingerprint, so another version of bnbook never reads it
    assert (tmp_path / store.package_fingerprint()).is_dir()


def test_the_fingerprint_follows_names_and_contents(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    before = store.source_fingerprint(tmp_path)
    assert store.source_fingerprint(tmp_path) == before
    (tmp_path / "a.py").write_text("x = 2\n")
    changed = store.source_fingerprint(tmp_path)
    (tmp_path / "a.py").rename(tmp_path / "b.py")
    renamed = store.source_fingerprint(tmp_path)
    assert len({before, changed, renamed}) == 3


def test_the_installed_package_has_a_fingerprint():
    assert store.package_fingerprint() == store.source_fingerprint(Path(store.__file__).parents[1])


def test_the_build_keeps_only_this_versions_results(tmp_path):
    from bncourse.build import forget_old_results

    results = tmp_path / "results"
    (results / "0123456789abcdef").mkdir(parents=True)
    (results / store.package_fingerprint()).mkdir()
    assert forget_old_results(results) == results
    assert [p.name for p in results.iterdir()] == [store.package_fingerprint()]
    assert forget_old_results(tmp_path / "fresh").is_dir()
