"""A readable outline of a leaflet (`publish show`)."""

from __future__ import annotations

from publish.model import (
    Block,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    Paragraph,
    SideEffectGroup,
)


def outline(leaflet: Leaflet, width: int = 72) -> str:
    lines = [f"{leaflet.title}  [{leaflet.source}, {leaflet.status.value}]"]
    if leaflet.generic_name:
        lines.append(f"  generic name: {leaflet.generic_name}")
    for block in leaflet.preamble:
        lines.extend(_block(block, 1, width))
    ingredient = None
    for section in leaflet.sections:
        if section.ingredient is not None and section.ingredient != ingredient:
            ingredient = section.ingredient
            lines.append(f"== {ingredient.plain} ==")
        lines.append(f"## {section.heading.plain}  ({section.kind.value}, "
                     f"line {section.heading.line})")
        for block in section.blocks:
            lines.extend(_block(block, 1, width))
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


def _block(block: Block, depth: int, width: int) -> list[str]:
    pad = "  " * depth
    if isinstance(block, Paragraph):
        return [pad + _short(block.text.plain, width)]
    if isinstance(block, LabelledParagraph):
        return [pad + _short(f"[{block.label.plain}] {block.text.plain}", width)]
    if isinstance(block, Callout):
        out = [pad + f"callout: {block.label.plain}"]
        for child in block.body:
            out.extend(_block(child, depth + 1, width))
        return out
    if isinstance(block, ItemList):
        out = []
        for item in block.items:
            out.append(pad + "• " + _short(item.text.plain, width))
            for child in item.children:
                out.extend(_block(child, depth + 1, width))
        return out
    if isinstance(block, SideEffectGroup):
        label = block.label.plain if block.label else "(no label)"
        freq = f", {block.frequency}" if block.frequency else ""
        out = [pad + _short(f"side effects [{block.severity.value}{freq}]: {label}", width)]
        for item in block.items:
            out.append(pad + "  • " + _short(item.text.plain, width))
        for child in block.notes:
            out.extend(_block(child, depth + 1, width))
        return out
    if isinstance(block, Faq):
        out = [pad + "Q: " + _short(block.question.plain, width)]
        for child in block.answer:
            out.extend(_block(child, depth + 1, width))
        return out
    return [pad + repr(block)]
