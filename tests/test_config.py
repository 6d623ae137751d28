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
