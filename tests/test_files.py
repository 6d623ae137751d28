"""The files module: the atomic writer, the file-stamp cache, opening without following links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.files import (
    StampCache,
    file_stamp,
    open_no_follow,
    read_no_follow,
    remove_partial_files,
    write_file_atomic,
    write_if_changed,
)


def test_atomic_write_replaces_the_target_with_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out" / "leaflet.json"
    write_file_atomic(target, b'{"old": true}')
    write_file_atomic(target, b'{"new": true}', durable=False)
    assert target.read_bytes() == b'{"new": true}'
    assert target.stat().st_mode & 0o044  # readable like any other new file, not 0600
    assert [p.name for p in target.parent.iterdir()] == ["leaflet.json"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "leaflet.json"
    write_file_atomic(target, b'{"old": true}')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_file_atomic(target, b'{"new": true}')
    assert target.read_bytes() == b'{"old": true}'
    assert [p.name for p in target.parent.iterdir()] == ["leaflet.json"]  # no temp file left


def test_atomic_write_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"mine")
    link = tmp_path / "out" / "leaflet.json"
    link.parent.mkdir()
    link.symlink_to(outside)
    write_file_atomic(link, b"{}")
    assert outside.read_bytes() == b"mine" and not link.is_symlink()


def test_partial_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    left = tmp_path / "a" / ".leaflet.pdf.x1y2.part"
    left.write_bytes(b"%PDF-cut")
    kept = tmp_path / "a" / "leaflet.pdf"
    kept.write_bytes(b"%PDF")
    assert remove_partial_files(tmp_path) == [left]
    assert kept.exists() and not left.exists()


def test_stamp_cache_computes_again_only_when_a_file_changes(tmp_path: Path) -> None:
    data = tmp_path / "sms.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    cache: StampCache[str] = StampCache()
    calls: list[str] = []

    def parse() -> str:
        calls.append("parse")
        return data.read_text("utf-8")

    assert cache.get("en", [data], parse) == "a = 1\n"
    assert cache.get("en", [data], parse) == "a = 1\n"
    assert calls == ["parse"]
    data.write_text("a = 22\n", encoding="utf-8")  # another size: another stamp
    assert cache.get("en", [data], parse) == "a = 22\n"
    data.unlink()
    assert file_stamp(data) is None
    with pytest.raises(FileNotFoundError):
        cache.get("en", [data], parse)
    assert len(calls) == 3


def test_stamp_cache_notices_a_file_replaced_with_the_same_size_and_time(
        tmp_path: Path) -> None:
    data = tmp_path / "speech.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    cache: StampCache[str] = StampCache()
    assert cache.get("en", [data], lambda: data.read_text("utf-8")) == "a = 1\n"
    # A new file renamed over it within the clock's resolution: only its identity differs.
    times = data.stat().st_atime_ns, data.stat().st_mtime_ns
    keep = tmp_path / "keep"  # holds the old inode, so the new file cannot reuse its number
    os.link(data, keep)
    write_file_atomic(data, b"a = 2\n", durable=False)
    os.utime(data, ns=times)
    assert cache.get("en", [data], lambda: data.read_text("utf-8")) == "a = 2\n"


def test_write_if_changed_keeps_the_file_and_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "locales" / "es" / "page.po"
    old = os.umask(0o027)
    try:
        assert write_if_changed(target, b"one\n")
        assert stat.S_IMODE(target.stat().st_mode) == 0o640  # what the umask gives
        target.chmod(0o664)  # a team's group-writable catalog stays so
        stamp = file_stamp(target)
        assert not write_if_changed(target, b"one\n")
        assert file_stamp(target) == stamp  # unchanged text: the file is not touched
        assert write_if_changed(target, b"two\n")
        assert target.read_bytes() == b"two\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o664
        assert [p.name for p in target.parent.iterdir()] == ["page.po"]
    finally:
        os.umask(old)


def test_no_follow_refuses_links_and_what_is_not_a_file(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"x")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(PublishError, match="is a symbolic link"):
        open_no_follow(link, os.O_WRONLY | os.O_APPEND)
    with pytest.raises(PublishError, match="is a symbolic link"):
        read_no_follow(link)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(PublishError, match="is not a regular file"):
        read_no_follow(tmp_path / "fifo")  # refused at once, not read for ever
    assert read_no_follow(tmp_path / "missing") is None
    assert read_no_follow(target) == b"x"
