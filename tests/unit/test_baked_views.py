"""Publishing the baked widgets' images with an edition (bncourse.baked_views)."""

from __future__ import annotations

from bncourse.baked_views import copy_views, referenced_views

A, B, C = ("a" * 24 + ".png", "b" * 24 + ".png", "c" * 24 + ".png")


def _page(outdir, name, *images):
    # the widget state is JSON in a <script>: "/" may be written "\/"
    refs = ", ".join(f'"<img src=\'_static\\/views\\/{image}\'>"' for image in images)
    (outdir / name).write_text(f'<script type="application/vnd.jupyter.widget-state+json">[{refs}]</script>')


def test_an_edition_gets_exactly_the_images_its_pages_use(tmp_path):
    folder, outdir = tmp_path / "views", tmp_path / "html"
    folder.mkdir(), outdir.mkdir()
    for image in (A, B, C):
        (folder / image).write_bytes(image.encode())
    _page(outdir, "01.html", A, B)
    _page(outdir, "02.html", B)
    assert referenced_views(outdir) == {A: "01.html", B: "01.html"}
    stale = outdir / "_static" / "views" / C
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    assert copy_views(outdir, folder) == (2, {})
    assert sorted(p.name for p in stale.parent.iterdir()) == [A, B]
    assert (stale.parent / A).read_bytes() == A.encode()


def test_a_missing_image_is_reported_with_its_page_and_nothing_changes(tmp_path):
    folder, outdir = tmp_path / "views", tmp_path / "html"
    folder.mkdir(), outdir.mkdir()
    _page(outdir, "03.html", C)
    assert copy_views(outdir, folder) == (0, {C: "03.html"})
    assert not (outdir / "_static").exists()
