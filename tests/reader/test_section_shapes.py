"""Each way a page marks its sections, as a tiny page (`publish.reader.sections`)."""

from __future__ import annotations

import pytest

from publish.model import Leaflet
from publish.reader.sections import classify_heading, ingredient_names


def outline(leaflet: Leaflet) -> list[tuple[str, str, str | None]]:
    return [(s.kind.value, s.heading.plain, s.ingredient.plain if s.ingredient else None)
            for s in leaflet.sections]


@pytest.mark.parametrize(("page", "expected"), [
    # headings: plain, trailing colon, a value, the whole text, a qualifier
    ("### Usage\n\nFor pain.\n", [("usage", "Usage", None)]),
    ("### Usage:\n\nFor pain.\n", [("usage", "Usage", None)]),
    ("### Generic Name: Testamol sodium\n", [("generic_name", "Generic Name", None)]),
    ("### Usage: Testamol is used for pain.\n", [("usage", "Usage", None)]),
    ("### FAQs (Combined Use)\n\n* **Q: Why?** A: Because.\n",
     [("faqs", "FAQs (Combined Use)", None)]),
    ("### Storage\n\nKeep cool.\n", [("other", "Storage", None)]),
    # bold labels: a section, then a sub-label of the same kind
    ("**Usage:** For pain.\n\n**Precautions:**\n\n**Warnings:** Do not drive.\n",
     [("usage", "Usage", None), ("precautions", "Precautions", None)]),
    # sections written as list items
    ("* **Usage:** For pain.\n* **Dosage:** 5 mg.\n* **Side Effects:** Nausea.\n",
     [("usage", "Usage", None), ("dosage", "Dosage", None),
      ("side_effects", "Side Effects", None)]),
])
def test_section_marks(read_md, page: str, expected: list[tuple[str, str, str | None]]  # type: ignore[no-untyped-def]
                       ) -> None:
    assert outline(read_md(page)) == expected


MIXED = "title: Alpha + Beta"


@pytest.mark.parametrize(("page", "expected"), [
    # an ingredient heading, its sections as bold labels, a shared section after it
    ("### Alpha\n\n**Usage:** Treats A.\n\n### Beta\n\n**Usage:** Treats B.\n\n"
     "### FAQs\n\n* **Q: Both?** A: Yes.\n",
     [("usage", "Usage", "Alpha"), ("usage", "Usage", "Beta"), ("faqs", "FAQs", None)]),
    # ingredient and section in one heading
    ("### Alpha Usage\n\nTreats A.\n\n### Beta Side Effects\n\n* Rash\n",
     [("usage", "Alpha Usage", "Alpha"), ("side_effects", "Beta Side Effects", "Beta")]),
    # numbered ingredient labels before section markers; text under the label
    ("**1. Alpha:** The first one.\n\n**Usage:** Treats A.\n",
     [("other", "", "Alpha"), ("usage", "Usage", "Alpha")]),
    # a qualifier ends the group: the section is for the whole page
    ("### Alpha\n\n### Usage\n\nTreats A.\n\n### Usage in combination\n\nBoth.\n",
     [("usage", "Usage", "Alpha"), ("usage", "Usage in combination", None)]),
])
def test_ingredient_groups(read_md, page: str, expected: list[tuple[str, str, str | None]]  # type: ignore[no-untyped-def]
                           ) -> None:
    assert outline(read_md(page, front=MIXED)) == expected


def test_a_label_that_only_names_an_ingredient_is_text(read_md) -> None:  # type: ignore[no-untyped-def]
    leaflet = read_md("### Usage\n\n**Alpha:** treats A, and nothing follows.\n", front=MIXED)
    assert outline(leaflet) == [("usage", "Usage", None)]


def test_classify_heading() -> None:
    assert classify_heading("What is Testamol used for?") == (classify_heading("Usage")[0], "")
    assert classify_heading("Generic Name: X")[1] == "X"
    assert classify_heading("Usage of this medicine in people who have had a stroke before "
                            "now")[0].value == "other"  # a sentence, not a heading


def test_ingredient_names() -> None:
    assert ingredient_names("Papain + Urea") == ["papain", "urea"]
    assert ingredient_names("Heparin (topical) and Diclofenac / Menthol") == [
        "heparin", "diclofenac", "menthol"]
    assert ingredient_names("Testamol") == []
    assert len(ingredient_names("+".join(f"n{i:03d}" for i in range(100)))) == 32
