"""Text units with stable ids, and the plain blocks every section kind shares.

An id is `<section scope>.<role>.<hash of the words>` with a counter for repeats, so it
does not change when other text of the page is edited (catalogs refer to it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from publish.model import (
    Block,
    Callout,
    ItemList,
    LabelledParagraph,
    ListItem,
    Paragraph,
    Span,
    Text,
    Warning,
)
from publish.reader.blocks import RawBlock, RawHeading, RawItem, RawList, RawParagraph, RawText
from publish.reader.deadline import check_deadline
from publish.reader.spans import normalise, plain, split_label, strip_colon, strip_spans

# `**Note:** …` and the like inside a section: a call-out, not a labelled paragraph.
CALLOUT_LABELS = re.compile(
    r"^(note|notes|important|important note|important information|warning|caution|tip|"
    r"please note|remember|attention|important considerations?|key points?|"
    r"important safety information|nb)$")


class UnitMaker:
    """Makes the model's text units and plain blocks for one page, and collects the page's
    warnings. Shared by every part of the reader, so that ids are numbered page-wide."""

    def __init__(self, warnings: Sequence[Warning] = ()) -> None:
        self.used: dict[str, int] = {}
        self.warnings: list[Warning] = list(warnings)

    def text(self, spans: Sequence[Span], line: int, scope: str, role: str) -> Text:
        spans = strip_spans(list(spans))
        return Text(tuple(spans), line, self._id(scope, role, plain(spans)))

    def _id(self, scope: str, role: str, words: str) -> str:
        digest = hashlib.sha1(" ".join(words.split()).encode("utf-8")).hexdigest()[:8]
        base = f"{scope}.{role}.{digest}"
        count = self.used.get(base, 0) + 1
        self.used[base] = count
        return base if count == 1 else f"{base}-{count}"

    def warn(self, code: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Warning(code, message, line))

    def plain_blocks(self, raw: list[RawBlock], scope: str) -> list[Block]:
        """Blocks as written: a heading inside a section becomes a label, a paragraph a
        paragraph, labelled paragraph or call-out, a list a list."""
        out: list[Block] = []
        for block in raw:
            check_deadline()
            if isinstance(block, RawHeading):
                out.append(LabelledParagraph(
                    self.text(strip_colon(block.text.spans), block.text.line, scope, "label"),
                    self.text([], block.text.line, scope, "text")))
            elif isinstance(block, RawParagraph):
                out.append(self.paragraph(block.text, scope))
            elif isinstance(block, RawList):
                out.append(self.item_list(block, scope))
        return out

    def paragraph(self, raw: RawText, scope: str) -> Block:
        label = split_label(raw.spans)
        if label is not None:
            label_text = self.text(label.label, raw.line, scope, "label")
            if CALLOUT_LABELS.match(normalise(label.plain)):
                body: tuple[Block, ...] = ()
                if label.rest:
                    body = (Paragraph(self.text(label.rest, raw.line, scope, "p")),)
                return Callout(label_text, body)
            return LabelledParagraph(label_text, self.text(label.rest, raw.line, scope, "text"))
        return Paragraph(self.text(raw.spans, raw.line, scope, "p"))

    def item_list(self, raw: RawList, scope: str) -> ItemList:
        return ItemList(tuple(self.item(item, scope) for item in raw.items), raw.ordered)

    def item(self, raw: RawItem, scope: str) -> ListItem:
        return ListItem(self.text(raw.text.spans, raw.text.line, scope, "item"),
                        tuple(self.plain_blocks(raw.children, scope)))
