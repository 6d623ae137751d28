"""GSM 03.38 counting and segmenting: hand-counted cases, the gsm0338 codec, a reference."""

from __future__ import annotations

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publish.sms import gsm
from publish.sms.gsm import Encoding, count, split_segments

# --- hand-counted cases ---


def test_exactly_160_characters_is_one_segment() -> None:
    figures = count("a" * 160)
    assert (figures.encoding, figures.units, figures.segments) == (Encoding.GSM7, 160, 1)


def test_161_characters_is_two_segments_of_153_and_8() -> None:
    segments = split_segments("a" * 161)
    assert [len(s) for s in segments] == [153, 8]
    assert count("a" * 161).segments == 2


def test_159_plus_euro_is_161_septets_two_segments() -> None:
    text = "a" * 159 + "€"
    figures = count(text)
    assert figures.encoding is Encoding.GSM7
    assert (figures.characters, figures.units, figures.segments) == (160, 161, 2)
    assert count("a" * 158 + "€").segments == 1  # 160 septets exactly


def test_one_curly_apostrophe_flips_to_ucs2() -> None:
    plain = "It's taken once a day with food. " * 4 + "Ask first."  # 142 characters
    assert count(plain).encoding is Encoding.GSM7 and count(plain).segments == 1
    curly = plain.replace("It's", "It’s", 1)
    figures = count(curly)
    assert figures.encoding is Encoding.UCS2
    assert figures.offending == ("’",)
    assert (figures.units, figures.segments) == (142, 3)  # 67 + 67 + 8 UTF-16 units


def test_148_characters_go_from_one_segment_to_three() -> None:
    text = "x" * 147 + "–"
    assert count(text).segments == 3
    assert count("x" * 148).segments == 1


def test_extension_character_at_the_153_boundary_starts_the_next_segment() -> None:
    text = "a" * 152 + "€" + "a" * 10  # 165 septets: concatenated
    segments = split_segments(text)
    assert segments == ["a" * 152, "€" + "a" * 10]
    assert [gsm.units(s) for s in segments] == [152, 12]
    # The escape pair is whole in the second segment's bytes.
    assert segments[1].encode("gsm03.38")[:2] == b"\x1be"
    # One septet earlier it fits exactly: 151 + 2 = 153.
    text = "a" * 151 + "€" + "a" * 10
    assert [gsm.units(s) for s in split_segments(text)] == [153, 10]


def test_emoji_at_the_67_boundary_starts_the_next_segment() -> None:
    text = "a" * 66 + "😀" + "a" * 10  # 78 UTF-16 units
    figures = count(text)
    assert (figures.encoding, figures.units, figures.segments) == (Encoding.UCS2, 78, 2)
    assert split_segments(text) == ["a" * 66, "😀" + "a" * 10]
    text = "a" * 65 + "😀" + "a" * 10
    assert [gsm.units(s, Encoding.UCS2) for s in split_segments(text)] == [67, 10]


def test_ucs2_single_segment_limit_is_70_units() -> None:
    assert count("é" * 69 + "–").segments == 1
    assert count("é" * 70 + "–").segments == 2


def test_three_full_concatenated_segments() -> None:
    assert count("a" * 459).segments == 3
    assert count("a" * 460).segments == 4
    assert count("a" * 458 + "]").segments == 4  # 460 septets


def test_escape_is_not_text_and_empty_is_no_segment() -> None:
    assert not gsm.is_gsm7("\x1b")
    assert count("").segments == 0


def test_offending_and_description() -> None:
    assert gsm.offending("a’b’c–") == ["’", "–"]
    assert gsm.describe("’") == {"char": "’", "codepoint": "U+2019",
                                 "name": "RIGHT SINGLE QUOTATION MARK"}
    data = count("’").to_dict()
    assert data["utf16_units"] == 1 and data["ucs2_forced_by"][0]["codepoint"] == "U+2019"
    assert "septets" in count("a").to_dict()


# --- the gsm0338 codec agrees with our table ---


def test_alphabet_matches_the_gsm0338_codec() -> None:
    for code in range(0x3000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF or ch == "\x1b":
            continue
        try:
            encoded = ch.encode("gsm03.38")
        except UnicodeEncodeError:
            assert not gsm.is_gsm7(ch), ch
        else:
            assert gsm.is_gsm7(ch), ch
            assert gsm.units(ch, Encoding.GSM7) == len(encoded), ch


# --- an independent reference ---


def reference_segments(text: str) -> int:
    """Segments counted on the wire bytes: GSM-7 via the codec, UCS-2 via UTF-16-BE."""
    if not text:
        return 0
    try:
        data = text.encode("gsm03.38")
    except UnicodeEncodeError:
        raw = text.encode("utf-16-be")
        words = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
        if len(words) <= 70:
            return 1
        segments, used, i = 1, 0, 0
        while i < len(words):
            width = 2 if 0xD800 <= words[i] <= 0xDBFF else 1
            if used + width > 67:
                segments, used = segments + 1, 0
            used, i = used + width, i + width
        return segments
    if len(data) <= 160:
        return 1
    segments, used, i = 1, 0, 0
    while i < len(data):
        width = 2 if data[i] == 0x1B else 1
        if used + width > 153:
            segments, used = segments + 1, 0
        used, i = used + width, i + width
    return segments


GSM_CHARS = sorted(gsm.GSM7_BASIC | gsm.GSM7_EXTENSION)
texts = st.one_of(
    st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=600),
    st.text(alphabet=st.sampled_from(GSM_CHARS + list("’–é😀中€")), max_size=400),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1b"),
            max_size=300),
)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_segmentation_matches_reference(text: str) -> None:
    segments = split_segments(text)
    assert "".join(segments) == text
    assert len(segments) == reference_segments(text) == count(text).segments
    encoding = gsm.encoding_of(text)
    limit = (gsm.SINGLE_SEGMENT if len(segments) <= 1 else gsm.CONCATENATED_SEGMENT)
    for segment in segments:
        assert gsm.units(segment, encoding) <= limit[encoding.value]
        if encoding is Encoding.GSM7:
            assert not segment.encode("gsm03.38").endswith(b"\x1b")
        else:
            last = segment.encode("utf-16-be")[-2:]
            assert not 0xD8 <= last[0] <= 0xDB  # no dangling high surrogate


@pytest.mark.parametrize("text, expected", [("a" * 160, 1), ("a" * 161, 2), ("€" * 80, 1),
                                            ("€" * 81, 2), ("中" * 70, 1), ("中" * 71, 2)])
def test_reference_itself(text: str, expected: int) -> None:
    assert reference_segments(text) == expected
