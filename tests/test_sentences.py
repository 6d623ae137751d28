"""The sentence splitter every format shares (speech utterances, SMS summaries)."""

from __future__ import annotations

import time

import pytest

from publish.sentences import Abbreviations, sentence_spans, split_sentences

EN = ["e.g.", "i.e.", "approx.", "Dr.", "No.", "p. ej."]


@pytest.mark.parametrize("text, expected", [
    ("Take it daily. Do not stop.", ["Take it daily.", "Do not stop."]),
    ("Really? Yes! Fine… Then go.", ["Really?", "Yes!", "Fine…", "Then go."]),
    ("It has 2.5 mg. Haemophilia A. Ends here", ["It has 2.5 mg.", "Haemophilia A.",
                                                 "Ends here"]),
    ("Take 5. 10 minutes later, rest.", ["Take 5.", "10 minutes later, rest."]),
    ("See approx. five doses.", ["See approx. five doses."]),
    ("Use it (once a day.) Then stop.", ["Use it (once a day.)", "Then stop."]),
    ('Called the "morning-after pill." It works.', ['Called the "morning-after pill."',
                                                    "It works."]),
    ("Wait. ¿Qué? ¡Hola!", ["Wait.", "¿Qué?", "¡Hola!"]),
    ("Use e.g., water. Then rest.", ["Use e.g., water.", "Then rest."]),
    ("Made in the U.S. Sold here.", ["Made in the U.S.", "Sold here."]),
    ("Stop. — Then go.", ["Stop.", "— Then go."]),
    ("Это лекарство. Принимайте.", ["Это лекарство.", "Принимайте."]),
    ("यह दवा है। इसे लें।", ["यह दवा है।", "इसे लें।"]),
    ("这是药。每天服用。", ["这是药。", "每天服用。"]),
    ("  \n  ", []),
])
def test_sentence_ends(text: str, expected: list[str]) -> None:
    assert split_sentences(text, EN) == expected


def test_abbreviations_in_lower_case_match_any_case_and_capitalised_ones_only_as_written() -> None:
    assert split_sentences("Use e.g. Aspirin. E.g. Water helps.", EN) == [
        "Use e.g. Aspirin.", "E.g. Water helps."]
    assert split_sentences("Ask Dr. Smith. Say no. Then stop.", EN) == [
        "Ask Dr. Smith.", "Say no.", "Then stop."]
    assert split_sentences("Form No. 5 applies.", EN) == ["Form No. 5 applies."]
    # "p. ej." is its last word, as the Spanish speech data writes it.
    assert split_sentences("Use p. ej. Agua.", EN) == ["Use p. ej. Agua."]
    assert split_sentences("Made in the U.S. Sold here.", [*EN, "u.s"]) == [
        "Made in the U.S. Sold here."]
    assert "ej" in Abbreviations(EN) and "DR" not in Abbreviations(EN)


def test_spans_are_the_text_itself() -> None:
    text = "  First one.\n\nSecond  one!   Third "
    spans = sentence_spans(text)
    assert [text[start:end] for start, end in spans] == ["First one.", "Second  one!", "Third"]


@pytest.mark.parametrize("text", [
    "A. " * 33_000,
    "a. " * 33_000,
    ". " * 50_000,
    "." * 100_000,
    "e.g. " * 20_000,
    "x" * 100_000 + ". A",
    "Stop." + " " * 100_000 + "a",
    ".)" * 50_000,
    "。" * 100_000,
])
def test_linear_time_on_pathological_text(text: str) -> None:
    start = time.perf_counter()
    split_sentences(text, EN)
    assert time.perf_counter() - start < 2.0
