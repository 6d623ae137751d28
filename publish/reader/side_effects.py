"""Side effects: the blocks of a side-effects section → side-effect groups (label, severity,
frequency, items) and whatever else the section says.

`SIDE_EFFECT_SHAPES` is the one place to edit for a new layout: an ordered tuple of
recognisers, each trying the blocks at the current position; the first that fits reads
them, and a block no shape fits stays as written (a paragraph, a list). The twelve layouts
of the corpus, and where each is read:

- intro sentence + bullets (46 %), `Common side effects include:` + `* Headache`:
  `IntroSentenceList`;
- bold sub-label + bullets (21 %), `**Common Side Effects:**` + `* Headache`: `LabelledList`;
- groups by body system, `**Gastrointestinal:**` + `* Nausea`: `LabelledList`;
- sub-heading + bullets, `#### Serious` + `* Fainting` (inside an item): `SubHeadingList`;
- inline severity lists (16 %), `* **Common:** headache, nausea`: `SeverityItems`;
- severity label + nested list, `* **Common:**` + `  * Headache` (`h/hemin.md`):
  `SeverityItems`;
- plain severity labels, `* Common: headache, nausea`: `SeverityItems`;
- severity items under a label, `**Heparin:**` + `* **Common:** …` + `* **Serious:** …`:
  `SeverityItemsUnderLabel`;
- severity paragraph, `**Common:** headache, nausea. Seek help if …`: `SeverityParagraph`;
- no severity at all (4.8 %), `* Headache` + `* Nausea` (`y/yeast.md`): `UnlabelledList`;
- frequencies (18 %), `**Very common (>10%):**`, `(1 in 10)`: `group_severity`, for every
  group;
- per-ingredient sections, `### Heparin` + `### Side Effects` (`h/heparin-diclofenac.md`):
  `sections`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from publish.model import Block, Paragraph, Severity, SideEffectGroup, Span
from publish.reader.blocks import RawBlock, RawHeading, RawItem, RawList, RawParagraph, RawText
from publish.reader.comma_lists import SENTENCE_END, comma_items
from publish.reader.deadline import check_deadline
from publish.reader.spans import Label, normalise, split_label, strip_colon
from publish.reader.units import UnitMaker

# A frequency in parentheses ("(>10%)", "(1/100)", "(1 in 10)") or a frequency word. The
# parenthesis is tested with lookaheads that each scan it once: written as `[^()]*\d[^()]*%`,
# a 100,000-digit label took minutes.
_FREQUENCY = re.compile(
    r"\((?=[^()\d]*+\d[^()%]*+%|[^()]*?1\s*+/\s*+\d|[^()]*?\d\s*+(?:in|out of)\s*+\d)"
    r"([^()]*+)\)"
    r"|\b(very common|very rare|uncommon|less common|common|rare|frequent|infrequent)\b",
    re.IGNORECASE)
_SERIOUS = re.compile(
    r"\b(serious|severe|seriously|emergency|life[- ]threatening|immediate(ly)? medical|"
    r"seek (immediate )?medical|get medical help|call your doctor|stop (taking|using)|"
    r"dangerous|fatal)\b", re.IGNORECASE)
_COMMON = re.compile(r"(?<!less )(?<!un)\b(common|mild|frequent|most common|more common)\b",
                     re.IGNORECASE)
_SEVERITY_WORDS = re.compile(r"\b(rare|rarely|less common|uncommon|side effects?|reactions?|"
                             r"effects?)\b")


def severity_label(label: str) -> bool:
    """Whether a label says how common or serious effects are (`Common`, `Serious side
    effects`, `Rare (<1%)`)."""
    normal = normalise(label)
    return bool(_SERIOUS.search(normal) or _COMMON.search(normal) or _FREQUENCY.search(normal)
                or _SEVERITY_WORDS.search(normal))


def group_severity(wording: str) -> tuple[Severity, str | None]:
    """The severity and frequency a group's label gives. "Estradiol can cause effects ranging
    from mild to serious. Common ones include:": the sentence that introduces the list says
    what the list is."""
    sentences = [m for m in SENTENCE_END.split(wording) if m.strip()]
    wording = sentences[-1] if sentences else wording
    severity = Severity.UNSPECIFIED
    if wording and _SERIOUS.search(wording):
        severity = Severity.SERIOUS
    elif wording and _COMMON.search(wording):
        severity = Severity.COMMON
    matches = list(_FREQUENCY.finditer(wording)) if wording else []
    figures = [m.group(1) for m in matches if m.group(1)]
    if figures:
        return severity, figures[0].strip()
    return severity, matches[0].group(2).strip() if matches else None


class Groups:
    """Builds side-effect groups for one section."""

    def __init__(self, make: UnitMaker, scope: str) -> None:
        self.make = make
        self.scope = scope

    def group(self, label: list[Span] | None, line: int, items: list[RawItem],
              notes: list[list[Span]]) -> SideEffectGroup:
        make, scope = self.make, self.scope
        label_text = make.text(strip_colon(label), line, scope, "group") if label else None
        severity, frequency = group_severity(label_text.plain if label_text else "")
        return SideEffectGroup(
            label=label_text, severity=severity, frequency=frequency,
            items=tuple(make.item(item, scope) for item in items),
            notes=tuple(Paragraph(make.text(note, line, scope, "note")) for note in notes))

    def per_item(self, raw: RawList, labels: list[Label | None]) -> list[Block]:
        """One group per severity-labelled item: its inline effects (a comma list or one
        item), its nested list and other children as notes; other items stay a list."""
        out: list[Block] = []
        for item, label in zip(raw.items, labels):
            if label is None or not severity_label(label.plain):
                out.append(self.make.item_list(RawList([item], raw.ordered, item.text.line),
                                               self.scope))
                continue
            items: list[RawItem] = []
            notes: list[list[Span]] = []
            if label.rest:
                split = comma_items(label.rest)
                if split is not None:
                    items = [RawItem(RawText(i, item.text.line)) for i in split[0]]
                    notes = split[1]
                else:
                    items = [RawItem(RawText(label.rest, item.text.line))]
            others = [child for child in item.children if not isinstance(child, RawList)]
            for child in item.children:
                if isinstance(child, RawList):
                    items.extend(child.items)
            group = self.group(label.label, item.text.line, items, notes)
            if others:
                group = SideEffectGroup(
                    group.label, group.severity, group.frequency, group.items,
                    group.notes + tuple(self.make.plain_blocks(others, self.scope)))
            out.append(group)
        return out


Read = tuple[int, list[Block]]
"""What a shape read: how many blocks it used, and the model blocks they give."""


def _item_labels(raw: RawList) -> tuple[list[Label | None], int]:
    """The label of each item (bold or plain) and how many say a severity."""
    labels = [split_label(item.text.spans, bare=True) for item in raw.items]
    return labels, sum(1 for label in labels if label and severity_label(label.plain))


class IntroducedList:
    """A block that introduces the list after it: one group labelled by that block."""

    def introduces(self, block: RawBlock) -> bool:
        raise NotImplementedError

    def read(self, raw: Sequence[RawBlock], index: int, groups: Groups) -> Read | None:
        block, following = raw[index], raw[index + 1] if index + 1 < len(raw) else None
        if not isinstance(following, RawList) or not self.introduces(block):
            return None
        assert isinstance(block, (RawParagraph, RawHeading))
        return 2, [groups.group(block.text.spans, block.text.line, following.items, [])]


class SubHeadingList(IntroducedList):
    """`#### Serious side effects` + `* Fainting`."""

    def introduces(self, block: RawBlock) -> bool:
        return isinstance(block, RawHeading)


class LabelledList(IntroducedList):
    """`**Common Side Effects:**` + `* Headache` (also body systems: `**Gastrointestinal:**`)."""

    def introduces(self, block: RawBlock) -> bool:
        if not isinstance(block, RawParagraph):
            return False
        label = split_label(block.text.spans)
        return label is not None and not label.rest


class IntroSentenceList(IntroducedList):
    """`Common side effects of Testamol include:` + `* Headache` (a sentence ending with a
    colon, at most 40 words)."""

    def introduces(self, block: RawBlock) -> bool:
        text = block.text.plain.strip() if isinstance(block, RawParagraph) else ""
        return text.endswith(":") and len(text.split()) <= 40


_INTRODUCERS = (SubHeadingList(), LabelledList(), IntroSentenceList())


class SeverityItemsUnderLabel:
    """`**Heparin:**` + `* **Common:** bruising` + `* **Serious:** bleeding`: the label stays
    a paragraph (an ingredient or a group name), each item is a group."""

    def read(self, raw: Sequence[RawBlock], index: int, groups: Groups) -> Read | None:
        block, following = raw[index], raw[index + 1] if index + 1 < len(raw) else None
        if not isinstance(following, RawList) or not following.items \
                or not any(shape.introduces(block) for shape in _INTRODUCERS):
            return None
        labels, severe = _item_labels(following)
        if severe != len(following.items):
            return None
        assert isinstance(block, (RawParagraph, RawHeading))
        return 2, [groups.make.paragraph(block.text, groups.scope),
                   *groups.per_item(following, labels)]


class SeverityItems:
    """`* **Common:** headache, nausea` + `* **Serious:**` + `  * Fainting` (or `* Common:
    headache`): at least half the items say a severity; one group per such item."""

    def read(self, raw: Sequence[RawBlock], index: int, groups: Groups) -> Read | None:
        block = raw[index]
        if not isinstance(block, RawList):
            return None
        labels, severe = _item_labels(block)
        if not severe or severe < len(block.items) / 2:
            return None
        return 1, groups.per_item(block, labels)


class UnlabelledList:
    """`* Headache` + `* Nausea` with nothing saying how common or serious: one group of
    unspecified severity."""

    def read(self, raw: Sequence[RawBlock], index: int, groups: Groups) -> Read | None:
        block = raw[index]
        if not isinstance(block, RawList):
            return None
        return 1, [groups.group(None, block.line, block.items, [])]


class SeverityParagraph:
    """`**Common:** headache, dizziness, nausea. Seek help if you faint.`: the list is the
    group's items, the other sentences its notes."""

    def read(self, raw: Sequence[RawBlock], index: int, groups: Groups) -> Read | None:
        block = raw[index]
        if not isinstance(block, RawParagraph):
            return None
        label = split_label(block.text.spans)
        if label is None or not label.rest or not severity_label(label.plain):
            return None
        split = comma_items(label.rest)
        if split is None:
            return None
        items = [RawItem(RawText(spans, block.text.line)) for spans in split[0]]
        return 1, [groups.group(label.label, block.text.line, items, split[1])]


SIDE_EFFECT_SHAPES = (SeverityItemsUnderLabel(), *_INTRODUCERS, SeverityItems(),
                      UnlabelledList(), SeverityParagraph())
"""Tried in this order at each block; the first that fits reads it."""


def read_side_effects(raw: list[RawBlock], scope: str, make: UnitMaker) -> list[Block]:
    groups = Groups(make, scope)
    out: list[Block] = []
    index = 0
    while index < len(raw):
        check_deadline()
        for shape in SIDE_EFFECT_SHAPES:
            found = shape.read(raw, index, groups)
            if found is not None:
                used, blocks = found
                break
        else:
            used, blocks = 1, make.plain_blocks([raw[index]], scope)
        out.extend(blocks)
        index += used
    return out
