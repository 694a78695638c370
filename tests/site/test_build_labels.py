"""The build runs an edition's pages again when a label they draw changed (no built site needed)."""

from __future__ import annotations

import json

from bncourse import build


def test_a_changed_label_refreshes_the_edition_and_an_added_one_does_not(tmp_path, monkeypatch):
    source = tmp_path / "book"
    source.mkdir()
    (source / "page.md").write_text("# page\n", encoding="utf-8")
    labels = {"loss": "損失"}
    monkeypatch.setattr(build, "_labels", lambda lang: dict(labels))

    assert not build.refresh_label_pages(tmp_path, "zh-Hant", source)  # nothing cached yet
    stamp = tmp_path / "_build" / "cache" / "zh-Hant" / ".labels.json"
    assert json.loads(stamp.read_text(encoding="utf-8")) == labels
    assert not build.refresh_label_pages(tmp_path, "zh-Hant", source)  # unchanged

    labels["accuracy"] = "準確率"  # a new label: nothing drawn before used it
    assert not build.refresh_label_pages(tmp_path, "zh-Hant", source)
    assert json.loads(stamp.read_text(encoding="utf-8")) == labels

    labels["loss"] = "損失值"  # a changed label: cached figures show the old one
    assert build.refresh_label_pages(tmp_path, "zh-Hant", source)
    assert json.loads(stamp.read_text(encoding="utf-8"))["loss"] == "損失值"
    assert not build.refresh_label_pages(tmp_path, "zh-Hant", source)


def test_a_cache_from_before_the_labels_were_recorded_is_refreshed(tmp_path, monkeypatch):
    source = tmp_path / "book"
    source.mkdir()
    (source / "page.md").write_text("# page\n", encoding="utf-8")
    (tmp_path / "_build" / "cache" / "en").mkdir(parents=True)
    monkeypatch.setattr(build, "_labels", lambda lang: {"loss": "loss"})
    assert build.refresh_label_pages(tmp_path, "en", source)
    assert not build.refresh_label_pages(tmp_path, "en", source)
