"""Clauses and asides: how an SMS summary shortens a sentence, never mid-word.

Sentences themselves are split by `publish.sentences`, the splitter every format shares.
"""

from __future__ import annotations

import re

_TERMINATORS = ".!?。！？।؟"
# Brackets are not clause marks: `drop_parentheticals` removes an aside without what follows.
_CLAUSE_MARKS = (", ", "; ", ": ", " - ", "، ", "，", "；")
MIN_CLAUSE_WORDS = 4
# White space before punctuation, matched from the start of its run only and never given back:
# `\s+([,.])` tried every start inside a run of 100,000 spaces (quadratic).
_SPACE_BEFORE_MARK = re.compile(r"(?<!\s)\s++(?=[,.;:!?])")


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
    result = _SPACE_BEFORE_MARK.sub("", "".join(out))
    return re.sub(r"\s{2,}", " ", result).strip()


def ending(sentence: str) -> str:
    """The sentence's own final punctuation, or a full stop."""
    sentence = sentence.rstrip()
    return sentence[-1] if sentence and sentence[-1] in _TERMINATORS else "."


def clause_cuts(sentence: str, limit: int | None = None) -> list[str]:
    """Shorter forms of a sentence, longest first, each ending at a clause boundary.

    Clauses end before a comma, semicolon, colon or dash outside brackets; a form
    keeps at least `MIN_CLAUSE_WORDS` words so what remains still says something. With a
    `limit`, only forms at most that long are built (a sentence of 30,000 clauses would
    otherwise give 30,000 copies of itself).
    """
    sentence = sentence.strip()
    end = ending(sentence)
    body = sentence[:-1] if sentence and sentence[-1] in _TERMINATORS else sentence
    cuts: list[int] = []
    depth = 0
    for index, ch in enumerate(body):
        if limit is not None and index > limit:
            break
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


def shortened_forms(sentence: str, limit: int | None = None) -> list[str]:
    """The sentence, then without its bracketed asides, then cut by whole clauses (only forms
    at most `limit` characters long when one is given, besides the sentence itself)."""
    forms = [sentence.strip()]
    cut_from = [sentence]
    plain = drop_parentheticals(sentence)
    if plain and len(plain.split()) >= MIN_CLAUSE_WORDS:
        cut_from.append(plain)
        if limit is None or len(plain) <= limit:
            forms.append(plain)
    for form in cut_from:
        forms.extend(clause_cuts(form, limit))
    unique = list(dict.fromkeys(forms))
    return sorted(unique, key=len, reverse=True)
