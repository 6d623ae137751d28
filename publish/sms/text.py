"""Sentences and clauses: the only units an SMS summary is trimmed by, never mid-word."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A sentence ends at . ! ? (maybe closed by a quote or bracket) before a space and a capital,
# a digit or an opening mark; CJK and Devanagari full stops need no space after them.
_LATIN_END = re.compile(r"""[.!?]["')\]]*(?=\s+["'(\[¿¡]?[A-ZÀ-ÖØ-Þ0-9Α-Ω])""")
_OTHER_END = re.compile(r"[。！？।؟]")
_TERMINATORS = ".!?。！？।؟"
# Brackets are not clause marks: `drop_parentheticals` removes an aside without what follows.
_CLAUSE_MARKS = (", ", "; ", ": ", " - ", "، ", "，", "；")
MIN_CLAUSE_WORDS = 4


def sentences(text: str, abbreviations: Iterable[str] = ()) -> list[str]:
    """Split prose into sentences; `abbreviations` (lower case, no final dot) do not end one."""
    abbreviations = frozenset(abbreviations)
    text = text.strip()
    cuts: list[int] = []
    for match in _LATIN_END.finditer(text):
        before = text[:match.start()]
        word = re.split(r"[\s(]", before)[-1].lower() if before else ""
        # Single letters end sentences here ("haemophilia A. It is"): names with initials
        # are rarer in medicine pages than vitamins and types.
        if word in abbreviations:
            continue  # "e.g. Aspirin"
        cuts.append(match.end())
    for match in _OTHER_END.finditer(text):
        cuts.append(match.end())
    out: list[str] = []
    start = 0
    for cut in sorted(set(cuts)):
        part = text[start:cut].strip()
        if part:
            out.append(part)
        start = cut
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def substantive(sentence: str) -> bool:
    """Not a bare "Yes." / "No." / "Possibly.": a sentence that says something on its own."""
    return len(sentence.split()) >= 3


def drop_parentheticals(text: str) -> str:
    """`Liver damage (rare but serious)` → `Liver damage`: bracketed asides removed whole."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    result = re.sub(r"\s+([,.;:!?])", r"\1", "".join(out))
    return re.sub(r"\s{2,}", " ", result).strip()


def ending(sentence: str) -> str:
    """The sentence's own final punctuation, or a full stop."""
    sentence = sentence.rstrip()
    return sentence[-1] if sentence and sentence[-1] in _TERMINATORS else "."


def clause_cuts(sentence: str) -> list[str]:
    """Shorter forms of a sentence, longest first, each ending at a clause boundary.

    Clauses end before a comma, semicolon, colon or dash outside brackets; a form
    keeps at least `MIN_CLAUSE_WORDS` words so what remains still says something.
    """
    sentence = sentence.strip()
    end = ending(sentence)
    body = sentence[:-1] if sentence and sentence[-1] in _TERMINATORS else sentence
    cuts: list[int] = []
    depth = 0
    for index, ch in enumerate(body):
        if depth == 0 and body.startswith(_CLAUSE_MARKS, index):
            cuts.append(index)
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
    forms: list[str] = []
    for cut in sorted(set(cuts), reverse=True):
        head = body[:cut].rstrip(" ,;:-،，；")
        if len(head.split()) >= MIN_CLAUSE_WORDS:
            forms.append(head + end)
    return forms


def shortened_forms(sentence: str) -> list[str]:
    """The sentence, then without its bracketed asides, then cut by whole clauses."""
    forms = [sentence.strip()]
    plain = drop_parentheticals(sentence)
    if plain and len(plain.split()) >= MIN_CLAUSE_WORDS:
        forms.append(plain)
    for form in list(forms):
        forms.extend(clause_cuts(form))
    unique = list(dict.fromkeys(forms))
    return sorted(unique, key=len, reverse=True)
