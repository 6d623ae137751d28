"""Plain-language figures: counts one can check by hand, limits, and `publish check` output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publish.commands import cli
from publish.config import build_config
from publish.errors import ConfigError
from publish.readability import measure, prose
from publish.reader import read_page

EASY = """---
title: Easy
---

# Easy

### Usage

Take one pill. Drink some water. Rest in bed. Call your nurse.

### Side Effects

* Headache
* Rash
"""

HARD = """---
title: Hard
---

# Hard

### Usage

Pharmacological administration of this medication necessitates individualised evaluation of
cardiovascular, hepatic and renal functionality, particularly in elderly individuals with
pre-existing comorbidities, because accumulation of metabolites can precipitate
unanticipated physiological complications that require immediate intervention.

### Side Effects

Gastrointestinal disturbances, including abdominal discomfort, constipation and
diarrhoea, are experienced relatively frequently by individuals receiving continuous
therapy, especially during initiation of treatment or following dosage modifications.
"""

SPANISH = """---
title: Fácil
lang: es
---

# Fácil

### Uso

Tome una pastilla cada mañana con un vaso de agua. Descanse en la cama si se siente
cansado. Llame a su enfermera cuando tenga dolor de cabeza o fiebre alta.
"""


def read(tmp_path: Path, name: str, text: str, raw: dict | None = None):  # type: ignore[no-untyped-def]
    config = build_config(raw or {}, tmp_path)
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return read_page(page, config, key=name)


def test_short_simple_sentences_read_easier_than_long_ones(tmp_path: Path) -> None:
    easy = measure(read(tmp_path, "easy.md", EASY))
    hard = measure(read(tmp_path, "hard.md", HARD))
    assert easy is not None and hard is not None
    # Four sentences of three words, two list items of one word each.
    assert (easy.sentences, easy.words, easy.longest_sentence_words) == (6, 14, 3)
    assert easy.average_sentence_words == pytest.approx(14 / 6)
    assert easy.long_sentences == 0 and easy.long_words == 0
    assert (hard.sentences, hard.long_sentences) == (2, 2)
    assert hard.longest_sentence_words == 34 and hard.longest_sentence_line == 9
    assert easy.formula == hard.formula == "flesch"
    assert easy.reading_ease is not None and hard.reading_ease is not None
    assert easy.reading_ease > 90 > 10 > hard.reading_ease
    assert easy.grade is not None and hard.grade is not None and easy.grade < 2 < 18 < hard.grade
    assert hard.long_word_percent is not None and hard.long_word_percent > 20


def test_headings_and_safety_texts_are_not_measured(tmp_path: Path) -> None:
    own = EASY + ("\n**Disclaimer:** This information is for general knowledge and does not "
                  "constitute medical advice under any circumstances whatsoever, and anyone "
                  "reading it should consult a qualified healthcare professional first.\n")
    leaflet = read(tmp_path, "own.md", own)
    assert leaflet.disclaimer.origin.value == "page"
    units = [unit.text for unit in prose(leaflet)]
    assert units == ["Take one pill. Drink some water. Rest in bed. Call your nurse.",
                     "Headache", "Rash"]
    assert measure(leaflet) == measure(read(tmp_path, "easy.md", EASY))


def test_sentences_follow_the_locale_abbreviations(tmp_path: Path) -> None:
    page = EASY.replace("Take one pill.", "Take one pill, e.g. Aspirin, daily.")
    leaflet = read(tmp_path, "abbr.md", page)
    assert measure(leaflet).sentences == 7  # type: ignore[union-attr]
    assert measure(leaflet, ["e.g."]).sentences == 6  # type: ignore[union-attr]


def test_spanish_uses_fernandez_huerta_as_textstat_computes_it(tmp_path: Path) -> None:
    from textstat.textstat import textstatistics

    leaflet = read(tmp_path, "es.md", SPANISH)
    figures = measure(leaflet)
    assert figures is not None
    assert (figures.language, figures.formula, figures.grade) == ("es", "fernandez-huerta", None)
    assert figures.sentences == 3
    # Every sentence is over two words, so textstat counts the same sentences: same score.
    stats = textstatistics()
    stats.set_lang("es")
    stats.set_rounding_points(None)
    text = " ".join(unit.text for unit in prose(leaflet))
    assert figures.reading_ease == pytest.approx(stats.fernandez_huerta(text), abs=0.01)


def check(site: Path, *args: str) -> Result:
    """The real command, in this process (the CMU dictionary is loaded once for all)."""
    return CliRunner().invoke(cli, ["--config", str(site / "publish.toml"), "check",
                                    str(site / "content"), *args], obj={})


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "easy.md").write_text(EASY, encoding="utf-8")
    (tmp_path / "content" / "hard.md").write_text(HARD, encoding="utf-8")
    (tmp_path / "publish.toml").write_text("", encoding="utf-8")
    return tmp_path


def test_check_reports_figures_and_warns_above_the_limits(site: Path) -> None:
    result = check(site, "--json", "--strict")
    assert result.exit_code == 0, result.output  # advice: never a failing status
    entries = {entry["key"]: entry for entry in json.loads(result.stdout)}
    figures = entries["hard.md"]["readability"]
    assert set(figures) == {
        "language", "reading_ease", "formula", "grade", "sentences", "words",
        "average_sentence_words", "longest_sentence_words", "longest_sentence_line",
        "long_sentence_percent", "long_word_percent", "warnings", "summary"}
    assert entries["hard.md"]["status"] == "ok"
    assert {w["code"] for w in figures["warnings"]} == {
        "reading-ease", "grade", "sentence-length", "long-sentences", "long-words"}
    assert entries["easy.md"]["readability"]["warnings"] == []

    text = check(site)
    lines = {Path(line.split(": ")[1]).name: line for line in text.stdout.splitlines()}
    assert set(lines) == {"easy.md", "hard.md"}
    assert lines["easy.md"].startswith("readability: ")
    assert "easy.md: ease 108 (Flesch); grade -1.2; 6 sentences, 2.3 words" in lines["easy.md"]
    assert "over the limits" not in lines["easy.md"]
    assert "reading ease -104 is below 60" in lines["hard.md"].split("over the limits: ")[1]
    assert "1 of 2 measured pages over a plain-language limit" in text.stderr


def test_limits_come_from_the_check_table(site: Path) -> None:
    (site / "publish.toml").write_text(
        "[check]\nmin_reading_ease = 0\nmax_grade = 30\nmax_average_sentence_words = 40\n"
        "max_long_sentence_percent = 100\nmax_long_word_percent = 100\n", encoding="utf-8")
    entries = {e["key"]: e for e in json.loads(check(site, "--json").stdout)}
    hard = entries["hard.md"]["readability"]["warnings"]
    assert [w["code"] for w in hard] == ["reading-ease", "grade"]  # Flesch goes below 0
    assert "below 0 ([check] min_reading_ease)" in hard[0]["message"]
    assert entries["easy.md"]["readability"]["warnings"] == []
    (site / "publish.toml").write_text("[check]\nlong_sentence_words = 3\n"
                                       "max_long_sentence_percent = 0\n", encoding="utf-8")
    easy = {e["key"]: e for e in json.loads(check(site, "--json").stdout)}["easy.md"]
    assert easy["readability"]["long_sentence_percent"] == 0  # three words is not over three
    (site / "publish.toml").write_text("[check]\nreadability = false\n", encoding="utf-8")
    assert all("readability" not in entry for entry in json.loads(check(site, "--json").stdout))


def test_check_settings_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[check\] min_reading_ease: 200 is out of range"):
        build_config({"check": {"min_reading_ease": 200}}, tmp_path)
    with pytest.raises(ConfigError, match=r"\[check\] unknown key 'max_grades'"):
        build_config({"check": {"max_grades": 8}}, tmp_path)
    assert build_config({}, tmp_path).table("check")["max_grade"] == 8


def test_check_limits_rebuild_nothing(tmp_path: Path) -> None:
    from publish.build.fingerprints import config_fingerprint

    stricter = build_config({"check": {"max_grade": 6, "readability": False}}, tmp_path)
    assert config_fingerprint(stricter) == config_fingerprint(build_config({}, tmp_path))
