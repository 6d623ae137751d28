"""Each side-effect layout of the corpus, as a tiny page, and the recogniser that reads it."""

from __future__ import annotations

import pytest

from publish.model import (
    LabelledParagraph,
    Leaflet,
    Paragraph,
    SectionKind,
    Severity,
    SideEffectGroup,
)
from publish.reader.blocks import parse_blocks
from publish.reader.side_effects import SIDE_EFFECT_SHAPES, Groups
from publish.reader.units import UnitMaker

COMMON, SERIOUS, UNSPECIFIED = Severity.COMMON, Severity.SERIOUS, Severity.UNSPECIFIED


def blocks(leaflet: Leaflet) -> list[object]:
    return [b for s in leaflet.sections_of(SectionKind.SIDE_EFFECTS) for b in s.blocks]


def summary(leaflet: Leaflet) -> list[tuple[object, ...]]:
    """Each block: a group as (label, severity, frequency, items, notes), else its type."""
    out: list[tuple[object, ...]] = []
    for block in blocks(leaflet):
        if isinstance(block, SideEffectGroup):
            out.append((block.label.plain if block.label else None, block.severity,
                        block.frequency, [item.text.plain for item in block.items],
                        [note.text.plain for note in block.notes
                         if isinstance(note, Paragraph)]))
        else:
            out.append((type(block).__name__,))
    return out


def first_shape(markdown: str) -> str | None:
    """The name of the first recogniser that reads the section's first blocks."""
    raw = parse_blocks(markdown)
    groups = Groups(UnitMaker(), "side_effects")
    for shape in SIDE_EFFECT_SHAPES:
        if shape.read(raw, 0, groups) is not None:
            return type(shape).__name__
    return None


# layout → (section body, recogniser, expected summary)
LAYOUTS: dict[str, tuple[str, str | None, list[tuple[object, ...]]]] = {
    "intro sentence + bullets": (
        "Common side effects of Testamol include:\n\n* Headache\n* Nausea\n",
        "IntroSentenceList",
        [("Common side effects of Testamol include", COMMON, "Common",
          ["Headache", "Nausea"], [])]),
    "bold sub-label + bullets": (
        "**Serious side effects:**\n\n* Fainting\n* Chest pain\n", "LabelledList",
        [("Serious side effects", SERIOUS, None, ["Fainting", "Chest pain"], [])]),
    "groups by body system": (
        "**Gastrointestinal:**\n\n* Nausea\n\n**Skin:**\n\n* Rash\n", "LabelledList",
        [("Gastrointestinal", UNSPECIFIED, None, ["Nausea"], []),
         ("Skin", UNSPECIFIED, None, ["Rash"], [])]),
    "inline severity lists": (
        "* **Common:** headache, nausea (mild)\n* **Serious:** fainting\n", "SeverityItems",
        [("Common", COMMON, "Common", ["headache", "nausea (mild)"], []),
         ("Serious", SERIOUS, None, ["fainting"], [])]),
    "severity label + nested list": (
        "* **Common:**\n  * Headache\n  * Nausea\n* **Serious:**\n  * Fainting\n",
        "SeverityItems",
        [("Common", COMMON, "Common", ["Headache", "Nausea"], []),
         ("Serious", SERIOUS, None, ["Fainting"], [])]),
    "plain severity labels": (
        "* Common: headache, nausea\n* Rare: rash\n", "SeverityItems",
        [("Common", COMMON, "Common", ["headache", "nausea"], []),
         ("Rare", UNSPECIFIED, "Rare", ["rash"], [])]),
    "severity items under a label": (
        "**Heparin:**\n\n* **Common:** bruising\n* **Serious:** bleeding\n",
        "SeverityItemsUnderLabel",
        [("LabelledParagraph",), ("Common", COMMON, "Common", ["bruising"], []),
         ("Serious", SERIOUS, None, ["bleeding"], [])]),
    "severity paragraph": (
        "**Common:** headache, dizziness, nausea. Seek help if you faint.\n",
        "SeverityParagraph",
        [("Common", COMMON, "Common", ["headache", "dizziness", "nausea"],
          ["Seek help if you faint."])]),
    "no severity at all": (
        "* Headache\n* Nausea\n", "UnlabelledList",
        [(None, UNSPECIFIED, None, ["Headache", "Nausea"], [])]),
    "frequencies": (
        "**Very common (>10%):**\n\n* Headache\n\n**Rare (1 in 1,000):**\n\n* Rash\n",
        "LabelledList",
        [("Very common (>10%)", COMMON, ">10%", ["Headache"], []),
         ("Rare (1 in 1,000)", UNSPECIFIED, "1 in 1,000", ["Rash"], [])]),
    "prose": ("Most people have no side effects at all.\n", None, [("Paragraph",)]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout(read_md, layout: str) -> None:  # type: ignore[no-untyped-def]
    body, shape, expected = LAYOUTS[layout]
    assert first_shape(body) == shape
    assert summary(read_md("### Side Effects\n\n" + body)) == expected


def test_sub_heading_list(read_md) -> None:  # type: ignore[no-untyped-def]
    """`SubHeadingList`: a heading inside the section, here in a section written as a list
    item (a heading at the top level opens a section of its own)."""
    body = "#### Rare side effects\n\n* Rash\n"
    assert first_shape(body) == "SubHeadingList"
    leaflet = read_md("* **Usage:** For tests.\n* **Dosage:** 5 mg.\n* **Side Effects:**\n\n"
                      "  #### Rare side effects\n\n  * Rash\n")
    assert summary(leaflet) == [("Rare side effects", UNSPECIFIED, "Rare", ["Rash"], [])]


def test_per_ingredient_sections(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Heparin\n\n### Side Effects\n\n* Bruising\n\n### Diclofenac\n\n"
                      "### Side Effects\n\n* Nausea\n", front="title: Heparin + Diclofenac")
    sections = leaflet.sections_of(SectionKind.SIDE_EFFECTS)
    assert [s.ingredient.plain if s.ingredient else None for s in sections] == [
        "Heparin", "Diclofenac"]
    assert [[i.text.plain for i in s.blocks[0].items] for s in sections  # type: ignore[union-attr]
            ] == [["Bruising"], ["Nausea"]]


def test_an_introduced_list_with_some_severity_items_is_one_group(read_md) -> None:  # type: ignore[no-untyped-def]
    """Only a list whose every item says a severity is split under its introduction."""
    leaflet = read_md("### Side Effects\n\nThey include:\n\n* **Common:** headache\n* Rash\n")
    assert summary(leaflet) == [("They include", UNSPECIFIED, None,
                                 ["Common: headache", "Rash"], [])]


def test_mixed_list_keeps_unlabelled_items_as_a_list(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\n* **Common:** headache\n* **Serious:** fainting\n"
                      "* See your doctor about any other effect.\n")
    assert [row[0] for row in summary(leaflet)] == ["Common", "Serious", "ItemList"]


def test_severity_item_children_become_notes(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\n* **Serious:** fainting\n\n  Call 112 at once.\n")
    group = blocks(leaflet)[0]
    assert isinstance(group, SideEffectGroup)
    assert [note.text.plain for note in group.notes  # type: ignore[union-attr]
            ] == ["Call 112 at once."]


def test_every_shape_has_a_sample_and_a_layout() -> None:
    tested = {shape for _, shape, _ in LAYOUTS.values()} | {"SubHeadingList"}
    for shape in SIDE_EFFECT_SHAPES:
        name = type(shape).__name__
        assert "`" in (type(shape).__doc__ or ""), f"{name} has no sample in its docstring"
        assert name in tested, f"{name} has no layout test"



def test_label_heading_is_a_labelled_paragraph(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Side Effects\n\n**Heparin:**\n\n* **Common:** bruising\n")
    first = blocks(leaflet)[0]
    assert isinstance(first, LabelledParagraph) and first.label.plain == "Heparin"
