"""A readable outline of a leaflet (`publish show`)."""

from __future__ import annotations

from publish.model import (
    Block,
    BlockVisitor,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    Paragraph,
    SideEffectGroup,
)


def outline(leaflet: Leaflet, width: int = 72) -> str:
    blocks = _Outline(width)
    lines = [f"{leaflet.title}  [{leaflet.source}, {leaflet.status.value}]"]
    if leaflet.generic_name:
        lines.append(f"  generic name: {leaflet.generic_name}")
    for block in leaflet.preamble:
        lines.extend(blocks.visit(block, 1))
    ingredient = None
    for section in leaflet.sections:
        if section.ingredient is not None and section.ingredient != ingredient:
            ingredient = section.ingredient
            lines.append(f"== {ingredient.plain} ==")
        lines.append(f"## {section.heading.plain}  ({section.kind.value}, "
                     f"line {section.heading.line})")
        for block in section.blocks:
            lines.extend(blocks.visit(block, 1))
    for name, safety in (("disclaimer", leaflet.disclaimer), ("AI note", leaflet.ai_note)):
        lines.append(f"## {name} (from the {safety.origin.value})")
        lines.append("  " + _short(safety.text.plain, width))
    for warning in leaflet.warnings:
        where = f"line {warning.line}: " if warning.line else ""
        lines.append(f"warning: {where}{warning.message}")
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Outline(BlockVisitor[list[str]]):
    """The outline lines of one block, indented `depth` levels."""

    def __init__(self, width: int) -> None:
        self.width = width

    def visit_paragraph(self, block: Paragraph, depth: int) -> list[str]:
        return ["  " * depth + _short(block.text.plain, self.width)]

    def visit_labelled_paragraph(self, block: LabelledParagraph, depth: int) -> list[str]:
        return ["  " * depth + _short(f"[{block.label.plain}] {block.text.plain}", self.width)]

    def visit_callout(self, block: Callout, depth: int) -> list[str]:
        return ["  " * depth + f"callout: {block.label.plain}",
                *self._blocks(block.body, depth + 1)]

    def visit_list(self, block: ItemList, depth: int) -> list[str]:
        out = []
        for item in block.items:
            out.append("  " * depth + "• " + _short(item.text.plain, self.width))
            out.extend(self._blocks(item.children, depth + 1))
        return out

    def visit_side_effect_group(self, block: SideEffectGroup, depth: int) -> list[str]:
        pad = "  " * depth
        label = block.label.plain if block.label else "(no label)"
        freq = f", {block.frequency}" if block.frequency else ""
        out = [pad + _short(f"side effects [{block.severity.value}{freq}]: {label}", self.width)]
        for item in block.items:
            out.append(pad + "  • " + _short(item.text.plain, self.width))
        out.extend(self._blocks(block.notes, depth + 1))
        return out

    def visit_faq(self, block: Faq, depth: int) -> list[str]:
        return ["  " * depth + "Q: " + _short(block.question.plain, self.width),
                *self._blocks(block.answer, depth + 1)]

    def _blocks(self, blocks: tuple[Block, ...], depth: int) -> list[str]:
        return [line for block in blocks for line in self.visit(block, depth)]
