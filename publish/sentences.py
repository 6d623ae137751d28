"""Sentences: where running text ends one sentence and starts the next, for every format.

The one sentence splitter of the package (speech utterances, SMS summaries); the words after
which a full stop does not end a sentence are locale data that each caller passes in.

- A sentence ends after `.`, `!`, `?` or `…`, maybe closed by quotes or brackets (`."`,
  `.)`), then white space, when what follows starts a sentence: its first letter or digit is
  not a lower-case letter ("approx. five" goes on; a digit, a capital or a caseless script
  starts one: "haemophilia A. It is" is two sentences).
- Not after an abbreviation (`e.g. Aspirin`): the word before the full stop, without it,
  is compared with the caller's list; one written in lower case there matches any case
  (`e.g` also `E.g`), one with a capital only as written (`No` is not `no`).
- `。！？` (CJK) and `।` `؟` (Devanagari, Arabic) end a sentence whatever follows: they take
  no space after them.
- `5.5 mg`, `e.g.,`, `U.S.` are no ends: a full stop not followed by white space is inside
  a word.

Runs in linear time on any text (one pass; each look back is bounded by the longest
abbreviation, each look ahead shared between candidates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_STOPS = ".!?…"
"""End a sentence when white space and a sentence start follow."""
_FULL_STOPS = "。！？।؟"
"""End a sentence whatever follows."""
_CLOSERS = "\"'’”»)]}」』）"
_END = re.compile(f"[{re.escape(_STOPS + _FULL_STOPS)}]")


class Abbreviations:
    """Words after which a full stop does not end a sentence, as locale data writes them.

    Entries may keep their final full stop and a leading part (`"p. ej."` is `ej`).
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        exact: set[str] = set()
        folded: set[str] = set()
        for word in words:
            word = word.strip().rstrip(".").split()[-1] if word.strip(" .") else ""
            if not word:
                continue
            (folded if word == word.lower() else exact).add(word)
        self._exact = frozenset(exact)
        self._folded = frozenset(w.casefold() for w in folded)
        self.longest = max(map(len, exact | folded), default=0)

    def __bool__(self) -> bool:
        return bool(self.longest)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._exact
                                          or word.casefold() in self._folded)


def sentence_spans(text: str,
                   abbreviations: Abbreviations | Iterable[str] = ()) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of `text`, white space around it left out."""
    if not isinstance(abbreviations, Abbreviations):
        abbreviations = Abbreviations(abbreviations)
    size = len(text)
    cuts: list[int] = []
    ahead = 0  # the first letter or digit at or after the last candidate (shared look-ahead)
    for match in _END.finditer(text):
        stop = match.start()
        end = match.end()
        while end < size and text[end] in _CLOSERS:
            end += 1
        if text[stop] in _FULL_STOPS:
            cuts.append(end)
            continue
        if end >= size or not text[end].isspace():
            continue  # "5.5", "e.g.,", or the end of the text
        ahead = max(ahead, end)
        while ahead < size and not text[ahead].isalnum():
            ahead += 1
        if ahead < size and text[ahead].isalpha() and text[ahead].islower():
            continue  # "approx. five": the sentence goes on
        if abbreviations and _word_before(text, stop, abbreviations.longest) in abbreviations:
            continue
        cuts.append(end)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, size]:
        piece_start, piece_end = start, cut
        while piece_start < piece_end and text[piece_start].isspace():
            piece_start += 1
        while piece_end > piece_start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_start < piece_end:
            spans.append((piece_start, piece_end))
        start = cut
    return spans


def split_sentences(text: str, abbreviations: Abbreviations | Iterable[str] = ()) -> list[str]:
    """The sentences of `text`, in order, each a substring of it without surrounding space."""
    return [text[start:end] for start, end in sentence_spans(text, abbreviations)]


def _word_before(text: str, stop: int, longest: int) -> str:
    """The word (letters, digits, inner full stops) that ends at `stop`, if not too long to be
    an abbreviation."""
    start = stop
    while start > 0 and stop - start <= longest and (text[start - 1].isalnum()
                                                     or text[start - 1] == "."):
        start -= 1
    if stop - start > longest:
        return ""
    return text[start:stop]
