"""GSM 03.38 (3GPP TS 23.038) encoding: which alphabet a message needs and how it is segmented.

A message is sent in the GSM 7-bit default alphabet when every character is in the basic set
or its extension table, otherwise in UCS-2 (UTF-16 code units on the wire). The limits:

| encoding | one segment | per segment when concatenated | unit |
|---|---|---|---|
| GSM-7 | 160 | 153 | septet (extension characters cost 2: escape + code) |
| UCS-2 | 70 | 67 | UTF-16 code unit (characters outside the BMP cost 2: a surrogate pair) |

Concatenated segments lose 7 septets / 3 units to the user data header. A segment boundary never
falls inside an escape pair or a surrogate pair: the handset could not reassemble the character.
The escape character itself (0x1B) is not text: it is never counted as GSM-7.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

# The basic character set in code order 0x00-0x7F; 0x1B (escape) is left out on purpose.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table of the default alphabet: sent as escape (0x1B) + code, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT = {"GSM-7": 160, "UCS-2": 70}
CONCATENATED_SEGMENT = {"GSM-7": 153, "UCS-2": 67}


class Encoding(enum.StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def offending(text: str) -> list[str]:
    """The distinct characters outside GSM-7, in order of first appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def septet_cost(ch: str) -> int:
    """Septets one GSM-7 character takes (the caller checked it is GSM-7)."""
    return 2 if ch in GSM7_EXTENSION else 1


def utf16_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def units(text: str, encoding: Encoding | None = None) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    encoding = encoding or encoding_of(text)
    cost = septet_cost if encoding is Encoding.GSM7 else utf16_cost
    return sum(cost(ch) for ch in text)


def split_segments(text: str, encoding: Encoding | None = None) -> list[str]:
    """The segments the network sends, never splitting an escape or surrogate pair.

    One segment when the text fits `SINGLE_SEGMENT`; otherwise greedy segments of at most
    `CONCATENATED_SEGMENT` units each. Because Python strings hold code points, a character is
    never cut: an extension character (2 septets) or an astral character (2 UTF-16 units) that
    does not fit in what is left of a segment starts the next one.
    """
    if not text:
        return []
    encoding = encoding or encoding_of(text)
    cost = septet_cost if encoding is Encoding.GSM7 else utf16_cost
    if sum(cost(ch) for ch in text) <= SINGLE_SEGMENT[encoding.value]:
        return [text]
    limit = CONCATENATED_SEGMENT[encoding.value]
    segments: list[str] = []
    start, used = 0, 0
    for index, ch in enumerate(text):
        width = cost(ch)
        if used + width > limit:
            segments.append(text[start:index])
            start, used = index, 0
        used += width
    segments.append(text[start:])
    return segments


@dataclass(frozen=True)
class Count:
    """What one message costs: the figures `publish sms-count` prints."""

    text: str
    encoding: Encoding
    characters: int
    """Unicode code points."""
    units: int
    """Septets for GSM-7, UTF-16 code units for UCS-2."""
    segments: int
    offending: tuple[str, ...]
    """Characters that forced UCS-2 (empty for GSM-7)."""

    @property
    def unit_name(self) -> str:
        return "septets" if self.encoding is Encoding.GSM7 else "utf16_units"

    @property
    def per_segment(self) -> int:
        table = SINGLE_SEGMENT if self.segments <= 1 else CONCATENATED_SEGMENT
        return table[self.encoding.value]

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "text": self.text,
            "encoding": self.encoding.value,
            "characters": self.characters,
            self.unit_name: self.units,
            "segments": self.segments,
        }
        if self.encoding is Encoding.UCS2:
            data["ucs2_forced_by"] = [describe(ch) for ch in self.offending]
        return data


def count(text: str) -> Count:
    encoding = encoding_of(text)
    return Count(text=text, encoding=encoding, characters=len(text),
                 units=units(text, encoding), segments=len(split_segments(text, encoding)),
                 offending=tuple(offending(text)))


def describe(ch: str) -> dict[str, str]:
    """A character as people can look it up: itself, its code point and its Unicode name."""
    name = unicodedata.name(ch, "") or f"control character {ord(ch):#04x}"
    return {"char": ch, "codepoint": f"U+{ord(ch):04X}", "name": name}


def fits(text: str, max_segments: int) -> bool:
    # A character costs at least one unit: a text longer than the most any budget carries
    # needs no counting (a 30,000-item list is refused at once, not walked for every form).
    if len(text) > max(SINGLE_SEGMENT["GSM-7"], max_segments * CONCATENATED_SEGMENT["GSM-7"]):
        return False
    return len(split_segments(text)) <= max_segments


def fits_single(text: str) -> bool:
    """True when the text is one self-contained SMS (160 septets or 70 UTF-16 units)."""
    if len(text) > SINGLE_SEGMENT["GSM-7"]:
        return False
    encoding = encoding_of(text)
    return units(text, encoding) <= SINGLE_SEGMENT[encoding.value]
