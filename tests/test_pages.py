"""Page discovery and output paths: mirrored, sanitised, always inside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.pages import discover, output_path, output_stem


@pytest.mark.parametrize("key, stem", [
    ("n/naltrexone.md", "n/naltrexone"),
    ("c/clonazepam-.md", "c/clonazepam-"),
    ("c/clonazepam.md", "c/clonazepam"),
    ("../../etc/passwd.md", "etc/passwd"),
    ("CON.md", "_CON"),
    ("lpt1.md", "_lpt1"),
    ("a/.hidden.md", "a/hidden"),
    ("a b?*.md", "a-b-"),
    ("x" * 300 + ".md", "x" * 120),
])
def test_output_stem(key: str, stem: str) -> None:
    assert output_stem(key) == stem


def test_output_path_stays_inside(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    target = output_path(out, "en", "../../../etc/passwd.md", ".pdf")
    assert target == (out / "en" / "etc" / "passwd.pdf").resolve()
    sneaky = output_path(out, "../x", "a.md", ".html")
    assert sneaky.is_relative_to(out.resolve()) and sneaky.parent.parent == out.resolve()


def test_discover_sorted_keys_and_errors(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.md").write_text("x")
    (tmp_path / "a.md").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.md").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.key for p in discover([tmp_path])] == ["a.md", "b/z.md"]
    assert [p.key for p in discover([tmp_path / "b"], root=tmp_path)] == ["b/z.md"]
    with pytest.raises(PublishError, match="no Markdown pages"):
        discover([_empty(tmp_path)])
    with pytest.raises(PublishError, match="no such file"):
        discover([tmp_path / "missing"])


def _empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder
