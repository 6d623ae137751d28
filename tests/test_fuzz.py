"""Property tests of the reader and the SMS segmenter on generated and arbitrary input.

- The reader, on any bytes and any text, returns a `Leaflet` or raises `PageError` (one line,
  naming the file), within a time bound; never another exception.
- On pages built from the corpus's vocabulary of constructs (front matter variants, `###`
  and `**Label:**` sections, loose, tight and nested lists, `* >34 kg` thresholds, FAQ
  layouts, inline HTML, placeholders, disclaimers, AI notes), no word of the body is lost.
- The JSON form of every leaflet read can be written (front matter of any shape included).
- The GSM 03.38 segmenter: segments join back to the text, respect the per-segment limits,
  never split a character, are as few as possible, and agree with the `gsm0338` codec; the
  SMS renderer keeps every summary within its budget with the safety text whole, or refuses.

The normal suite runs a modest number of examples (profile `quick`); `make fuzz` runs the
`long` profile (10,000 examples per property): `PUBLISH_FUZZ=long pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.config import build_config
from publish.errors import PageError, RenderError
from publish.model import Leaflet, Status
from publish.reader import read_page
from publish.sms import gsm
from tests.test_corpus_reader import body_words, model_words

settings.register_profile(
    "quick", max_examples=40, deadline=timedelta(seconds=5), database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "long", max_examples=10_000, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = os.environ.get("PUBLISH_FUZZ", "quick")
# A profile object applied per test, so loading it changes no other test module's settings.
fuzz = settings(settings.get_profile(PROFILE))
TIME_BOUND = 10.0
"""Seconds any page of these sizes may take to read (they take milliseconds)."""

CONFIG = build_config({}, Path.cwd())


def read_bytes(tmp_path: Path, data: bytes) -> tuple[Leaflet | None, PageError | None]:
    path = tmp_path / "fuzz.md"
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        leaflet: Leaflet | None = read_page(path, CONFIG, key="fuzz.md")
        error = None
    except PageError as caught:
        leaflet, error = None, caught
    assert time.perf_counter() - started < TIME_BOUND
    if error is not None:
        message = str(error)
        assert "\n" not in message and message.startswith(f"{path}")
        assert error.line is None or error.line >= 1
    return leaflet, error


def assert_serialisable(leaflet: Leaflet) -> None:
    json.dumps(leaflet.to_dict(), ensure_ascii=False)


# --- any input --------------------------------------------------------------------------------


@fuzz
@given(data=st.binary(max_size=3000))
def test_any_bytes_give_a_leaflet_or_a_page_error(tmp_path: Path, data: bytes) -> None:
    leaflet, _ = read_bytes(tmp_path, data)
    if leaflet is not None:
        assert_serialisable(leaflet)


@fuzz
@given(text=st.text(max_size=3000))
def test_any_text_gives_a_leaflet_or_a_page_error(tmp_path: Path, text: str) -> None:
    leaflet, _ = read_bytes(tmp_path, text.encode("utf-8", "surrogatepass"))
    if leaflet is not None:
        assert_serialisable(leaflet)


MARKDOWN_CHARS = st.sampled_from(list("#*-+>_`[]()!<>&:\\|~=.0123456789 \n\t\"'{}") +
                                 ["\n\n", "\n* ", "\n  * ", "\n### ", "**", "<sub>", "</sub>",
                                  "<sup>", "---\n", "\n1. ", "Q:", "A:", "Disclaimer:",
                                  "\u202e", "\u200b", "💊", "µg", "≥"])


@fuzz
@given(parts=st.lists(st.one_of(MARKDOWN_CHARS, st.text(max_size=6)), max_size=400),
       front=st.sampled_from(["", "---\ntitle: T\n---\n", "---\ntitle: [a\n---\n",
                              "---\n- a\n---\n", "---\ntitle: T\nlang: x\n---\n", "---\n"]))
def test_markdown_soup_gives_a_leaflet_or_a_page_error(tmp_path: Path, parts: list[str],
                                                       front: str) -> None:
    leaflet, _ = read_bytes(tmp_path, (front + "".join(parts)).encode("utf-8", "surrogatepass"))
    if leaflet is not None:
        assert_serialisable(leaflet)


# --- structured pages from the corpus's vocabulary --------------------------------------------

WORDS = ["headache", "nausea", "tablet", "dose", "liver", "kidney", "Naltrexone", "Testamol",
         "children", "adults", "daily", "twice", "pregnancy", "alcohol", "doctor", "rash",
         "dizziness", "serious", "rare", "common", "5 mg", "10 mg/kg", "2.5 mL", "0.5 µg",
         "25%", "(>10%)", "≥18 years", "<5 kg", "’s", "&", "e.g.", "i.e.", "IV", "{details}",
         "[specific condition]", "x<sub>2</sub>", "10<sup>6</sup>", "<i>E. coli</i>",
         "**important**", "*often*", "–", "—", "°C", "β-blockers", "½"]
SECTIONS = ["Generic Name", "Usage", "Dosage", "Side Effects", "How it Works", "Precautions",
            "FAQs", "Warnings", "Storage", "Interactions", "Mechanism"]
word = st.sampled_from(WORDS)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(word, min_size=1, max_size=12))
    return " ".join(words).capitalize() + draw(st.sampled_from([".", "!", "?", "", ":"]))


@st.composite
def bullet_list(draw: st.DrawFn, depth: int = 0) -> str:
    marker = draw(st.sampled_from(["*", "-", "+", "1."]))
    loose = draw(st.booleans())
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["plain", "threshold", "label", "faq", "inline"]))
        if kind == "threshold":
            text = f">{draw(st.integers(1, 99))} kg: {draw(sentence())}"
        elif kind == "label":
            text = f"**{draw(st.sampled_from(['Common', 'Serious', 'Rare', 'Adults', 'Note']))}" \
                   f":** {draw(sentence())}"
        elif kind == "faq":
            text = f"**Q: {draw(sentence()).rstrip('.:!?')}?** A: {draw(sentence())}"
        elif kind == "inline":
            text = ", ".join(draw(st.lists(word, min_size=2, max_size=5)))
        else:
            text = draw(sentence())
        indent = "  " * depth if marker != "1." else "   " * depth
        lines.append(f"{indent}{marker} {text}")
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            lines.append(draw(bullet_list(depth + 1)))
    return ("\n\n" if loose else "\n").join(lines)


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["paragraph", "list", "label", "callout", "faq", "intro"]))
    if kind == "list":
        return draw(bullet_list())
    if kind == "label":
        return f"**{draw(st.sampled_from(['Adults', 'Children', 'Common Side Effects']))}:** " \
               f"{draw(sentence())}"
    if kind == "callout":
        return f"**{draw(st.sampled_from(['Note', 'Important', 'Warning']))}:** " \
               f"{draw(sentence())}"
    if kind == "faq":
        return f"**Q: {draw(sentence()).rstrip('.:!?')}?**\nA: {draw(sentence())}"
    if kind == "intro":
        return f"{draw(sentence()).rstrip('.:!?')} include:\n\n{draw(bullet_list())}"
    return " ".join(draw(st.lists(sentence(), min_size=1, max_size=4)))


@st.composite
def heading(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(SECTIONS))
    style = draw(st.sampled_from(["###", "###:", "bold", "bold-text", "###-value", "qualifier"]))
    if style == "###":
        return f"### {name}"
    if style == "###:":
        return f"### {name}:"
    if style == "bold":
        return f"**{name}:**"
    if style == "bold-text":
        return f"**{name}:** {draw(sentence())}"
    if style == "###-value":
        return f"### {name}: {draw(sentence())}"
    return f"### {name} (Combined Use)"


@st.composite
def structured_page(draw: st.DrawFn) -> tuple[str, str]:
    """(whole page, body) of a page with sections."""
    title = draw(st.sampled_from(["Testamol", "Papain + Urea", "Omega-", "Ringer's Lactate",
                                  "Heparin / Diclofenac", "5% Dextrose"]))
    front = draw(st.sampled_from([
        f"---\nlayout: minimal-medicine\ntitle: {json.dumps(title)}\n---\n\n",
        f"---\ntitle: {json.dumps(title)}\nnav_exclude: true\n---\n\n",
        f"---\ntitle: {json.dumps(title)}\ntags: [a, b]\nmeta: {{k: 1}}\n---\n\n"]))
    parts = []
    if draw(st.booleans()):
        parts.append(f"# {title}")
    for _ in range(draw(st.integers(1, 6))):
        parts.append(draw(heading()))
        parts.extend(draw(st.lists(block(), max_size=3)))
    if draw(st.booleans()):
        parts.append(f"**Disclaimer:** {draw(sentence())}")
    if draw(st.booleans()):
        parts.append("**Note:** This information is AI-generated and may not be accurate.")
    separator = draw(st.sampled_from(["\n\n", "\n\n\n"]))
    body = separator.join(parts) + "\n"
    return front + body, body


@fuzz
@given(page=structured_page())
def test_structured_pages_lose_no_word(tmp_path: Path, page: tuple[str, str]) -> None:
    text, body = page
    leaflet, error = read_bytes(tmp_path, text.encode("utf-8"))
    assert error is None, error
    assert leaflet is not None
    assert_serialisable(leaflet)
    words = body_words(body)
    first = body.split("\n", 1)[0]
    if first.startswith("# "):  # the H1 repeats the title, which the model keeps as `title`
        words -= body_words(first[2:])
    missing = words - model_words(leaflet)
    assert not missing, dict(missing)
    assert leaflet.status is Status.STRUCTURED or not any(
        kind != "other" for kind in leaflet.section_kinds)


# --- the SMS segmenter ------------------------------------------------------------------------

GSM_TEXT = st.text(alphabet=st.sampled_from(sorted(gsm.GSM7_BASIC | gsm.GSM7_EXTENSION)),
                   max_size=800)
ANY_SMS_TEXT = st.text(alphabet=st.one_of(
    st.sampled_from(sorted(gsm.GSM7_BASIC | gsm.GSM7_EXTENSION)),
    st.sampled_from(["’", "–", "µ", "≥", "😀", "💊", "\U0001F3F4", "é", "ą", "ß", "\u202f"]),
    st.characters(exclude_categories=("Cs",))), max_size=800)  # text never holds lone surrogates


def _limits(encoding: gsm.Encoding, segments: int) -> int:
    table = gsm.SINGLE_SEGMENT if segments == 1 else gsm.CONCATENATED_SEGMENT
    return table[encoding.value]


@fuzz
@given(text=ANY_SMS_TEXT)
def test_segments_join_fit_and_are_fewest(text: str) -> None:
    segments = gsm.split_segments(text)
    assert "".join(segments) == text
    if not text:
        assert segments == []
        return
    encoding = gsm.encoding_of(text)
    limit = _limits(encoding, len(segments))
    for segment in segments:
        assert segment and gsm.units(segment, encoding) <= limit
        if encoding is gsm.Encoding.UCS2:
            assert len(segment.encode("utf-16-le")) // 2 <= limit  # no surrogate pair split
    # Greedy is optimal for a fixed order: no segment could have taken the next character.
    for current, following in zip(segments, segments[1:]):
        assert gsm.units(current + following[0], encoding) > limit
    count = gsm.count(text)
    assert count.segments == len(segments) and count.characters == len(text)
    assert count.encoding is encoding
    assert (encoding is gsm.Encoding.GSM7) == gsm.is_gsm7(text)


@fuzz
@given(text=GSM_TEXT)
def test_gsm7_units_agree_with_the_gsm0338_codec(text: str) -> None:
    import gsm0338  # noqa: F401  (registers the codec)

    assert gsm.encoding_of(text) is gsm.Encoding.GSM7
    encoded = text.encode("gsm03.38")
    assert gsm.units(text) == len(encoded)
    assert encoded.decode("gsm03.38") == text
    for segment in gsm.split_segments(text):
        assert len(segment.encode("gsm03.38")) <= _limits(gsm.Encoding.GSM7,
                                                          len(gsm.split_segments(text)))


@fuzz
@given(page=structured_page(), mode=st.sampled_from(["concatenated", "separate"]),
       budget=st.integers(1, 6))
def test_sms_summary_fits_its_budget_with_the_safety_text_whole(
        tmp_path: Path, page: tuple[str, str], mode: str, budget: int) -> None:
    from publish.renderers.base import RenderContext
    from publish.renderers.sms import SmsRenderer

    leaflet, _ = read_bytes(tmp_path, page[0].encode("utf-8"))
    assert leaflet is not None
    config = build_config({"sms": {"mode": mode, "max_segments": budget}}, Path.cwd())
    renderer = SmsRenderer()
    context = RenderContext(config, "en")
    try:
        result = renderer.render(leaflet, context)
    except RenderError as error:
        assert "\n" not in str(error)
        return
    [summary] = [f for f in result.files if f.suffix == ".sms.json"]
    data = json.loads(summary.data)
    messages = [message["text"] for message in data["messages"]]
    safety = data["safety_text"]
    if mode == "concatenated":
        assert len(messages) == 1 and gsm.count(messages[0]).segments <= budget
    else:
        assert len(messages) <= budget and all(gsm.fits_single(m) for m in messages)
    assert safety in messages[-1]
    for message, reported in zip(messages, data["messages"]):
        assert reported["segments"] == gsm.count(message).segments


@pytest.mark.skipif(PROFILE != "quick", reason="the long run covers the quick one")
def test_profile_is_modest() -> None:
    assert settings.get_profile("quick").max_examples <= 50
    assert settings.get_profile("long").max_examples >= 10_000
