"""Site configuration: defaults, validation with messages naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.config import DEFAULT_AI_NOTE, build_config, load_config
from publish.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "publish.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(root=tmp_path)
    assert config.path is None
    assert config.site["theme"] == "large-print"
    assert config.site["ai_note"] == DEFAULT_AI_NOTE
    assert config.content_dir == (tmp_path / "content").resolve()
    assert config.table("build")["jobs"] == 0


def test_values_and_int_to_float(tmp_path: Path) -> None:
    config = load_config(path=write(tmp_path, '[site]\nname = "Clinic"\nlocales = ["en", "es"]'
                                    '\n[build]\ntimeout = 30\n'))
    assert config.site["name"] == "Clinic"
    assert config.site["locales"] == ["en", "es"]
    assert config.table("build")["timeout"] == 30.0


@pytest.mark.parametrize("text, message", [
    ("[site]\ncolour = 'red'\n", "[site] unknown key 'colour'"),
    ("[sitee]\nname = 'x'\n", "unknown table [sitee]"),
    ("[site]\nname = 3\n", "[site] name: expected a string, got int 3"),
    ("[site]\nlocales = 'en'\n", "[site] locales: expected a list"),
    ("[site]\nlocales = ['en', 2]\n", "[site] locales: every item must be a string"),
    ("[build]\njobs = true\n", "[build] jobs: expected an integer, got a boolean"),
    ("[site]\nname = \n", "not valid TOML"),
    ("site = 3\n", "site must be a table"),
])
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path.resolve()))


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[site]\nname = 'x'\ntheme = \nlocales = []\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path.resolve()}:3: not valid TOML")


def test_renderer_tables_are_validated(tmp_path: Path) -> None:
    from publish.renderers import registry

    tables = {name: cls.settings for name, cls in registry().items() if cls.settings}
    if not tables:
        pytest.skip("no renderer declares settings")
    name, settings = next(iter(tables.items()))
    with pytest.raises(ConfigError, match=rf"\[{name}\] unknown key 'nonsense'"):
        build_config({name: {"nonsense": 1}}, tmp_path)
    config = build_config({}, tmp_path)
    assert set(config.table(name)) == set(settings)


@pytest.mark.parametrize("text, message", [
    ("[site]\nmax_page_bytes = -1\n", "[site] max_page_bytes: -1 is out of range (≥ 1024)"),
    ("[site]\nmax_page_bytes = 1023\n", "[site] max_page_bytes: 1023 is out of range (≥ 1024)"),
    ("[build]\ntimeout = 0\n", "[build] timeout: 0 is out of range (> 0)"),
    ("[build]\ntimeout = -1.5\n", "[build] timeout: -1.5 is out of range (> 0)"),
    ("[build]\ntimeout = nan\n", "[build] timeout: expected a finite number, got nan"),
    ("[build]\ntimeout = inf\n", "[build] timeout: expected a finite number, got inf"),
    ("[build]\njobs = -1\n", "[build] jobs: -1 is out of range (≥ 0)"),
    ("[catalog]\nthreshold = 100.5\n", "[catalog] threshold: 100.5 is out of range (0–100)"),
    ("[catalog]\nthreshold = -1\n", "[catalog] threshold: -1 is out of range (0–100)"),
    ("[audio]\nrate = 1000000\n", "[audio] rate: 1000000 is out of range (80–450)"),
    ("[audio]\nrate = 79\n", "[audio] rate: 79 is out of range (80–450)"),
])
def test_numbers_out_of_range_name_the_key_and_the_range(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    assert str(caught.value) == f"{path.resolve()}: {message}"


def test_numbers_at_the_edges_of_their_range_are_accepted(tmp_path: Path) -> None:
    config = load_config(path=write(tmp_path, "[site]\nmax_page_bytes = 1024\n[build]\n"
                                    "jobs = 0\ntimeout = 0.001\n[catalog]\nthreshold = 0\n"
                                    "[audio]\nrate = 450\n"))
    assert config.site["max_page_bytes"] == 1024
    assert config.table("build")["timeout"] == 0.001
    assert config.table("audio")["rate"] == 450


def test_any_setting_can_declare_its_range() -> None:
    from publish.config import Setting

    assert Setting(1, int, min=1, max=9).range_text() == "1–9"
    assert Setting(1.0, float, min=0, min_open=True).range_text() == "> 0"
    assert Setting(1.0, float, max=2.5).range_text() == "≤ 2.5"
    assert Setting("x", str).range_text() == ""
    with pytest.raises(ConfigError, match=r"^\[t\] k: 10 is out of range \(1–9\)$"):
        Setting(1, int, min=1, max=9).check("t", "k", 10, None)
