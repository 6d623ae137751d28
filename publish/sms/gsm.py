"""GSM 03.38 (3GPP TS 23.038) encoding: which alphabet a message needs and how it is segmented.

A message is sent in the GSM 7-bit default alphabet when every character is in the basic set
or its extension table, otherwise in UCS-2 (UTF-16 code units on the wire). The limits:

| encoding | one segment | per segment when concatenated | unit |
|---|---|---|---|
| GSM-7 | 160 | 153 | septet (extension characters cost 2: escape + code) |
| GSM-7 + national single shift | 155 | 149 | septet (shift-table characters cost 2) |
| UCS-2 | 70 | 67 | UTF-16 code unit (characters outside the BMP cost 2: a surrogate pair) |

Concatenated segments lose 7 septets / 3 units to the user data header. A segment boundary never
falls inside an escape pair or a surrogate pair: the handset could not reassemble the character.
The escape character itself (0x1B) is not text: it is never counted as GSM-7.

**National language single shift tables** (TS 23.038 §6.2.1.2.4, Annex A.2) replace the
extension table reached by the escape with one for a language: the Spanish table adds
`á í ó ú Á Í Ó Ú ç`, so "días" stays in GSM-7 (í costs escape + code, 2 septets) instead of
turning the whole message into UCS-2. The receiver learns which table from an information
element in the user data header (TS 23.040 §9.2.3.24.16, IEI 0x24, 3 octets), so a message using
one carries a header even when it is a single segment; a sender adds it only when the text needs
a character of the table. Not every operator and handset supports them, so a table is only used
when the site opts in (`[sms] national_shift`), under `using_shift()`.
"""

from __future__ import annotations

import contextlib
import enum
import math
import unicodedata
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

# The basic character set in code order 0x00-0x7F; 0x1B (escape) is left out on purpose.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table of the default alphabet: sent as escape (0x1B) + code, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT = {"GSM-7": 160, "UCS-2": 70}
CONCATENATED_SEGMENT = {"GSM-7": 153, "UCS-2": 67}

USER_DATA_OCTETS = 140
"""TS 23.040 §9.2.3.16: the user data of one SMS (160 septets x 7 bits = 1,120 bits)."""
CONCATENATION_IE_OCTETS = 5
"""IEI 0x00 (8-bit reference): IEI, length, reference, parts, this part."""
SINGLE_SHIFT_IE_OCTETS = 3
"""IEI 0x24 (national language single shift): IEI, length, national language identifier."""


def header_septets(information_element_octets: int) -> int:
    """Septets a user data header takes from a GSM-7 segment: its length octet plus its
    elements, rounded up to whole septets (TS 23.040 §9.2.3.24: fill bits align the text)."""
    if not information_element_octets:
        return 0
    return math.ceil(8 * (1 + information_element_octets) / 7)


class Encoding(enum.StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


def _table(codes: Mapping[int, str]) -> Mapping[int, str]:
    return MappingProxyType(dict(codes))


# The default extension characters every national single shift table of Annex A.2 repeats.
_DEFAULT_EXTENSION_CODES = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
                            0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}


@dataclass(frozen=True)
class ShiftTable:
    """One national language single shift table: code (after the escape) → character."""

    language: str
    """The setting's name for it: the ISO 639-1 code of the language."""
    name: str
    identifier: int
    """National language identifier (TS 23.038 §6.2.1.2.4), the value of IE 0x24."""
    section: str
    codes: Mapping[int, str]

    @property
    def characters(self) -> frozenset[str]:
        return frozenset(self.codes.values())


SHIFT_TABLES: Mapping[str, ShiftTable] = MappingProxyType({
    "tr": ShiftTable("tr", "Turkish", 0x01, "A.2.1", _table({
        **_DEFAULT_EXTENSION_CODES,
        0x47: "Ğ", 0x49: "İ", 0x53: "Ş", 0x63: "ç", 0x67: "ğ", 0x69: "ı", 0x73: "ş"})),
    "es": ShiftTable("es", "Spanish", 0x02, "A.2.2", _table({
        **_DEFAULT_EXTENSION_CODES,
        0x09: "ç", 0x41: "Á", 0x49: "Í", 0x4F: "Ó", 0x55: "Ú",
        0x61: "á", 0x69: "í", 0x6F: "ó", 0x75: "ú"})),
    "pt": ShiftTable("pt", "Portuguese", 0x03, "A.2.3", _table({
        **_DEFAULT_EXTENSION_CODES,
        0x05: "ê", 0x09: "ç", 0x0B: "Ô", 0x0C: "ô", 0x0E: "Á", 0x0F: "á",
        # Greek capitals also in the basic set: a character in both is sent from the basic set.
        0x12: "Φ", 0x13: "Γ", 0x15: "Ω", 0x16: "Π", 0x17: "Ψ", 0x18: "Σ", 0x19: "Θ",
        0x1F: "Ê", 0x41: "À", 0x49: "Í", 0x4F: "Ó", 0x55: "Ú", 0x5B: "Ã", 0x5C: "Õ",
        0x61: "Â", 0x69: "í", 0x6F: "ó", 0x75: "ú", 0x7B: "ã", 0x7C: "õ", 0x7F: "â"})),
})


def shift_table(language: str) -> ShiftTable:
    """The table for a language code; KeyError naming the known ones otherwise."""
    try:
        return SHIFT_TABLES[language]
    except KeyError:
        known = ", ".join(sorted(SHIFT_TABLES))
        raise KeyError(f"no national single shift table for {language!r} (known: {known})") \
            from None


@dataclass(frozen=True)
class Alphabet:
    """The GSM-7 character set a sender may use: the default one, or the default one with a
    national single shift table in place of the extension table."""

    shift: ShiftTable | None = None

    @property
    def extension(self) -> frozenset[str]:
        return self.shift.characters if self.shift is not None else GSM7_EXTENSION

    def covers(self, ch: str) -> bool:
        return ch in GSM7_BASIC or ch in self.extension

    def needs_shift(self, text: str) -> bool:
        """True when the text uses a character only the national table has: the message then
        carries the shift header."""
        if self.shift is None:
            return False
        return any(ch not in GSM7_BASIC and ch not in GSM7_EXTENSION and ch in self.extension
                   for ch in text)

    def single_segment(self, shifted: bool) -> int:
        return SINGLE_SEGMENT["GSM-7"] - (header_septets(SINGLE_SHIFT_IE_OCTETS)
                                          if shifted else 0)

    def concatenated_segment(self, shifted: bool) -> int:
        octets = CONCATENATION_IE_OCTETS + (SINGLE_SHIFT_IE_OCTETS if shifted else 0)
        return SINGLE_SEGMENT["GSM-7"] - header_septets(octets)


DEFAULT = Alphabet()
_CURRENT: ContextVar[Alphabet] = ContextVar("gsm_alphabet", default=DEFAULT)


@contextlib.contextmanager
def using_shift(table: ShiftTable | None) -> Iterator[None]:
    """Count and segment with a national single shift table in this block.

    A context (like `decimal.localcontext`) rather than an argument: the summary composer asks
    "does this fit?" many times deep inside its search and need not know which table is in
    force; the renderer sets it once around a page.
    """
    token = _CURRENT.set(Alphabet(table))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Alphabet:
    return _CURRENT.get()


def is_gsm7(text: str) -> bool:
    alphabet = current()
    return all(alphabet.covers(ch) for ch in text)


def offending(text: str) -> list[str]:
    """The distinct characters outside GSM-7, in order of first appearance."""
    alphabet = current()
    seen: dict[str, None] = {}
    for ch in text:
        if not alphabet.covers(ch):
            seen.setdefault(ch, None)
    return list(seen)


def septet_cost(ch: str) -> int:
    """Septets one GSM-7 character takes (the caller checked it is GSM-7)."""
    return 1 if ch in GSM7_BASIC else 2


def utf16_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def units(text: str, encoding: Encoding | None = None) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    encoding = encoding or encoding_of(text)
    cost = septet_cost if encoding is Encoding.GSM7 else utf16_cost
    return sum(cost(ch) for ch in text)


def _capacities(text: str, encoding: Encoding) -> tuple[int, int, bool]:
    """(one segment, per concatenated segment, shift header used) for this text."""
    if encoding is Encoding.UCS2:
        return SINGLE_SEGMENT["UCS-2"], CONCATENATED_SEGMENT["UCS-2"], False
    alphabet = current()
    shifted = alphabet.needs_shift(text)
    return alphabet.single_segment(shifted), alphabet.concatenated_segment(shifted), shifted


def split_segments(text: str, encoding: Encoding | None = None) -> list[str]:
    """The segments the network sends, never splitting an escape or surrogate pair.

    One segment when the text fits the single-segment capacity; otherwise greedy segments of at
    most the concatenated capacity each (less the shift header when the national table is
    used). Because Python strings hold code points, a character is never cut: an extension
    character (2 septets) or an astral character (2 UTF-16 units) that does not fit in what is
    left of a segment starts the next one.
    """
    if not text:
        return []
    encoding = encoding or encoding_of(text)
    cost = septet_cost if encoding is Encoding.GSM7 else utf16_cost
    single, limit, _ = _capacities(text, encoding)
    if sum(cost(ch) for ch in text) <= single:
        return [text]
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
    shift: ShiftTable | None = None
    """The national single shift table the message uses (GSM-7 only, when it needs one)."""

    @property
    def unit_name(self) -> str:
        return "septets" if self.encoding is Encoding.GSM7 else "utf16_units"

    @property
    def label(self) -> str:
        """The encoding as people read it: "GSM-7 + Spanish single shift (es)"."""
        if self.shift is None:
            return self.encoding.value
        return f"{self.encoding.value} + {self.shift.name} single shift ({self.shift.language})"

    @property
    def per_segment(self) -> int:
        if self.encoding is Encoding.UCS2:
            table = SINGLE_SEGMENT if self.segments <= 1 else CONCATENATED_SEGMENT
            return table[self.encoding.value]
        alphabet = Alphabet(self.shift)
        shifted = self.shift is not None
        return (alphabet.single_segment(shifted) if self.segments <= 1
                else alphabet.concatenated_segment(shifted))

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "text": self.text,
            "encoding": self.encoding.value,
            "characters": self.characters,
            self.unit_name: self.units,
            "segments": self.segments,
        }
        if self.shift is not None:
            data["single_shift"] = self.shift.language
        if self.encoding is Encoding.UCS2:
            data["ucs2_forced_by"] = [describe(ch) for ch in self.offending]
        return data


def count(text: str) -> Count:
    encoding = encoding_of(text)
    shift = None
    if encoding is Encoding.GSM7 and current().needs_shift(text):
        shift = current().shift
    return Count(text=text, encoding=encoding, characters=len(text),
                 units=units(text, encoding), segments=len(split_segments(text, encoding)),
                 offending=tuple(offending(text)), shift=shift)


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


def single_capacity(text: str) -> int:
    """What one self-contained SMS holds of this text's units: 160 septets, 155 when the
    national shift table it needs takes its header, or 70 UTF-16 units."""
    single, _, _ = _capacities(text, encoding_of(text))
    return single


def fits_single(text: str) -> bool:
    """True when the text is one self-contained SMS (160 septets, 155 with the shift header,
    or 70 UTF-16 units)."""
    if len(text) > SINGLE_SEGMENT["GSM-7"]:
        return False
    encoding = encoding_of(text)
    single, _, _ = _capacities(text, encoding)
    return units(text, encoding) <= single
