"""Job fingerprints cover the tools each format depends on: an upgrade rebuilds what it
affects and nothing else, and looking the versions up stays cheap.

Real sites, real renderers, real builds. Only the version lookup is replaced, to stand for
an upgrade: another WeasyPrint or espeak-ng cannot be installed while the tests run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from publish.build import tools
from publish.build.tools import ToolVersions, tool_version
from tests.outputs import assert_complete
from tests.test_build import code_guard, make_site, outputs, run_inline

QUICK_FORMATS = ("pdf", "html", "sms", "json")


def by_format(report, status: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(outcome.format for outcome in report.outcomes if outcome.status == status)


def upgrade(monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """Make `names` look upgraded; returns the list of every tool looked up from then on."""
    asked: list[str] = []

    def upgraded(tool: str) -> str:
        asked.append(tool)
        real = tool_version(tool)
        return real + "+upgraded" if tool in names else real

    monkeypatch.setattr(tools, "tool_version", upgraded)
    return asked


def test_the_versions_of_installed_tools_are_found() -> None:
    versions = ToolVersions()
    assert versions.version("weasyprint")[0].isdigit()
    assert versions.version("fontpkg-atkinson-hyperlegible")[0].isdigit()
    assert "1." in versions.version("espeak-ng")
    assert versions.version("ffmpeg").startswith("ffmpeg version")
    assert versions.version("system-fonts") not in ("", "unavailable")
    assert versions.version("no-such-distribution-here") == "not installed"
    assert versions.fingerprint(["babel", "jinja2"]) == versions.fingerprint(
        ["jinja2", "babel", "jinja2"])


@pytest.mark.parametrize(("tool", "rebuilt"), [
    ("weasyprint", {"pdf"}),
    ("fontpkg-atkinson-hyperlegible", {"pdf", "html"}),  # the HTML inlines the theme's fonts
    ("system-fonts", {"pdf"}),
    ("gsm0338", {"sms"}),
    ("babel", set(QUICK_FORMATS)),
])
def test_an_upgrade_rebuilds_only_the_formats_that_use_the_tool(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str, rebuilt: set[str]) -> None:
    root = make_site(tmp_path, 2, QUICK_FORMATS)
    guard = code_guard(*QUICK_FORMATS)
    first = run_inline(root, QUICK_FORMATS)
    assert first.count("failed") == 0, [o.error for o in first.outcomes]
    assert run_inline(root, QUICK_FORMATS).count("unchanged") == 2 * len(QUICK_FORMATS)

    upgrade(monkeypatch, tool)
    report = run_inline(root, QUICK_FORMATS)
    guard()
    assert by_format(report, "written") == {fmt: 2 for fmt in rebuilt}
    assert by_format(report, "unchanged") == {fmt: 2 for fmt in QUICK_FORMATS
                                              if fmt not in rebuilt}
    for path in outputs(root / "dist"):
        assert_complete(path)
    # The upgrade is recorded: the next build finds everything up to date again.
    assert run_inline(root, QUICK_FORMATS).count("unchanged") == 2 * len(QUICK_FORMATS)


def test_each_version_is_looked_up_once_per_build_and_only_for_formats_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = ("html", "sms", "json")
    root = make_site(tmp_path, 6, formats)
    asked = upgrade(monkeypatch)
    run_inline(root, formats)
    assert max(Counter(asked).values()) == 1
    # No program is started for formats that do not need one (no PDF, no audio here).
    assert not {"espeak-ng", "ffmpeg", "system-fonts", "weasyprint"} & set(asked)
    asked.clear()
    assert run_inline(root, formats).count("unchanged") == 6 * len(formats)
    assert max(Counter(asked).values()) == 1


def test_an_espeak_upgrade_rebuilds_only_the_recordings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = ("audio", "sms", "json")
    root = make_site(tmp_path, 1, formats)
    guard = code_guard(*formats)
    first = run_inline(root, formats)
    assert first.count("failed") == 0, [o.error for o in first.outcomes]

    upgrade(monkeypatch, "espeak-ng")
    report = run_inline(root, formats)
    guard()
    assert by_format(report, "written") == {"audio": 1}
    assert by_format(report, "unchanged") == {"sms": 1, "json": 1}
    for path in outputs(root / "dist"):
        assert_complete(path)

    upgrade(monkeypatch, "espeak-ng", "ffmpeg")
    report = run_inline(root, formats)
    assert by_format(report, "written") == {"audio": 1}


def test_without_dpkg_the_system_fonts_are_their_files_sizes_and_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = tools.shutil.which
    monkeypatch.setattr(tools.shutil, "which",
                        lambda name: None if name == "dpkg-query" else real_which(name))
    stamp = tool_version("system-fonts")
    assert len(stamp) == 64 and stamp == tool_version("system-fonts")
