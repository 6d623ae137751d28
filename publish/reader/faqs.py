"""FAQs: the blocks of an FAQ section → questions with their answers.

A question is found at the start of a paragraph or list item by the recognisers of
`QUESTION_SHAPES` (the one place to edit for a new way of writing a question), tried in
order. Its answer is the rest of that paragraph or item, its children, and every following
block until the next question. The twelve layouts of the corpus, and where each is read:

- bold question, inline answer (85 %), `* **Q: Can I drink?** A: No.`: `BoldQuestion`;
- bold question without `Q:`, `* **Can I drink?** No.`: `BoldQuestion`;
- bold question, answer on the next line, `**Q: Can I drink?**` + `A: No.`
  (`u/univestin.md`): `BoldQuestion`, then `FaqReader.add_answer`;
- answer in italics on the next line, `**Can I drink?**` + `*No, never.*`: `BoldQuestion`;
- question and answer as sibling bullets, `* **Q: Can I drink?**` + `* A: No.`
  (`c/climbazole.md`): `BoldQuestion`, then `FaqReader.add_answer`;
- answer as a nested list, `* **Q: Can I drink?**` + `  * A: No.`: `FaqReader.add_answer`;
- italic questions, several per item, `* *Can I drink?* No. *Can I drive?* Yes.`:
  `ItalicQuestions`;
- plain `Q:` and `A:`, `Q: Can I drink? A: No.`: `PrefixedQuestion`;
- plain `Q:`, answer after the mark, `Q: Can I drink? No.`, `Question 1: Dosage`:
  `PrefixedQuestion`;
- prose before the questions, `Ask your doctor about …` + questions: kept as written;
- prose after the questions, questions + `For more, ask …`: part of the last answer;
- no questions at all, `Ask your pharmacist.` (14 sections): kept as written, with a
  `faq-without-questions` warning.
"""

from __future__ import annotations

import re

from publish.model import Block, Faq, Paragraph, Span
from publish.reader.blocks import RawBlock, RawItem, RawList, RawParagraph, RawText
from publish.reader.deadline import check_deadline
from publish.reader.spans import cut_prefix, plain, split_at, strip_spans
from publish.reader.units import UnitMaker

# Possessive quantifiers (`*+`) wherever two runs of the same characters meet: `\s*\d*\s*`
# tries every way to share a run of spaces between them ("Q" + 120,000 spaces: 64 s).
_QUESTION_PREFIX = re.compile(r"^\s*+(q|question)\s*+\d*+\s*+[:.)]\s*", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^\s*+(?:[*_]\s*+)?(a|answer)\s*+[:.)]\s*", re.IGNORECASE)
_INLINE_ANSWER = re.compile(r"(?:^|\s)(?:A|Answer)\s*+:\s*")

Pair = tuple[list[Span], list[Span]]
"""A question and the answer that follows it in the same paragraph or item (may be empty)."""


class BoldQuestion:
    """`**Q: Can I drink alcohol?** A: No.`, `**Can I drink alcohol?** No.`, or
    `**Q: Dosage for children**` alone (the answer follows). Every bold span at the start is
    the question: `**Q: Is CO<sub>2</sub> safe?**` is three spans."""

    def find(self, spans: list[Span]) -> list[Pair] | None:
        if "bold" not in spans[0].marks:
            return None
        count = 1
        while count < len(spans) and "bold" in spans[count].marks:
            count += 1
        if not _is_question(plain(spans[:count]).strip()):
            return None
        question = strip_spans([Span(s.text, s.marks - {"bold"}) for s in spans[:count]])
        question[-1] = Span(question[-1].text.rstrip(":"), question[-1].marks)
        return [(question, strip_spans(list(spans[count:])))]


class ItalicQuestions:
    """`*Can I drink alcohol?* No. *Can I drive?* Yes.`: each italic span ending with a
    question mark starts a question, one or several in a paragraph or item."""

    def find(self, spans: list[Span]) -> list[Pair] | None:
        first = spans[0].text.strip()
        if "italic" not in spans[0].marks or "bold" in spans[0].marks \
                or not first.endswith("?") or _ANSWER_PREFIX.match(first):
            return None
        pairs: list[tuple[list[Span], list[Span]]] = []
        for span in spans:
            if "italic" in span.marks and span.text.strip().endswith("?"):
                pairs.append(([Span(span.text.strip())], []))
            elif pairs:
                pairs[-1][1].append(span)
        return [(question, strip_spans(answer)) for question, answer in pairs]


class PrefixedQuestion:
    """`Q: Can I drink alcohol? A: No.`, `Q: Can I drink alcohol? No.`, or `Question 1:
    Dosage` (the answer follows), in plain text."""

    def find(self, spans: list[Span]) -> list[Pair] | None:
        text = plain(spans)
        match = _QUESTION_PREFIX.match(text)
        if not match:
            return None
        answer = _INLINE_ANSWER.search(text, match.end())
        if answer:
            return [split_at(spans, answer.start(), answer.end() - answer.start())]
        question_end = text.find("?", match.end())
        if question_end != -1:
            return [split_at(spans, question_end + 1)]
        return [(spans, [])]


def _is_question(text: str) -> bool:
    return bool(text.endswith(("?", "?:")) or _QUESTION_PREFIX.match(text)) \
        and not _ANSWER_PREFIX.match(text)


QUESTION_SHAPES = (BoldQuestion(), ItalicQuestions(), PrefixedQuestion())
"""Tried in this order at the start of each paragraph and item; the first that fits wins."""


def find_questions(spans: list[Span]) -> list[Pair]:
    """The questions a paragraph or item starts with, each with the answer after it."""
    if not spans:
        return []
    for shape in QUESTION_SHAPES:
        pairs = shape.find(spans)
        if pairs is not None:
            return pairs
    return []


class FaqReader:
    """Reads one FAQ section: questions, and the answers that follow them."""

    def __init__(self, make: UnitMaker, scope: str) -> None:
        self.make = make
        self.scope = scope
        self.out: list[Block] = []
        self.pending: tuple[list[Span], int] | None = None
        self.answer: list[Block] = []

    def read(self, raw: list[RawBlock]) -> list[Block]:
        for block in raw:
            check_deadline()
            units: list[tuple[RawText, list[RawBlock]]]
            if isinstance(block, RawList):
                units = [(item.text, item.children) for item in block.items]
                if self.pending is None and not any(find_questions(t.spans) for t, _ in units):
                    self.out.append(self.make.item_list(block, self.scope))  # prose before
                    continue
            elif isinstance(block, RawParagraph):
                units = [(block.text, [])]
            else:
                self.flush()
                self.out.extend(self.make.plain_blocks([block], self.scope))
                continue
            for text, children in units:
                pairs = find_questions(text.spans)
                if pairs:
                    for question, rest in pairs:
                        self.start(question, text.line)
                        self.add_answer(rest, text.line, [])
                    self.add_answer([], text.line, children)
                elif self.pending is not None:
                    self.add_answer(text.spans, text.line, children)
                else:
                    self.out.extend(self.make.plain_blocks(
                        [RawParagraph(text)] if isinstance(block, RawParagraph)
                        else [RawList([RawItem(text, children)], False, text.line)],
                        self.scope))
        self.flush()
        return self.out

    def start(self, question: list[Span], line: int) -> None:
        self.flush()
        self.pending = (cut_prefix(question, _QUESTION_PREFIX), line)

    def flush(self) -> None:
        if self.pending is not None:
            question = self.make.text(self.pending[0], self.pending[1], self.scope, "q")
            self.out.append(Faq(question, tuple(self.answer)))
        self.pending, self.answer = None, []

    def add_answer(self, spans: list[Span], line: int, children: list[RawBlock]) -> None:
        """Answer text without its `A:`, then the children: a nested list whose items all
        start with `A:` gives answer paragraphs (`* **Q: …?**` + `  * A: …`)."""
        spans = cut_prefix(spans, _ANSWER_PREFIX)
        if plain(spans).strip():
            self.answer.append(Paragraph(self.make.text(spans, line, self.scope, "a")))
        for child in children:
            if isinstance(child, RawList) and child.items and all(
                    _ANSWER_PREFIX.match(item.text.plain) for item in child.items):
                for item in child.items:
                    self.add_answer(item.text.spans, item.text.line, item.children)
            else:
                self.answer.extend(self.make.plain_blocks([child], self.scope))
