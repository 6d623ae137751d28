"""Each FAQ layout of the corpus, as a tiny page, and the recogniser that finds its questions."""

from __future__ import annotations

import pytest

from publish.model import Faq, Leaflet, SectionKind, block_texts
from publish.reader.blocks import RawList, RawParagraph, parse_blocks
from publish.reader.faqs import QUESTION_SHAPES

FaqSummary = list[tuple[str, list[str]] | str]


def summary(leaflet: Leaflet) -> FaqSummary:
    """Each block of the FAQ section: (question, answer texts) or the block's type."""
    out: FaqSummary = []
    for section in leaflet.sections_of(SectionKind.FAQS):
        for block in section.blocks:
            if isinstance(block, Faq):
                out.append((block.question.plain,
                            [text.plain for child in block.answer
                             for text in block_texts(child)]))
            else:
                out.append(type(block).__name__)
    return out


def first_shape(markdown: str) -> str | None:
    """The recogniser that finds a question at the start of the first paragraph or item."""
    block = parse_blocks(markdown)[0]
    text = block.items[0].text if isinstance(block, RawList) else block.text
    assert isinstance(block, (RawList, RawParagraph))
    for shape in QUESTION_SHAPES:
        if shape.find(text.spans) is not None:
            return type(shape).__name__
    return None


# layout → (section body, question recogniser, expected summary)
LAYOUTS: dict[str, tuple[str, str | None, FaqSummary]] = {
    "bold question, inline answer": (
        "* **Q: Can I drink alcohol?** A: No, avoid it.\n* **Q: Can I drive?** A: Yes.\n",
        "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it."]), ("Can I drive?", ["Yes."])]),
    "bold question without Q:": (
        "* **Can I drink alcohol?** No, avoid it.\n", "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it."])]),
    "bold question, answer on the next line": (
        "**Q: Can I drink alcohol?**\n\nA: No, avoid it.\n\nIt makes you drowsy.\n",
        "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it.", "It makes you drowsy."])]),
    "answer in italics on the next line": (
        "**Can I drink alcohol?**\n*No, avoid it.*\n", "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it."])]),
    "question and answer as sibling bullets": (
        "* **Q: Can I drink alcohol?**\n* A: No, avoid it.\n", "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it."])]),
    "answer as a nested list": (
        "* **Q: Can I drink alcohol?**\n  * A: No, avoid it.\n  * A: It makes you drowsy.\n",
        "BoldQuestion",
        [("Can I drink alcohol?", ["No, avoid it.", "It makes you drowsy."])]),
    "italic questions, several per item": (
        "* *Can I drink alcohol?* No. *Can I drive?* Yes, with care.\n", "ItalicQuestions",
        [("Can I drink alcohol?", ["No."]), ("Can I drive?", ["Yes, with care."])]),
    "plain Q: and A:": (
        "Q: Can I drink alcohol? A: No, avoid it.\n", "PrefixedQuestion",
        [("Can I drink alcohol?", ["No, avoid it."])]),
    "plain Q:, answer after the mark": (
        "Q: Can I drink alcohol? No, avoid it.\n\nQuestion 2: Dosage for children\n\n"
        "Half the adult dose.\n", "PrefixedQuestion",
        [("Can I drink alcohol?", ["No, avoid it."]),
         ("Dosage for children", ["Half the adult dose."])]),
    "prose before the questions": (
        "Ask your doctor if in doubt.\n\n* Keep this leaflet.\n\n"
        "* **Q: Can I drive?** A: Yes.\n", None,
        ["Paragraph", "ItemList", ("Can I drive?", ["Yes."])]),
    "prose after the questions": (
        "* **Q: Can I drive?** A: Yes.\n\nFor anything else, ask your pharmacist.\n",
        "BoldQuestion",
        [("Can I drive?", ["Yes.", "For anything else, ask your pharmacist."])]),
    "no questions at all": (
        "Ask your pharmacist.\n", None, ["Paragraph"]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout(read_md, layout: str) -> None:  # type: ignore[no-untyped-def]
    body, shape, expected = LAYOUTS[layout]
    assert first_shape(body) == shape
    leaflet = read_md("### FAQs\n\n" + body)
    assert summary(leaflet) == expected
    codes = [warning.code for warning in leaflet.warnings]
    assert ("faq-without-questions" in codes) == (layout == "no questions at all")


@pytest.mark.parametrize(("spans_of", "expected"), [
    ("**Q: Is CO<sub>2</sub> safe?** Yes.", [("Is CO2 safe?", ["Yes."])]),
    ("**Note:** keep cool.", ["Callout"]),
    ("*A: really?* Yes.", ["Paragraph"]),
    ("**Question 3: Storage** Keep it dry.", [("Storage", ["Keep it dry."])]),
])
def test_question_edges(read_md, spans_of: str, expected: FaqSummary) -> None:  # type: ignore[no-untyped-def]
    """A bold question spans every bold span at its start; a bold label or an italic answer
    is not a question."""
    assert summary(read_md("### FAQs\n\n" + spans_of + "\n")) == expected


def test_every_shape_has_a_sample_and_a_layout() -> None:
    tested = {shape for _, shape, _ in LAYOUTS.values()}
    for shape in QUESTION_SHAPES:
        name = type(shape).__name__
        assert "`" in (type(shape).__doc__ or ""), f"{name} has no sample in its docstring"
        assert name in tested, f"{name} has no layout test"
