"""The `sms` renderer: content from the model, budgets, modes, safety text, locales, CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.config import build_config
from publish.errors import ConfigError, PublishError, RenderError
from publish.model import (
    Faq,
    Leaflet,
    ListItem,
    Origin,
    Paragraph,
    SafetyText,
    Section,
    SectionKind,
    Severity,
    SideEffectGroup,
    Span,
    Status,
    Text,
)
from publish.reader import read_page
from publish.renderers import get_renderer_class
from publish.renderers.base import RenderContext
from publish.renderers.sms import DEFAULT_SHORT_AI_NOTE, DEFAULT_SHORT_DISCLAIMER, SmsRenderer
from publish.sentences import split_sentences
from publish.sms import gsm
from publish.sms.text import shortened_forms
from publish.sms.transliterate import Transliterator, load_locale

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "content" / "naltrexone.md"
CORPUS = ROOT.parent / "shared" / "corpus" / "rxhive"
SHORT_SAFETY = f"{DEFAULT_SHORT_DISCLAIMER} {DEFAULT_SHORT_AI_NOTE}"
EN = Transliterator(load_locale(ROOT / "locales", "en"))


def context(raw: dict | None = None, locale: str = "en", strings=None) -> RenderContext:
    config = build_config({"sms": raw or {}}, ROOT)
    if strings is None:
        return RenderContext(config=config, locale=locale)
    return RenderContext(config=config, locale=locale, strings=strings)


def render(leaflet: Leaflet, raw: dict | None = None, **kwargs) -> tuple[list[str], dict]:
    result = SmsRenderer().render(leaflet, context(raw, **kwargs))
    files = {f.suffix: f.data.decode("utf-8") for f in result.files}
    assert set(files) == {".sms.txt", ".sms.json"}
    data = json.loads(files[".sms.json"])
    messages = [m["text"] for m in data["messages"]]
    assert files[".sms.txt"] == "\n\n".join(messages) + "\n"
    check_limits(messages, data)
    return messages, data


def check_limits(messages: list[str], data: dict) -> None:
    """Every message within its limit, and the JSON figures are the true ones."""
    assert messages
    for message, entry in zip(messages, data["messages"], strict=True):
        figures = gsm.count(message)
        assert entry["encoding"] == figures.encoding.value
        assert entry["segments"] == figures.segments
        assert entry[figures.unit_name] == figures.units
        assert "\n\n" not in message
    if data["mode"] == "concatenated":
        assert len(messages) == 1
        assert gsm.count(messages[0]).segments <= data["max_segments"]
    else:
        assert len(messages) <= data["max_segments"]
        assert all(gsm.fits_single(message) for message in messages)
    assert data["totals"]["segments"] == sum(gsm.count(m).segments for m in messages)


def text(value: str, ident: str = "t") -> Text:
    return Text((Span(value),), 1, ident)


def leaflet(title: str = "Examplol", usage: str | None = "Examplol is used to treat examples.",
            serious: tuple[str, ...] | None = ("Liver damage (rare)", "Jaundice"),
            common: tuple[str, ...] = ("Nausea",), faqs: tuple[tuple[str, str], ...] = (),
            disclaimer: str = "Ask a doctor before use.",
            ai_note: str = "AI-generated; may be wrong.") -> Leaflet:
    sections = []
    if usage is not None:
        sections.append(Section(SectionKind.USAGE, text("Usage"), (Paragraph(text(usage)),)))
    groups = [SideEffectGroup(text("Common"), Severity.COMMON if serious is not None
                              else Severity.UNSPECIFIED, None,
                              tuple(ListItem(text(item)) for item in common))]
    if serious:
        groups.append(SideEffectGroup(text("Serious"), Severity.SERIOUS, None,
                                      tuple(ListItem(text(item)) for item in serious)))
    sections.append(Section(SectionKind.SIDE_EFFECTS, text("Side Effects"), tuple(groups)))
    if faqs:
        sections.append(Section(SectionKind.FAQS, text("FAQs"), tuple(
            Faq(text(q), (Paragraph(text(a)),)) for q, a in faqs)))
    return Leaflet(source="e/examplol.md", title=title, generic_name=None, language="en",
                   extras=(), preamble=(), sections=tuple(sections),
                   disclaimer=SafetyText(text(disclaimer), Origin.PAGE),
                   ai_note=SafetyText(text(ai_note), Origin.SITE), status=Status.STRUCTURED)


@pytest.fixture(scope="module")
def seed() -> Leaflet:
    return read_page(SEED, build_config({}, ROOT), key="naltrexone.md")


# --- the seed ---


def test_registered_with_contract_attributes() -> None:
    cls = get_renderer_class("sms")
    assert cls is SmsRenderer
    assert cls.suffixes == (".sms.txt", ".sms.json") and cls.safety_suffix == ".sms.txt"


def test_seed_default_summary(seed: Leaflet) -> None:
    messages, data = render(seed)
    (message,) = messages
    assert message.startswith("Naltrexone is used to treat alcohol dependence and opioid "
                              "dependence.\n")
    assert ("Get medical help at once if: Liver damage, Jaundice, Allergic reactions, Severe "
            "abdominal pain, Changes in mental health, Suicidal thoughts or behavior.") in message
    assert "Take the missed dose as soon as you remember" in message
    assert message.endswith(SHORT_SAFETY)
    assert data["safety_text"] == SHORT_SAFETY
    assert data["totals"] == {"messages": 1, "segments": 3, "characters": len(message),
                              "encoding": "GSM-7"}
    assert data["content"]["warning"] == "serious"
    assert data["content"]["warning_items"] == {"kept": 6, "total": 6}


def test_seed_full_safety_is_verbatim_and_content_gives_way(seed: Leaflet) -> None:
    messages, data = render(seed, {"safety": "full"})
    full = (seed.disclaimer.text.plain + " " + seed.ai_note.text.plain)
    assert full in messages[0]  # the page's own words, untouched
    assert messages[0].startswith("Naltrexone\n")
    assert data["content"]["usage"] == "omitted" and data["content"]["warning"] == "omitted"


def test_safety_texts_are_what_the_messages_carry(seed: Leaflet) -> None:
    for raw in ({}, {"safety": "full"}, {"short_ai_note": "Written by a machine – check it."}):
        renderer, ctx = SmsRenderer(), context(raw)
        body = renderer.render(seed, ctx).files[0].data.decode()
        disclaimer, ai_note = renderer.safety_texts(seed, ctx)
        assert f"{disclaimer} {ai_note}" in body
    assert ai_note == "Written by a machine - check it."
    with pytest.raises(ConfigError, match="short_disclaimer must not be empty"):
        SmsRenderer().render(seed, context({"short_disclaimer": " "}))


def test_name_and_safety_that_cannot_fit_fail_clearly(seed: Leaflet) -> None:
    with pytest.raises(RenderError, match=r"need 3 segments .* max_segments = 2"):
        render(seed, {"safety": "full", "max_segments": 2})
    with pytest.raises(RenderError, match="does not fit"):
        render(leaflet(title="Very long name " * 40))
    with pytest.raises(RenderError, match=r"safety text needs 422 septets .* \(160\)"):
        render(seed, {"safety": "full", "mode": "separate"})


def test_seed_separate_mode_numbers_messages(seed: Leaflet) -> None:
    messages, data = render(seed, {"mode": "separate"})
    assert len(messages) == 3
    assert [m[:6] for m in messages] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert messages[-1].endswith(SHORT_SAFETY)
    assert all(SHORT_SAFETY not in m for m in messages[:-1])
    assert data["totals"]["segments"] == 3


def test_separate_every_message_carries_the_safety_text() -> None:
    messages, _ = render(leaflet(), {"mode": "separate", "safety_placement": "every",
                                     "footer": "Reply STOP to opt out"})
    assert all(SHORT_SAFETY in m for m in messages)
    assert messages[-1].endswith("Reply STOP to opt out")


def test_footer_counts_in_the_budget(seed: Leaflet) -> None:
    _, plain = render(seed)
    messages, data = render(seed, {"footer": "Reply STOP to opt out, HELP for help."})
    assert messages[0].endswith(SHORT_SAFETY + "\nReply STOP to opt out, HELP for help.")
    # The footer pushed the missed-dose fact out to stay within 3 segments.
    assert plain["content"]["facts"]["kept"] == 1 and data["content"]["facts"]["kept"] == 0


# --- content rules ---


def test_usage_is_shortened_by_whole_clauses() -> None:
    usage = ("Examplol is used to treat a wide variety of bacterial infections, including "
             "pneumonia, bronchitis, and infections of the ear, nose and throat, in adults "
             "and children over twelve years of age who cannot take penicillin.")
    messages, data = render(leaflet(usage=usage), {"max_segments": 2})
    assert data["content"]["usage"] == "shortened"
    headline = messages[0].split("\n")[0]
    assert headline in shortened_forms(usage)
    assert usage.startswith(headline[:-1])  # a prefix, cut at a clause boundary


def test_warning_is_trimmed_by_whole_items_and_says_so() -> None:
    serious = tuple(f"Serious effect number {n}" for n in range(1, 12))
    messages, data = render(leaflet(serious=serious), {"max_segments": 2})
    warning = next(line for line in messages[0].split("\n") if line.startswith("Get medical"))
    assert warning.endswith(", or other serious effects.")
    kept = data["content"]["warning_items"]
    assert 1 <= kept["kept"] < kept["total"] == 11
    listed = warning.removeprefix("Get medical help at once if: ").removesuffix(
        ", or other serious effects.").split(", ")
    assert listed == list(serious[:kept["kept"]])


def test_no_severity_split_is_said_not_guessed() -> None:
    messages, data = render(leaflet(serious=None, common=("Nausea", "Stroke")))
    assert "this leaflet does not say which ones are serious" in messages[0]
    assert "Get medical help" not in messages[0]
    assert data["content"]["warning"] == "no_split"


def test_faq_key_facts() -> None:
    faqs = (("What if I miss a dose?", "Yes. Take it as soon as you remember. Never take "
             "two doses at once. Keep a diary."),
            ("Can I drink?", "No. Avoid alcohol while taking Examplol."))
    messages, data = render(leaflet(faqs=faqs))
    assert ("Take it as soon as you remember. Never take two doses at once.\n"
            "Avoid alcohol while taking Examplol.") in messages[0]
    assert "Keep a diary" not in messages[0]
    assert data["content"]["facts"] == {"kept": 2, "total": 2}


def test_missing_usage_gives_the_name_and_a_warning() -> None:
    result = SmsRenderer().render(leaflet(usage=None), context())
    body = result.files[0].data.decode()
    assert body.startswith("Examplol\n")
    assert any("no Usage" in warning for warning in result.warnings)


# --- characters and locales ---


MEDICAL_PAGE = """---
layout: minimal-medicine
title: Examplol
---

# Examplol

**Usage:**

Examplol is used in children ≥ 12 years at 5 µg/kg and 1.73 m²; it’s stored at 2–8°C.

**Side Effects:**

Common side effects include:

* Nausea

Less common but more serious side effects include:

* Fever above 38°C
* Low platelets (below 50,000/mm³)

**Disclaimer:** Ask a doctor.
"""


def test_typographic_and_medical_characters_keep_gsm7(tmp_path: Path) -> None:
    page = tmp_path / "examplol.md"
    page.write_text(MEDICAL_PAGE, encoding="utf-8")
    leaf = read_page(page, build_config({}, ROOT), key="examplol.md")
    messages, data = render(leaf)
    assert data["totals"]["encoding"] == "GSM-7"
    assert ("Examplol is used in children at least 12 years at 5 micrograms/kg and 1.73 square "
            "metres; it's stored at 2-8 degrees Celsius.") in messages[0]
    assert "Fever above 38 degrees Celsius, Low platelets." in messages[0]
    assert data["transliterated"]["’"] == "'"
    assert data["transliterated"]["≥"] == "at least"


def test_spanish_words_table_and_translated_strings(tmp_path: Path) -> None:
    class Spanish:
        table = {"Get medical help at once if: {effects}.":
                 "Busque ayuda médica de inmediato si: {effects}.",
                 "Not medical advice: ask a doctor or pharmacist.":
                 "No es consejo médico: consulte a un médico o farmacéutico.",
                 "AI-generated or crowd-sourced, may be inaccurate.":
                 "Generado por IA o colaborativo, puede ser inexacto."}

        def gettext(self, message: str) -> str:
            return self.table.get(message, message)

        def pgettext(self, ctx: str, message: str) -> str:
            return message

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return singular if n == 1 else plural

    leaf = leaflet(usage="Examplol se usa en niños ≥ 12 años durante días.",
                   serious=("Fiebre ≥ 39°C",))
    messages, data = render(leaf, {"max_segments": 5}, locale="es", strings=Spanish())
    assert "Examplol se usa en niños al menos 12 años durante días." in messages[0]
    assert "Busque ayuda médica de inmediato si: Fiebre al menos 39 grados Celsius." in \
        messages[0]
    assert messages[0].endswith("No es consejo médico: consulte a un médico o farmacéutico. "
                                "Generado por IA o colaborativo, puede ser inexacto.")
    # í is not GSM-7 (é and ñ are): Spanish accents are kept, so UCS-2.
    assert data["totals"]["encoding"] == "UCS-2"
    forced = {c["char"] for c in data["messages"][0]["ucs2_forced_by"]}
    assert forced == {"í"}


def test_other_scripts_use_ucs2_and_name_the_characters() -> None:
    leaf = leaflet(title="नाल्ट्रेक्सोन", usage="नाल्ट्रेक्सोन शराब की लत के इलाज में प्रयोग होता है।",
                   serious=("यकृत क्षति",))
    messages, data = render(leaf, locale="hi")
    entry = data["messages"][0]
    assert entry["encoding"] == "UCS-2" and "utf16_units" in entry
    assert "न" in {c["char"] for c in entry["ucs2_forced_by"]}


def test_site_short_forms_are_used_as_is_and_defaults_translated() -> None:
    class Marked:
        def gettext(self, message: str) -> str:
            return f"<{message}>"

        def pgettext(self, ctx: str, message: str) -> str:
            return message

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return singular

    raw = {"short_disclaimer": "Not advice. See your GP."}
    messages, data = render(leaflet(), raw, strings=Marked())
    assert data["safety_text"] == "Not advice. See your GP. <" + DEFAULT_SHORT_AI_NOTE + ">"
    assert messages[0].endswith(data["safety_text"])


def test_superscript_spans_stay_exponents() -> None:
    leaf = leaflet(usage="Examplol is given at doses of 2 x 10")
    usage = Paragraph(Text((Span("Examplol is given as 2 x 10"), Span("6", frozenset({"sup"})),
                            Span(" cells per kilogram.")), 1, "u"))
    sections = (Section(SectionKind.USAGE, text("Usage"), (usage,)),) + leaf.sections[1:]
    leaf = Leaflet(**{**leaf.__dict__, "sections": sections})
    messages, _ = render(leaf)
    assert "2 x 10^6 cells per kilogram." in messages[0]


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="mode"):
        build_config({"sms": {"mode": "bulk"}}, ROOT)
    for segments in (0, 256, 1_000_000):
        with pytest.raises(ConfigError, match="max_segments must be 1–255"):
            SmsRenderer().render(leaflet(), context({"max_segments": segments}))


@pytest.mark.parametrize("source, expected", [
    ("1½ tablets", "1 1/2 tablets"),
    ("Ca²⁺ and NaHCO₃", "Ca2+ and NaHCO3"),
    ("0.1 x 10⁸ cells, ≥1 x 10⁹/L", "0.1 x 10^8 cells, at least 1 x 10^9/L"),
    ("surfactant—a substance", "surfactant - a substance"),
    ("1\u202f234,5 mg\u00a0daily", "1 234,5 mg daily"),
    ("5 µg and 5 μg, 5 µCi", "5 micrograms and 5 micrograms, 5 microcuries"),
    ("36–46°F, ±6 h, 5α-reductase", "36-46 degrees Fahrenheit, plus or minus 6 h, "
     "5 alpha-reductase"),
    ("Behçet’s, naïve, Fansidar®", "Behcet's, naive, Fansidar"),
    ("ça, él, ½", "ca, él, 1/2"),
])
def test_transliteration(source: str, expected: str) -> None:
    result = EN(source)
    assert result == expected
    assert gsm.is_gsm7(result)


def test_locale_data_is_checked(tmp_path: Path) -> None:
    from publish.sms.transliterate import load_locale, locale_candidates

    assert locale_candidates("es-MX") == ["es-MX", "es_MX", "es"]
    assert load_locale(ROOT / "locales", "es-MX").path == \
        ROOT / "publish" / "data" / "locales" / "es" / "sms.toml"  # built-in, as the site has none
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "sms.toml").write_text('[words]\n"≥" = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="must not be empty"):
        load_locale(tmp_path, "xx")
    (tmp_path / "xx" / "sms.toml").write_text('colour = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_locale(tmp_path, "xx")
    assert load_locale(tmp_path, "fr").path is None


def test_sentence_splitting() -> None:
    found = split_sentences("Use e.g. twice daily. It has 2.5 mg. Haemophilia A. Ends here",
                      ["e.g"])
    assert found == ["Use e.g. twice daily.", "It has 2.5 mg.", "Haemophilia A.", "Ends here"]


# --- property tests ---

WORDS = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHéñ’–≥µ°²€[]"),
                min_size=1, max_size=12)
PHRASES = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def leaflets(draw: st.DrawFn) -> Leaflet:
    name = draw(PHRASES.map(lambda s: s[:80]))
    usage = draw(st.none() | st.lists(PHRASES, min_size=1, max_size=4).map(
        lambda parts: f"{name} is used for " + ", ".join(parts) + "."))
    serious = draw(st.none() | st.lists(PHRASES, min_size=1, max_size=15).map(tuple))
    faqs = draw(st.lists(st.tuples(st.sampled_from(["What if I miss a dose?", "Why?"]),
                                   st.lists(PHRASES, min_size=1, max_size=3).map(
                                       lambda parts: ". ".join(p.capitalize() for p in parts)
                                       + ".")), max_size=3))
    disclaimer = draw(st.lists(PHRASES, min_size=1, max_size=12).map(
        lambda parts: ". ".join(parts) + "."))
    ai_note = draw(PHRASES.map(lambda s: s + "."))
    return leaflet(title=name, usage=usage, serious=serious, faqs=tuple(faqs),
                   disclaimer=disclaimer, ai_note=ai_note)


OPTIONS = st.fixed_dictionaries({
    "mode": st.sampled_from(["concatenated", "separate"]),
    "max_segments": st.integers(1, 5),
    "safety": st.sampled_from(["short", "full"]),
    "safety_placement": st.sampled_from(["last", "every"]),
    "footer": st.sampled_from(["", "Reply STOP to opt out", "Ayuda: responda AYUDA"]),
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaflets(), OPTIONS)
def test_any_page_is_within_limits_with_the_safety_text_whole(leaf: Leaflet,
                                                              options: dict) -> None:
    if options["safety"] == "full":
        safety = EN(leaf.disclaimer.text.plain + " " + leaf.ai_note.text.plain)
    else:
        safety = SHORT_SAFETY
    footer = EN(options["footer"])
    name = EN(leaf.title)
    try:
        messages, data = render(leaf, options)
    except RenderError:
        assert not minimal_fits(name, safety, footer, options)
        return
    assert data["safety_text"] == safety
    assert safety in messages[-1]  # verbatim, whole, in one message
    if options["mode"] == "separate" and options["safety_placement"] == "every":
        assert all(safety in message for message in messages)
    if footer:
        assert messages[-1].endswith(footer)
    assert name in messages[0]


def minimal_fits(name: str, safety: str, footer: str, options: dict) -> bool:
    """Whether the name and the safety text (and footer) fit, counted independently."""
    tail = "\n".join([safety] + ([footer] if footer else []))
    limit = options["max_segments"]
    if options["mode"] == "concatenated":
        return gsm.count(f"{name}\n{tail}").segments <= limit
    if gsm.fits_single(f"{name}\n{tail}"):
        return True
    if limit < 2:
        return False
    first = f"(1/2) {name}" + (f"\n{safety}" if options["safety_placement"] == "every" else "")
    return gsm.fits_single(first) and gsm.fits_single(f"(2/2) {tail}")


# --- sms-count ---


def test_sms_count_command() -> None:
    from publish.commands import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["sms-count", "a" * 161], obj={})
    assert result.exit_code == 0, result.output
    assert "encoding:   GSM-7" in result.output and "segments:   2" in result.output
    result = runner.invoke(cli, ["sms-count", "-", "--json"], input="It’s ready\n", obj={})
    data = json.loads(result.output)
    assert data["encoding"] == "UCS-2" and data["utf16_units"] == 10
    assert data["ucs2_forced_by"] == [{"char": "’", "codepoint": "U+2019",
                                       "name": "RIGHT SINGLE QUOTATION MARK"}]
    result = runner.invoke(cli, ["sms-count", "-t", "It’s ≥ 5 µg"], obj={})
    assert "It's at least 5 micrograms" in result.output and "GSM-7" in result.output
    result = runner.invoke(cli, ["sms-count", "a" * 152 + "€" + "a" * 10, "--segments"], obj={})
    assert "segments:   2 (153 septets per segment)" in result.output
    assert "[2] €aaaaaaaaaa" in result.output


# --- build and corpus ---


def test_build_writes_both_files(tmp_path: Path) -> None:
    from publish.commands import cli

    result = CliRunner().invoke(cli, ["--config", str(ROOT / "publish.toml"), "build",
                                      str(SEED), "--format", "sms", "--locale", "en",
                                      "--out", str(tmp_path)],
                                obj={})
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.rglob("*.sms.*"))
    assert written == ["naltrexone.sms.json", "naltrexone.sms.txt"]
    body = next(tmp_path.rglob("naltrexone.sms.txt")).read_text(encoding="utf-8")
    assert SHORT_SAFETY in body


@pytest.mark.corpus
def test_corpus_sample_fits_in_gsm7() -> None:
    if not CORPUS.is_dir():
        pytest.skip("corpus not available")
    pages = sorted(CORPUS.rglob("*.md"))
    sample = random.Random(4).sample(pages, 200)
    config = build_config({}, ROOT)
    renderer, ctx = SmsRenderer(), RenderContext(config=config, locale="en")
    rendered, gsm7_in_budget = 0, 0
    for page in sample:
        try:
            leaf = read_page(page, config, key=page.relative_to(CORPUS).as_posix())
        except PublishError:
            continue
        if leaf.status is not Status.STRUCTURED:
            continue
        result = renderer.render(leaf, ctx)
        files = {f.suffix: f.data.decode("utf-8") for f in result.files}
        data = json.loads(files[".sms.json"])
        messages = [m["text"] for m in data["messages"]]
        check_limits(messages, data)
        assert SHORT_SAFETY in messages[-1], page
        rendered += 1
        if data["totals"]["encoding"] == "GSM-7" and data["totals"]["segments"] <= 3:
            gsm7_in_budget += 1
    assert rendered >= 190
    assert gsm7_in_budget / rendered >= 0.95
