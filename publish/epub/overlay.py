"""The media overlay: which element of the content document each spoken utterance voices.

The spoken script (`publish.speech.script`) says the leaflet in reading order, and each
utterance names the text unit it voices (`Utterance.unit`). The content document carries
every text unit as an element whose id the `UnitIds` filter gave it, so the overlay is the
recording's cues, grouped by the element they voice: one `<par>` per run of utterances
voicing one element, its clip running from its first word to where the next one starts
(the first from 0, the last to the end of the recording), so playing the overlay plays
the whole audio and the clips' durations add up to the recording's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree as ET
from markupsafe import Markup

from publish.epub.package import OPS, SMIL, xml_document
from publish.model import Span, Text
from publish.speech.script import NOTICE, SAFETY, TITLE, Utterance
from publish.speech.timeline import Recording
from publish.theme import inline

SPECIAL_TARGETS = {NOTICE: "notice", TITLE: "leaflet-title", SAFETY: "safety-heading"}
"""Ids the EPUB template gives the phrases the spoken leaflet adds to the page's text."""
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class UnitIds:
    """The `inline` filter of the EPUB template: a text unit as inline XHTML inside a
    `<span id="…">`, ids unique in the document (a text repeated on a page gets `-2`…).

    Given the spoken pieces of each unit (`reset(pieces)`: unit id → one list of utterance
    texts per time the unit is said), a unit said in several utterances is also cut into
    one `<span id="…-sN">` per utterance, so a reading system highlights the sentence being
    read rather than the whole paragraph.
    """

    def __init__(self) -> None:
        self.spans: dict[str, list[str]] = {}
        self.sentences: dict[str, list[str]] = {}
        """Span id of a unit → the span id each of its utterances voices, in order."""
        self._pieces: dict[str, list[list[str]]] = {}
        self._used: set[str] = set()

    def reset(self, pieces: dict[str, list[list[str]]] | None = None) -> None:
        self.spans = {}
        self.sentences = {}
        self._pieces = {unit: list(runs) for unit, runs in (pieces or {}).items()}
        self._used = set()

    def _unique(self, base: str) -> str:
        ident, number = base, 1
        while ident in self._used:
            number += 1
            ident = f"{base}-{number}"
        self._used.add(ident)
        return ident

    def __call__(self, text: Text | str | None) -> Markup:
        if not isinstance(text, Text) or not text.id:
            return inline(text)
        ident = self._unique("u-" + _NOT_NAME.sub("-", text.id))
        self.spans.setdefault(text.id, []).append(ident)
        runs = self._pieces.get(text.id)
        pieces = runs.pop(0) if runs else []
        cuts = sentence_cuts(text.plain, pieces) if len(pieces) > 1 else []
        if not cuts:
            return Markup('<span id="%s">') % ident + inline(text) + Markup("</span>")
        parts = []
        sentence_ids = []
        for number, part in enumerate(split_text(text, cuts), start=1):
            sentence = self._unique(f"{ident}-s{number}")
            parts.append(Markup('<span id="%s">') % sentence + inline(part) + Markup("</span>"))
            sentence_ids.append(sentence)
        # The utterance that starts at a cut voices the sentence span from there on.
        starts = [0, *cuts]
        voiced = []
        for piece_start in piece_positions(text.plain, pieces):
            index = max(i for i, start in enumerate(starts) if start <= piece_start)
            voiced.append(sentence_ids[index])
        self.sentences[ident] = voiced
        return (Markup('<span id="%s">') % ident + Markup("").join(parts)
                + Markup("</span>"))


def _folded(plain: str) -> tuple[str, list[int]]:
    """`plain` compatibility-folded (² → 2), case-folded, whitespace runs as one space, and
    for each character of that the index of the character of `plain` it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(plain):
        folded = " " if char.isspace() else unicodedata.normalize("NFKC", char).casefold()
        for piece in folded:
            if piece == " " and out and out[-1] == " ":
                continue
            out.append(piece)
            where.append(index)
    return "".join(out), where


_KEY = 24
"""Characters of an utterance looked for in its text unit (enough to be unambiguous)."""


def piece_positions(plain: str, pieces: list[str]) -> list[int]:
    """Where each utterance of a unit starts in its plain text: the first at 0, the others
    where their first words are found after the one before (0 apart when not found)."""
    folded, where = _folded(plain)
    positions = [0]
    cursor = 0
    for piece in pieces[1:]:
        key = _folded(piece)[0].strip()[:_KEY]
        found = folded.find(key, cursor + 1) if key else -1
        if found < 0:
            positions.append(positions[-1])
            continue
        cursor = found
        positions.append(where[found])
    return positions


def sentence_cuts(plain: str, pieces: list[str]) -> list[int]:
    """Offsets in `plain` where a new utterance's text starts (none before the first)."""
    return sorted({position for position in piece_positions(plain, pieces) if position > 0})


def split_text(text: Text, cuts: list[int]) -> list[Text]:
    """`text` cut at the offsets of its plain text, marks kept on both sides of a cut."""
    bounds = [0, *cuts, len(text.plain)]
    parts: list[list[Span]] = [[] for _ in range(len(bounds) - 1)]
    offset = 0
    for span in text.spans:
        end = offset + len(span.text)
        for index in range(len(parts)):
            low, high = max(offset, bounds[index]), min(end, bounds[index + 1])
            if low < high:
                parts[index].append(Span(span.text[low - offset:high - offset], span.marks))
        offset = end
    return [Text(tuple(spans), text.line, f"{text.id}.{number}")
            for number, spans in enumerate(parts, start=1)]


_WHOLE = frozenset(f"{{http://www.w3.org/1999/xhtml}}{tag}"
                   for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"))
"""Elements highlighted whole while any of their text units is read: a labelled paragraph
is one utterance ("Adults: 5 mg daily") over two units, the label and the text."""
_STOP = frozenset(f"{{http://www.w3.org/1999/xhtml}}{tag}"
                  for tag in ("li", "div", "section", "article", "main", "body"))


def whole_blocks(root: Any, spans: dict[str, list[str]]) -> dict[str, list[str]]:
    """`spans` with each unit inside a paragraph or heading pointing at that element (given
    an id `b-…` when it has none), and units elsewhere (list items) at their own span."""
    parents = {child: parent for parent in root.iter() for child in parent}
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    result: dict[str, list[str]] = {}
    for unit, idents in spans.items():
        for ident in idents:
            element = by_id.get(ident)
            target = ident
            while element is not None and element.tag not in _STOP:
                if element.tag in _WHOLE:
                    if not element.get("id"):
                        element.set("id", f"b-{ident}")
                    target = element.get("id")
                    break
                element = parents.get(element)
            result.setdefault(unit, []).append(target)
    return result


@dataclass(frozen=True)
class Par:
    target: str
    """Id of the element in the content document."""
    begin: float
    end: float


def targets(utterances: Sequence[Utterance], spans: dict[str, list[str]],
            present: set[str], sentences: dict[str, list[str]] | None = None,
            original: dict[str, list[str]] | None = None) -> list[str]:
    """The element id each utterance voices, in order.

    A phrase that introduces the next unit ("Common side effects:") goes with it; a unit
    the document does not carry (a site template without the special ids) goes with the
    unit before it. Repeated texts are matched occurrence by occurrence. A unit cut into
    sentence spans (`sentences`, by the unit's span id in `original`) has each of its
    utterances point at its own sentence.
    """
    raw: list[str | None] = []
    """A target; "" for a phrase introducing the next unit; None for a unit not found."""
    seen: dict[str, int] = {}
    previous_unit = None
    in_run = 0
    for utterance in utterances:
        unit = utterance.unit
        target: str | None = None
        in_run = in_run + 1 if unit == previous_unit else 0
        if unit in SPECIAL_TARGETS:
            target = SPECIAL_TARGETS[unit]
        elif unit:
            if unit != previous_unit:
                seen[unit] = seen.get(unit, 0) + 1
            occurrences = spans.get(unit, [])
            if occurrences:
                number = min(seen[unit], len(occurrences)) - 1
                own = (sentences or {}).get((original or spans)[unit][number], [])
                target = own[in_run] if in_run < len(own) else occurrences[number]
        previous_unit = unit
        raw.append(target if target in present else (None if unit else ""))
    resolved: list[str | None] = list(raw)
    following: str | None = None
    for index in range(len(raw) - 1, -1, -1):
        if raw[index]:
            following = raw[index]
        elif raw[index] == "":
            resolved[index] = following
    last: str | None = None
    for index, target in enumerate(resolved):
        if target:
            last = target
        else:
            resolved[index] = last
    first = next((target for target in resolved if target), "main")
    return [target or first for target in resolved]


def pars(recording: Recording, element_ids: Sequence[str]) -> list[Par]:
    """Consecutive utterances voicing one element as one par, clips contiguous."""
    cues = recording.cues
    if len(cues) != len(element_ids):
        raise ValueError(f"{len(cues)} cues for {len(element_ids)} utterances")
    starts: list[tuple[str, float]] = []
    for cue, target in zip(cues, element_ids):
        if not starts or starts[-1][0] != target:
            starts.append((target, cue.start))
    duration = recording.duration
    result = []
    for index, (target, start) in enumerate(starts):
        begin = 0.0 if index == 0 else start
        end = starts[index + 1][1] if index + 1 < len(starts) else duration
        result.append(Par(target, begin, end))
    return result


def smil_document(pars: Sequence[Par], text_href: str, audio_href: str) -> bytes:
    """The SMIL 3 media overlay document (EPUB Media Overlays 3.3)."""
    smil = ET.Element(f"{{{SMIL}}}smil", nsmap={None: SMIL, "epub": OPS},
                      attrib={"version": "3.0"})
    body = ET.SubElement(smil, f"{{{SMIL}}}body")
    seq = ET.SubElement(body, f"{{{SMIL}}}seq", {"id": "seq-1", f"{{{OPS}}}textref": text_href,
                                                 f"{{{OPS}}}type": "bodymatter"})
    for number, par in enumerate(pars, start=1):
        element = ET.SubElement(seq, f"{{{SMIL}}}par", {"id": f"par-{number}"})
        ET.SubElement(element, f"{{{SMIL}}}text", {"src": f"{text_href}#{par.target}"})
        ET.SubElement(element, f"{{{SMIL}}}audio", {
            "src": audio_href, "clipBegin": f"{par.begin:.3f}s", "clipEnd": f"{par.end:.3f}s"})
    return xml_document(smil)
