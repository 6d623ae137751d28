"""The package installs anywhere: built-in data inside it, a site's folders override it, and
`publish.toml` is found from any folder of the site.

The slow test builds the wheel, installs it into a fresh virtual environment outside the
checkout and runs `publish build` in a folder holding nothing but one page: every default
format must be written and carry the disclaimer and the AI note.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from publish import resources
from publish.config import DEFAULT_AI_NOTE, DEFAULT_DISCLAIMER, find_config, load_config
from publish.theme import find_theme
from tests.conftest import ROOT
from tests.outputs import assert_complete
from tests.test_html import Tree

BUILTIN = ROOT / "publish" / "data"


# --- built-in data and the site's own folders -------------------------------------------------


def test_builtin_data_is_package_data() -> None:
    assert resources.builtin_data() == BUILTIN
    assert resources.builtin_themes_dir() == BUILTIN / "themes"
    assert sorted(resources.theme_folders(Path("/nonexistent"))) == ["large-print", "standard"]
    for language in ("en", "es"):
        for name in ("speech.toml", "lexicon.toml", "sms.toml"):
            assert (BUILTIN / "locales" / language / name).is_file()


def test_a_site_theme_overrides_the_builtin_one_by_name(tmp_path: Path) -> None:
    own = tmp_path / "themes" / "large-print"
    own.mkdir(parents=True)
    (own / "theme.toml").write_text('name = "ours"\nstylesheets = ["ours.css"]\n'
                                    "print_stylesheets = []\n", encoding="utf-8")
    (own / "ours.css").write_text("body { color: #000; }\n", encoding="utf-8")
    assert resources.find_theme(tmp_path, "large-print") == own
    assert resources.find_theme(tmp_path, "standard") == BUILTIN / "themes" / "standard"
    assert resources.find_theme(tmp_path, "nosuch") is None
    theme = find_theme("large-print", tmp_path)
    assert theme.name == "ours" and theme.folder == own
    # templates it lacks come from the built-in theme it overrides
    assert theme.fallback == BUILTIN / "themes" / "large-print"
    assert find_theme("standard", tmp_path).fallback == own


def test_locale_data_site_first_then_builtin(tmp_path: Path) -> None:
    site = tmp_path / "locales"
    (site / "es").mkdir(parents=True)
    (site / "es" / "sms.toml").write_text("[words]\n", encoding="utf-8")
    (site / "es" / "lexicon.toml").write_text("", encoding="utf-8")
    found = resources.locale_data_file(site, "es-MX", "sms.toml")
    assert found == site / "es" / "sms.toml"  # tag, then language
    assert resources.locale_data_file(site, "es", "speech.toml") == \
        BUILTIN / "locales" / "es" / "speech.toml"
    assert resources.locale_data_file(site, "en_GB", "sms.toml") == \
        BUILTIN / "locales" / "en" / "sms.toml"
    assert resources.locale_data_files(site, "es", "lexicon.toml") == [
        site / "es" / "lexicon.toml", BUILTIN / "locales" / "es" / "lexicon.toml"]
    assert resources.locale_data_file(site, "fr", "sms.toml") is None
    assert resources.locale_data_file(site, "../es", "sms.toml") is None  # never a path
    assert resources.locale_candidates("pt_BR") == ["pt_BR", "pt-BR", "pt"]


# --- finding publish.toml ---------------------------------------------------------------------


def test_config_is_found_in_the_folder_or_a_parent(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    deep = site / "content" / "a" / "b"
    deep.mkdir(parents=True)
    (site / "publish.toml").write_text('[site]\nname = "Clinic"\n', encoding="utf-8")
    monkeypatch.chdir(deep)
    config = load_config()
    assert config.root == site.resolve() and config.path == (site / "publish.toml").resolve()
    assert config.site["name"] == "Clinic" and config.content_dir == (site / "content").resolve()
    # --config wins
    other = tmp_path / "other.toml"
    other.write_text('[site]\nname = "Other"\n', encoding="utf-8")
    assert load_config(path=other).site["name"] == "Other"
    # no file anywhere: the defaults, rooted at the current folder
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    if find_config(tmp_path) is None:
        config = load_config()
        assert config.path is None and config.root == empty.resolve()
        assert config.site["name"] == "Medicine information"


def test_commands_work_from_a_subfolder_of_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content" / "t").mkdir(parents=True)
    (site / "publish.toml").write_text('[site]\ncontent = "content"\n', encoding="utf-8")
    (site / "content" / "t" / "testamol.md").write_text(PAGE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "publish", "check", "--json"],
                          cwd=site / "content" / "t", env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert entry["key"] == "t/testamol.md" and entry["status"] == "ok"


# --- the wheel --------------------------------------------------------------------------------

PAGE = """---
title: Testamol
---

# Testamol

### Usage
Testamol is used to treat mild headaches in adults.

### Dosage
**Adults:** 500 mg every 6 hours, at most 4 doses a day.

### Side Effects
**Common side effects include:**
* Nausea
* Drowsiness

**Serious side effects include:**
* Liver damage
* Severe skin rash

### FAQs
**Q: What should I do if I miss a dose?**
A: Take it as soon as you remember. Do not take two doses at once.
"""

PACKAGE_DATA = [f"publish/data/themes/{name}" for name in (
    "large-print/theme.toml", "large-print/leaflet.html", "large-print/blocks.html",
    "large-print/leaflet.css", "large-print/print.css", "standard/theme.toml",
    "standard/leaflet.html", "standard/leaflet.css", "standard/print.css")] + [
    f"publish/data/locales/{language}/{name}" for language in ("en", "es")
    for name in ("speech.toml", "lexicon.toml", "sms.toml")]


def squash(text: str) -> str:
    return " ".join(html.unescape(text).split())


def run(command: list[str | Path], cwd: Path, env: dict[str, str],
        timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-4000:])
    return done, time.monotonic() - start


_NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
    ".ruff_cache", ".publish-cache", "results")


def _not_source(folder: str, names: list[str]) -> set[str]:
    """What the wheel must not be built from: caches, and setuptools' own `build/` at the top
    (not the `publish/build/` package)."""
    ignored = set(_NOT_SOURCE(folder, names))
    if Path(folder).resolve() == ROOT.resolve() and "build" in names:
        ignored.add("build")
    return ignored


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_wheel_installs_and_builds_every_format_in_an_empty_folder(tmp_path: Path) -> None:
    # Outside the checkout, and without anything that would find it.
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    source = tmp_path / "source"  # a clean copy: no stale build/ folder can slip into the wheel
    shutil.copytree(ROOT, source, ignore=_not_source)
    wheels = tmp_path / "wheels"
    _, wheel_time = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", source,
                         "-w", wheels], tmp_path, env, 600)
    [wheel] = wheels.glob("publish-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert [name for name in PACKAGE_DATA if name not in names] == []
    modules = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "publish").rglob("*.py"))
    assert [name for name in modules if name not in names] == []
    assert not [name for name in names if name.endswith((".po", ".pot", ".mo"))]

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], tmp_path, env, 300)
    _, install_time = run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel],
                          tmp_path, env, 1200)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    located, _ = run([venv / "bin" / "python", "-c", "import publish; print(publish.__file__)"],
                     tmp_path, env, 60)
    assert Path(located.stdout.strip()).is_relative_to(venv)

    site = tmp_path / "empty-site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "testamol.md").write_text(PAGE, encoding="utf-8")
    _, build_time = run([venv / "bin" / "publish", "build", "-q"], site, env, 600)
    print(f"wheel {wheel_time:.1f} s, install {install_time:.1f} s, build {build_time:.1f} s")

    out = site / "dist" / "en"
    written = sorted(path.name for path in out.iterdir())
    assert written == ["index.html", "testamol.html", "testamol.mp3", "testamol.pdf",
                       "testamol.sms.json", "testamol.sms.txt", "testamol.txt", "testamol.vtt"]
    assert (site / "dist" / "index.html").is_file()  # the site's choice of language
    for path in out.iterdir():
        assert_complete(path)
    report = json.loads((site / "dist" / "build-report.json").read_text(encoding="utf-8"))
    assert report["status"] == "ok" and report["summary"]["written"] == 4

    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out / "testamol.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    import webvtt

    carriers = {
        "pdf": squash(pdf),
        "html": squash(Tree((out / "testamol.html").read_text(encoding="utf-8")).text),
        "transcript": squash((out / "testamol.txt").read_text(encoding="utf-8")),
        "captions": squash(" ".join(cue.text for cue in webvtt.read(str(out / "testamol.vtt")))),
    }
    for name, text in carriers.items():
        assert squash(DEFAULT_DISCLAIMER) in text, name
        assert squash(DEFAULT_AI_NOTE) in text, name
    sms = squash((out / "testamol.sms.txt").read_text(encoding="utf-8"))
    assert "Not medical advice: ask a doctor or pharmacist." in sms
    assert "AI-generated or crowd-sourced, may be inaccurate." in sms
    # the SMS data ships too: the missed-dose fact is found and kept
    assert "Take it as soon as you remember. Do not take two doses at once." in sms
    # and so do the theme's fonts and the speech data: the PDF embeds Atkinson Hyperlegible
    fonts = subprocess.run(["pdffonts", str(out / "testamol.pdf")], capture_output=True,
                           text=True, check=True).stdout
    assert "Atkinson-Hyperlegible" in fonts
