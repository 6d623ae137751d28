"""The command line, run as users run it: a subprocess, real files, exit statuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "n").mkdir(parents=True)
    shutil.copy(SEED, content / "n" / "naltrexone.md")
    (content / "omega.md").write_text("---\ntitle: Omega\n---\n\n# Omega\n\nPlease provide "
                                      "the name of the medicine.\n", encoding="utf-8")
    (tmp_path / "publish.toml").write_text('[site]\nname = "Test site"\n', encoding="utf-8")
    return tmp_path


def test_help_on_every_command(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    commands = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines()
                if line.strip()]
    assert {"check", "show", "build", "config"} <= set(commands)
    for command in commands:
        sub = run(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0 and "Usage:" in sub.stdout, command


def test_check_json(site: Path) -> None:
    result = run("check", "--json", cwd=site)
    entries = {e["key"]: e for e in json.loads(result.stdout)}
    assert result.returncode == 1  # the unstructured page is not publishable
    seed = entries["n/naltrexone.md"]
    assert seed["status"] == "ok"
    assert seed["sections"] == ["generic_name", "usage", "side_effects", "how_it_works", "faqs"]
    assert (seed["disclaimer_origin"], seed["ai_note_origin"]) == ("page", "page")
    assert entries["omega.md"]["status"] == "unstructured"
    only_seed = run("check", "content/n", cwd=site)
    assert only_seed.returncode == 0
    assert "1 pages checked" in only_seed.stderr


def test_check_reports_bad_pages_without_stopping(site: Path) -> None:
    (site / "content" / "bad.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    (site / "content" / "bin.md").write_bytes(b"\x89PNG\x00\x00")
    result = run("check", cwd=site)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("error: ") and "bad.md:3: invalid YAML" in line for line in lines)
    assert any("bin.md:1: binary file" in line for line in lines)
    assert "4 pages checked" in result.stderr


def test_check_strict_turns_warnings_into_errors(site: Path) -> None:
    (site / "content" / "omega.md").unlink()
    (site / "content" / "p.md").write_text("---\ntitle: P\n---\n\n### Usage\n\nFor "
                                           "{condition}.\n", encoding="utf-8")
    assert run("check", cwd=site).returncode == 0
    strict = run("check", "--strict", "--json", cwd=site)
    assert strict.returncode == 1
    assert {e["key"]: e["status"] for e in json.loads(strict.stdout)}["p.md"] == "error"


def test_path_with_no_pages(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("check", "empty", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: no Markdown pages")
    assert run("check", "missing", cwd=tmp_path).stderr.startswith("error: missing: no such")


def test_show_outline_and_json(site: Path) -> None:
    outline = run("show", "content/n/naltrexone.md", cwd=site)
    assert outline.returncode == 0
    assert "## FAQs  (faqs" in outline.stdout
    assert "Q: What if I miss a dose?" in outline.stdout
    data = json.loads(run("show", "--json", "content/n/naltrexone.md", cwd=site).stdout)
    assert data["schema"] == 1 and data["source"] == "n/naltrexone.md"
    faqs = [b for s in data["sections"] if s["kind"] == "faqs" for b in s["blocks"]
            if b["type"] == "faq"]
    assert len(faqs) == 6
    groups = [b for s in data["sections"] for b in s["blocks"]
              if b["type"] == "side_effect_group"]
    assert sorted((g["severity"], len(g["items"])) for g in groups) == [("common", 9),
                                                                        ("serious", 6)]


def test_bad_config_is_one_line(site: Path) -> None:
    (site / "publish.toml").write_text("[site]\nthme = 'x'\n", encoding="utf-8")
    result = run("check", cwd=site)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown key 'thme'" in result.stderr


def test_build_json_writes_mirrored_paths(site: Path) -> None:
    result = run("build", "--format", "json", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "dist" / "en" / "n" / "naltrexone.json"
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "Naltrexone"
    assert not (site / "dist" / "en" / "omega.json").exists()  # unstructured: not published
    report = json.loads((site / "dist" / "build-report.json").read_text(encoding="utf-8"))
    assert report["summary"]["written"] >= 1
    assert run("build", "--format", "nope", cwd=site).returncode == 2


def test_python_dash_m_matches_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "publish"
    if not script.exists():
        pytest.skip("console script not installed")
    a = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=ROOT)
    b = run("--version", cwd=ROOT)
    assert a.stdout == b.stdout and "publish" in a.stdout


def test_config_lists_defaults_and_ranges(tmp_path: Path) -> None:
    result = run("config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "timeout = 300.0  # Seconds one job (page × locale × format) may take. " \
           "(allowed: > 0)" in lines
    assert any(line.startswith("rate = 165  #") and line.endswith("(allowed: 80–450)")
               for line in lines)
    assert any(line.startswith("threshold = 100.0") and line.endswith("(allowed: 0–100)")
               for line in lines)
