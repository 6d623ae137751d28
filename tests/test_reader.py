"""The reader on every page shape the corpus guide lists, with small hand-written fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PageError
from publish.model import (
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Origin,
    Paragraph,
    SectionKind,
    Severity,
    SideEffectGroup,
    Status,
    leaflet_texts,
)
from publish.reader import read_page
from tests.conftest import SEED

K = SectionKind


def faqs(leaflet):  # type: ignore[no-untyped-def]
    return [b for s in leaflet.sections_of(K.FAQS) for b in s.blocks if isinstance(b, Faq)]


def groups(leaflet):  # type: ignore[no-untyped-def]
    return [b for s in leaflet.sections_of(K.SIDE_EFFECTS) for b in s.blocks
            if isinstance(b, SideEffectGroup)]


def all_plain(leaflet) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(t.plain for t in leaflet_texts(leaflet))


# --- the seed -------------------------------------------------------------------------------


def test_seed_page(config) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_page(SEED, config, key="naltrexone.md")
    assert leaflet.title == "Naltrexone"
    assert leaflet.generic_name == "Naltrexone"
    assert leaflet.section_kinds == ["generic_name", "usage", "side_effects", "how_it_works",
                                     "faqs"]
    assert len(faqs(leaflet)) == 6
    common = [g for g in groups(leaflet) if g.severity is Severity.COMMON]
    serious = [g for g in groups(leaflet) if g.severity is Severity.SERIOUS]
    assert [len(g.items) for g in common] == [9]
    assert [len(g.items) for g in serious] == [6]
    assert leaflet.disclaimer.origin is Origin.PAGE
    assert leaflet.disclaimer.text.plain.startswith("This information is for general knowledge")
    assert leaflet.ai_note.origin is Origin.PAGE
    assert "AI-generated or crowd-sourced" in leaflet.ai_note.text.plain
    # The AI note is not an ordinary call-out and the disclaimer is not an FAQ answer.
    faq_text = " ".join(t.plain for f in faqs(leaflet) for t in [f.question])
    assert "Disclaimer" not in faq_text
    assert faqs(leaflet)[-1].question.plain == "What if I miss a dose?"
    assert leaflet.extras == (("layout", "minimal-medicine"), ("nav_exclude", True))


def test_ids_are_unique_and_stable(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = read_page(SEED, config, key="naltrexone.md")
    ids = [t.id for t in leaflet_texts(first)]
    assert len(ids) == len(set(ids))
    # Adding a paragraph to one section changes no other id.
    text = SEED.read_text(encoding="utf-8").replace(
        "**How it Works:**\n", "**How it Works:**\n\nA new first paragraph.\n")
    changed = tmp_path / "naltrexone.md"
    changed.write_text(text, encoding="utf-8")
    second = read_page(changed, config, key="naltrexone.md")
    before = {t.id: t.plain for t in leaflet_texts(first)}
    after = {t.id: t.plain for t in leaflet_texts(second)}
    assert set(after) - set(before) == {next(i for i, p in after.items()
                                             if p == "A new first paragraph.")}
    assert all(after[i] == before[i] for i in before)


def test_lines_point_at_the_source(config) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_page(SEED, config, key="naltrexone.md")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for text in leaflet_texts(leaflet, safety=False):
        assert text.plain.split()[0] in lines[text.line - 1], text


# --- sections -------------------------------------------------------------------------------


def test_heading_variants(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "# Testamol\n\n### Generic Name: Testamol sodium\n\n### Usage: Testamol is used for "
        "pain. It also lowers fever.\n\n### Dosage:\n\nAdults take 5 mg.\n\n"
        "### Side effects of Testamol\n\n* Nausea\n\n### How it Works\n\nIt blocks things.\n\n"
        "### Precautions\n\n**Warnings:** Do not drive.\n\n### Storage\n\nKeep cool.\n\n"
        "### FAQs (Combined Use)\n\n* **Q: Is it safe?** A: Mostly.\n")
    assert leaflet.section_kinds == ["generic_name", "usage", "dosage", "side_effects",
                                     "how_it_works", "precautions", "other", "faqs"]
    assert leaflet.generic_name == "Testamol sodium"
    usage = leaflet.sections_of(K.USAGE)[0]
    assert usage.heading.plain == "Usage"
    assert usage.blocks[0].text.plain == "Testamol is used for pain. It also lowers fever."
    assert leaflet.sections_of(K.DOSAGE)[0].heading.plain == "Dosage"
    assert leaflet.sections[-1].heading.plain == "FAQs (Combined Use)"
    precautions = leaflet.sections_of(K.PRECAUTIONS)
    assert len(precautions) == 1  # **Warnings:** inside Precautions is a sub-label
    block = precautions[0].blocks[0]
    assert isinstance(block, LabelledParagraph)
    assert (block.label.plain, block.text.plain) == ("Warnings", "Do not drive.")


def test_bold_label_sections_with_text_after_label(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("# Testamol\n\n**Usage:** Used for pain.\n\n**Dosage:**\n\n"
                      "**Adults:** 5 mg daily\n\n**Children:** 2 mg daily\n\n"
                      "**Note:** Take with food.\n")
    assert leaflet.section_kinds == ["usage", "dosage"]
    dosage = leaflet.sections_of(K.DOSAGE)[0].blocks
    assert isinstance(dosage[0], LabelledParagraph) and dosage[0].label.plain == "Adults"
    assert dosage[1].text.plain == "2 mg daily"
    assert isinstance(dosage[2], Callout) and dosage[2].label.plain == "Note"
    assert dosage[2].body[0].text.plain == "Take with food."


def test_ingredient_groups_with_headings(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "# Alpha + Beta\n\n### Generic Name: Alpha + Beta\n\nTwo drugs.\n\n### Alpha\n\n"
        "**Usage:** Alpha treats A.\n\n**Side Effects:**\n\n* Common: Headache, nausea.\n\n"
        "### Beta\n\n**Usage:** Beta treats B.\n\n### FAQs\n\n* **Q: Both?** A: Yes.\n",
        front="title: Alpha + Beta")
    assert leaflet.section_kinds == ["generic_name", "usage", "side_effects", "usage", "faqs"]
    assert leaflet.ingredients == ["Alpha", "Beta"]
    assert [s.ingredient.plain if s.ingredient else None for s in leaflet.sections] == [
        None, "Alpha", "Alpha", "Beta", None]  # the closing FAQs belong to both
    group = groups(leaflet)[0]
    assert group.severity is Severity.COMMON
    assert [i.text.plain for i in group.items] == ["Headache", "nausea"]


def test_ingredient_sections_as_list_items(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "# Alpha + Beta\n\nThese are separate products.\n\n**1. Alpha:**\n\n"
        "* **Generic Name:** Alpha\n* **Usage:** Treats A.\n* **Dosage:** 5 mg.\n"
        "* **FAQs:** *Is it safe?* Yes. *Can I drive?* No.\n\n**2. Beta:**\n\n"
        "* **Generic Name:** Beta\n* **Usage:** Treats B.\n* **Dosage:** 2 mg.\n",
        front="title: Alpha + Beta")
    assert leaflet.section_kinds == ["generic_name", "usage", "dosage", "faqs",
                                     "generic_name", "usage", "dosage"]
    assert leaflet.ingredients == ["Alpha", "Beta"]
    assert [f.question.plain for f in faqs(leaflet)] == ["Is it safe?", "Can I drive?"]
    assert [f.answer[0].text.plain for f in faqs(leaflet)] == ["Yes.", "No."]
    assert leaflet.preamble[0].text.plain == "These are separate products."


def test_ingredient_heading_with_section_name(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("# Alpha + Beta\n\n### Alpha Usage\n\nTreats A.\n\n### Beta Usage\n\n"
                      "Treats B.\n", front="title: Alpha + Beta")
    assert leaflet.section_kinds == ["usage", "usage"]
    assert leaflet.ingredients == ["Alpha", "Beta"]


# --- side effects ---------------------------------------------------------------------------


def test_side_effect_sub_labels_and_frequencies(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "### Side Effects\n\n**Common Side Effects (>10%):**\n\n* Nausea\n* Rash\n\n"
        "**Serious Side Effects:**\n\n* Seizures\n\nRarely, other effects occur.\n")
    found = groups(leaflet)
    assert [(g.severity, g.frequency, len(g.items)) for g in found] == [
        (Severity.COMMON, ">10%", 2), (Severity.SERIOUS, None, 1)]
    blocks = leaflet.sections_of(K.SIDE_EFFECTS)[0].blocks
    assert isinstance(blocks[-1], Paragraph)


def test_side_effect_inline_lists_and_nested(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "### Side Effects\n\n* **Common:** Headache, dizziness (mild), nausea\n"
        "* **Less Common, but Potentially Serious:**\n    * Bleeding\n    * Low platelets\n"
        "* **Rare:** Liver failure, a long description that is clearly a sentence about many "
        "different things at once, and more words\n")
    found = groups(leaflet)
    assert [g.severity for g in found] == [Severity.COMMON, Severity.SERIOUS,
                                           Severity.UNSPECIFIED]
    assert [i.text.plain for i in found[0].items] == ["Headache", "dizziness (mild)", "nausea"]
    assert [i.text.plain for i in found[1].items] == ["Bleeding", "Low platelets"]
    assert len(found[2].items) == 1  # prose, not split at commas
    assert found[2].frequency == "Rare"


def test_side_effects_per_ingredient_and_body_system(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md(
        "### Side Effects\n\n**Alpha:**\n\n* **Common:** Bruising, bleeding.\n"
        "* **Serious (but less common):** Clots.\n\n**Cardiovascular:**\n\n* Palpitations\n",
        front="title: Alpha + Beta")
    blocks = leaflet.sections_of(K.SIDE_EFFECTS)[0].blocks
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["LabelledParagraph", "SideEffectGroup", "SideEffectGroup",
                     "SideEffectGroup"]
    assert blocks[0].label.plain == "Alpha"
    assert [b.severity for b in blocks[1:]] == [Severity.COMMON, Severity.SERIOUS,
                                                Severity.UNSPECIFIED]
    assert blocks[3].label.plain == "Cardiovascular"


def test_side_effects_without_severity(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\nPossible effects include:\n\n* Bloating\n* Gas\n")
    (group,) = groups(leaflet)
    assert group.severity is Severity.UNSPECIFIED
    assert group.label.plain == "Possible effects include"


# --- FAQs -----------------------------------------------------------------------------------


FAQ_LAYOUTS = {
    "bold q with inline answer": "* **Q: Is it safe?** A: Yes, mostly.\n",
    "bold question no prefix": "* **Is it safe?** Yes, mostly.\n",
    "paragraph then answer line": "**Q: Is it safe?**\nA: Yes, mostly.\n",
    "paragraph then answer paragraph": "**Q: Is it safe?**\n\nA: Yes, mostly.\n",
    "sibling bullets": "* **Q: Is it safe?**\n* **A:** Yes, mostly.\n",
    "italic answer": "**Is it safe?**\n*Yes, mostly.*\n",
    "plain q and a": "* Q: Is it safe? A: Yes, mostly.\n",
    "numbered": "1. **Is it safe?** Yes, mostly.\n",
    "nested answer item": "* **Q: Is it safe?**\n    * A: Yes, mostly.\n",
    "nested bold answer item": "* **Q: Is it safe?**\n   * **A:** Yes, mostly.\n",
    "stray star before answer": "* **Q: Is it safe?**\n    *A: Yes, mostly.\n",
}


@pytest.mark.parametrize("layout", FAQ_LAYOUTS)
def test_faq_layouts(read_md, layout: str) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### FAQs\n\n" + FAQ_LAYOUTS[layout])
    (faq,) = faqs(leaflet)
    assert faq.question.plain == "Is it safe?"
    answer = " ".join(t.plain for b in faq.answer for t in [b.text])
    assert answer == "Yes, mostly."


def test_faq_nested_answer_and_prose(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### FAQs\n\nSome common questions.\n\n* **Q: What forms exist?**\n"
                      "    * Tablets\n    * Syrup\n* **Q: Is it safe?** A: Yes.\n")
    blocks = leaflet.sections_of(K.FAQS)[0].blocks
    assert isinstance(blocks[0], Paragraph)
    first = blocks[1]
    assert isinstance(first, Faq) and first.question.plain == "What forms exist?"
    assert isinstance(first.answer[0], ItemList)
    assert [i.text.plain for i in first.answer[0].items] == ["Tablets", "Syrup"]


def test_faq_section_without_questions_warns(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Usage\n\nPain.\n\n### FAQs\n\nAsk your pharmacist.\n")
    assert "faq-without-questions" in [w.code for w in leaflet.warnings]
    assert "Ask your pharmacist." in all_plain(leaflet)


# --- safety texts ---------------------------------------------------------------------------


def test_disclaimer_ends_faq_section(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### FAQs\n\n* **Q: Safe?** A: Yes.\n\n**Disclaimer:** Not advice. "
                      "Ask a doctor.\n")
    assert leaflet.disclaimer.origin is Origin.PAGE
    assert leaflet.disclaimer.text.plain == "Not advice. Ask a doctor."
    assert len(faqs(leaflet)[0].answer) == 1
    assert leaflet.ai_note.origin is Origin.SITE
    assert leaflet.ai_note.text.plain.startswith("This information is AI-generated")


def test_unlabelled_final_disclaimer(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### FAQs\n\n* **Q: Safe?** A: Yes.\n\nThis information is for general "
                      "knowledge and does not constitute medical advice.\n")
    assert leaflet.disclaimer.origin is Origin.PAGE
    assert leaflet.disclaimer.text.plain.startswith("This information is for general")


def test_site_defaults_fill_missing_safety_texts(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Usage\n\nPain.\n")
    assert leaflet.disclaimer.origin is Origin.SITE
    assert leaflet.ai_note.origin is Origin.SITE
    assert "medical advice" in leaflet.disclaimer.text.plain


def test_note_callout_is_not_the_ai_note(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Dosage\n\n**Note:** Take with water.\n\n**Note:** This information "
                      "is AI-generated and may not be accurate.\n")
    (block,) = leaflet.sections_of(K.DOSAGE)[0].blocks
    assert isinstance(block, Callout)
    assert leaflet.ai_note.origin is Origin.PAGE
    assert leaflet.ai_note.text.plain == "This information is AI-generated and may not be " \
                                         "accurate."


# --- text fidelity --------------------------------------------------------------------------


def test_threshold_items_keep_their_sign(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Dosage\n\n* >34 kg: 5 mg\n* <20 kg: 2 mg\n* ≥ 2 years: 1 mg\n"
                      "1. >5 cm: up to 4 mL\n")
    texts = [t.plain for t in leaflet_texts(leaflet, safety=False)]
    assert ">34 kg: 5 mg" in texts
    assert "<20 kg: 2 mg" in texts
    assert "≥ 2 years: 1 mg" in texts
    assert ">5 cm: up to 4 mL" in texts


def test_inline_spans_and_markup_as_text(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Usage\n\nGiven as 10<sup>6</sup> units of H<sub>2</sub>O, "
                      "**very** *important*, <script>alert(1)</script> & more.\n")
    text = leaflet.sections[0].blocks[0].text
    marks = {s.text: set(s.marks) for s in text.spans}
    assert marks["6"] == {"sup"} and marks["2"] == {"sub"}
    assert marks["very"] == {"bold"} and marks["important"] == {"italic"}
    assert "<script>alert(1)</script> & more." in text.plain
    assert text.markdown.startswith("Given as 10<sup>6</sup> units of H<sub>2</sub>O, **very**")


def test_loose_lists_and_nesting(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Dosage\n\n* Adults\n\n    * 5 mg\n\n        * Max 10 mg\n\n"
                      "* Children\n")
    (block,) = leaflet.sections[0].blocks
    assert [i.text.plain for i in block.items] == ["Adults", "Children"]
    inner = block.items[0].children[0]
    assert inner.items[0].text.plain == "5 mg"
    assert inner.items[0].children[0].items[0].text.plain == "Max 10 mg"


def test_unstructured_refusal(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("# Omega\n\nPlease provide the name of the medicine you want to know "
                      "about.\n", front="title: Omega")
    assert leaflet.status is Status.UNSTRUCTURED
    assert leaflet.sections == ()
    assert "Please provide the name" in leaflet.preamble[0].text.plain


def test_placeholders_warn(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Usage\n\nUsed for {condition} and [specific condition].\n")
    assert [w.code for w in leaflet.warnings] == ["placeholder"]


def test_json_round_trip(config) -> None:  # type: ignore[no-untyped-def]
    import json

    data = json.loads(json.dumps(read_page(SEED, config, key="n.md").to_dict()))
    assert data["schema"] == 1
    assert data["disclaimer"]["origin"] == "page"
    assert data["sections"][2]["blocks"][0]["type"] == "side_effect_group"


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content, message, line", [
    (b"---\ntitle: [unclosed\n---\n\n# X\n", "invalid YAML", 3),
    (b"---\n- a\n- b\n---\n\n# X\n", "front matter must be a mapping", 2),
    (b"---\njust a string\n---\n\n# X\n", "not a string", 2),
    (b"---\nlayout: x\n---\n\nNo heading here.\n", "no title", 1),
    (b"", "empty page", 1),
    (b"   \n\n", "empty page", 1),
    (b"---\ntitle: X\n---\n\nab\x00cd\n", "NUL", 5),
    (b"---\ntitle: X\n---\n\ncaf\xe9\n", "not valid UTF-8", 5),
    (b"---\ntitle: X\n\n# never closed\n", "not closed", 1),
])
def test_page_errors_name_file_and_line(tmp_path: Path, config, content: bytes, message: str,
                                        line: int) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(PageError) as caught:
        read_page(path, config)
    error = caught.value
    assert message in str(error)
    assert error.path == str(path) and error.line == line
    assert str(error).startswith(f"{path}:{line}: ")
    assert "\n" not in str(error)


def test_utf16_and_crlf_pages_are_read(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    page = "---\r\ntitle: Testamol\r\n---\r\n\r\n### Usage\r\n\r\nFor pain.\r\n"
    path = tmp_path / "p.md"
    path.write_bytes(page.encode("utf-16"))
    leaflet = read_page(path, config)
    assert leaflet.sections[0].blocks[0].text.plain == "For pain."
    assert "encoding" in [w.code for w in leaflet.warnings]


def test_group_severity_comes_from_the_sentence_introducing_the_list(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\nTestamol can cause effects ranging from mild to "
                      "serious. Common side effects may include:\n\n* Headache\n")
    assert groups(leaflet)[0].severity is Severity.COMMON


def test_prose_after_a_severity_label_is_not_split(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\n* **Serious:** While rare, severe allergic reactions "
                      "are possible, particularly with oral use.\n"
                      "* **Less Common but Serious:** These are less frequent but need urgent "
                      "care. They include severe rash (hives, swelling, or peeling), fast "
                      "heartbeat, and seizures.\n")
    first, second = groups(leaflet)
    assert [i.text.plain for i in first.items] == [
        "While rare, severe allergic reactions are possible, particularly with oral use."]
    assert [i.text.plain for i in second.items] == [
        "severe rash (hives, swelling, or peeling)", "fast heartbeat", "and seizures"]
    assert [n.text.plain for n in second.notes] == [
        "These are less frequent but need urgent care. They include"]


def test_per_ingredient_labels_inside_sections_are_sub_labels(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("# Alpha + Beta\n\n### Dosage\n\n**Alpha:** 5 mg daily.\n\n**Beta:** 2 mg "
                      "daily.\n\n### Side Effects\n\n**Alpha:**\n\n* **Common:** Rash, itch\n",
                      front="title: Alpha + Beta")
    assert [(s.kind.value, s.ingredient) for s in leaflet.sections] == [
        ("dosage", None), ("side_effects", None)]
    labels = [b.label.plain for b in leaflet.sections[0].blocks]
    assert labels == ["Alpha", "Beta"]


def test_shared_faqs_after_ingredient_groups(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("# Alpha + Beta\n\n### Alpha\n\n**Usage:** A.\n\n### Beta\n\n**Usage:** B."
                      "\n\n**FAQs (General for both drugs):**\n\n* **Q: Together?** A: Ask.\n",
                      front="title: Alpha + Beta")
    assert [s.ingredient.plain if s.ingredient else None for s in leaflet.sections] == [
        "Alpha", "Beta", None]


def test_page_bytes_read_elsewhere_keep_the_page_path(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "remote" / "naltrexone.md"
    leaflet = read_page(missing, config, key="naltrexone.md", data=SEED.read_bytes())
    assert leaflet.title == "Naltrexone" and len(leaflet.sections) == 5
    with pytest.raises(PageError) as caught:
        read_page(missing, config, data=b"---\ntitle: [x\n---\n")
    assert str(caught.value).startswith(f"{missing}:3: invalid YAML")
