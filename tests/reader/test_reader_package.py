"""The reader package: what other modules import from it, its size, and its build fingerprint."""

from __future__ import annotations

from pathlib import Path

import publish.reader
from publish.config import SITE_SETTINGS

try:  # the build's fingerprints, in their own module once the build is a package
    from publish.build.fingerprints import LEAFLET_MODULES, module_files
except ImportError:
    from publish.cache import LEAFLET_MODULES, module_files

PACKAGE = Path(publish.reader.__file__).parent


def test_public_names_stay_importable() -> None:
    from publish.reader import (  # noqa: F401
        MAX_PAGE_BYTES,
        decode_page,
        load_source,
        parse_blocks,
        read_page,
        remove_invisible,
    )

    assert remove_invisible("Take \u202e51 mg\u202c daily.") == (
        "Take 51 mg daily.", {"\u202e": 1, "\u202c": 1})


def test_the_page_size_limit_is_stated_once() -> None:
    assert publish.reader.MAX_PAGE_BYTES == SITE_SETTINGS["max_page_bytes"].default


def test_modules_stay_small() -> None:
    sizes = {path.name: len(path.read_text("utf-8").splitlines())
             for path in PACKAGE.glob("*.py")}
    assert max(sizes.values()) <= 300, sizes


def test_every_module_is_part_of_the_build_fingerprint() -> None:
    """An edited recogniser must rebuild every output: the build hashes the modules the
    reader uses, found through its imports."""
    assert "publish.reader" in LEAFLET_MODULES
    hashed = {path.resolve() for path in module_files(LEAFLET_MODULES)}
    assert {path.resolve() for path in PACKAGE.glob("*.py")} <= hashed
