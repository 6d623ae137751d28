"""One page → one `Leaflet`: the steps of the reader put together, within the time bound."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from publish.config import SiteConfig
from publish.errors import PageError
from publish.model import (
    Block,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    Paragraph,
    Section,
    SectionKind,
    Status,
    block_texts,
)
from publish.reader.blocks import RawBlock, RawHeading, parse_blocks
from publish.reader.deadline import ReadTimeout, read_timeout, time_limit
from publish.reader.faqs import FaqReader
from publish.reader.safety import take_safety_texts
from publish.reader.sections import OpenSection, Segmenter
from publish.reader.side_effects import read_side_effects
from publish.reader.source import Source, invisible_message, load_source
from publish.reader.spans import normalise
from publish.reader.units import UnitMaker


def read_page(path: Path, config: SiteConfig, key: str | None = None,
              data: bytes | None = None) -> Leaflet:
    """Read one page into a `Leaflet`; raises `PageError` (with file and line) if it can't.

    `data`, when given, is the page's content: errors still name `path`. Reading takes at
    most `[site] read_timeout` seconds.
    """
    seconds = read_timeout(config)
    try:
        with time_limit(seconds):
            source = load_source(path, config.site["max_page_bytes"], data)
            return PageReader(source, config, key or path.name).read()
    except ReadTimeout:
        raise PageError(f"reading the page took longer than {seconds:g} s ([site] "
                        "read_timeout)", path) from None
    except PageError as error:
        if error.path is None:
            error.path = str(path)
        raise
    except RecursionError:
        raise PageError("structure nested too deeply to read", path) from None


_PLACEHOLDER = re.compile(r"\{[a-z_ ]{2,40}\}|\[(specific|insert|name of|drug name|medication"
                          r"|condition)[^\]]{0,40}\]", re.IGNORECASE)


class PageReader:
    """Gives one page's raw blocks their meaning: title, sections, safety texts. It never
    drops text: whatever no shape recognises stays a paragraph or list where it was."""

    def __init__(self, source: Source, config: SiteConfig, key: str) -> None:
        self.source = source
        self.config = config
        self.key = key
        self.make = UnitMaker(source.warnings)

    def read(self) -> Leaflet:
        meta = self.source.metadata
        invisible: dict[str, int] = {}
        blocks = parse_blocks(self.source.body, self.source.body_line, invisible)
        if invisible:  # written as character references (`&#x202E;`)
            self.make.warn("invisible", invisible_message(invisible), min(invisible.values()))
        title = self.title(blocks)
        preamble_raw, opened = Segmenter(self.make, title).segment(blocks)
        disclaimer, ai_note = take_safety_texts(self.make, self.config, opened, preamble_raw)
        sections = tuple(self.finish(section) for section in opened)
        preamble = tuple(self.make.plain_blocks(preamble_raw, "preamble"))
        sections = tuple(s for s in sections if s.blocks or s.heading)
        status = Status.STRUCTURED if any(s.kind is not SectionKind.OTHER for s in sections) \
            else Status.UNSTRUCTURED
        generic = _generic_name(sections)
        self.check_placeholders(preamble, sections)
        language = meta.get("lang") or meta.get("language") or self.config.source_language
        extras = tuple((k, v) for k, v in meta.items() if k != "title")
        return Leaflet(
            source=self.key, title=title, generic_name=generic, language=str(language),
            extras=extras, preamble=preamble, sections=sections,
            disclaimer=disclaimer, ai_note=ai_note, status=status,
            warnings=tuple(self.make.warnings))

    def title(self, blocks: list[RawBlock]) -> str:
        """The front matter's title, else the H1 (which is taken out of the blocks)."""
        title = self.source.metadata.get("title")
        if title is not None and not isinstance(title, (str, int, float)):
            raise PageError("title must be text", self.source.path, 2)
        title = str(title).strip() if title is not None else ""
        if blocks and isinstance(blocks[0], RawHeading) and blocks[0].level == 1:
            h1 = blocks.pop(0)
            if not title:
                title = h1.text.plain.strip()
            elif normalise(h1.text.plain).strip("\"'") != normalise(title).strip("\"'"):
                self.make.warn("title-mismatch", f"H1 {_clip(h1.text.plain)!r} differs from "
                               f"the title {_clip(title)!r}", h1.text.line)
        if not title:
            raise PageError("no title (add `title:` to the front matter or a `# Title` line)",
                            self.source.path, 1)
        return title

    def finish(self, section: OpenSection) -> Section:
        """The section's blocks, read by the shapes of its kind."""
        if section.kind is SectionKind.FAQS:
            blocks = FaqReader(self.make, section.scope).read(section.raw)
            if not any(isinstance(b, Faq) for b in blocks):
                self.make.warn("faq-without-questions", "FAQ section has no questions",
                               section.line)
        elif section.kind is SectionKind.SIDE_EFFECTS:
            blocks = read_side_effects(section.raw, section.scope, self.make)
        else:
            blocks = self.make.plain_blocks(section.raw, section.scope)
        if not blocks:
            self.make.warn("empty-section", f"section {section.heading.plain!r} is empty",
                           section.line)
        return Section(section.kind, section.heading, tuple(blocks), section.ingredient)

    def check_placeholders(self, preamble: Sequence[Block], sections: Sequence[Section]) -> None:
        for block in [*preamble, *(b for s in sections for b in s.blocks)]:
            for text in block_texts(block):
                match = _PLACEHOLDER.search(text.plain)
                if match:
                    self.make.warn("placeholder", f"template placeholder {match.group(0)!r} "
                                   "left in the text", text.line)


def _generic_name(sections: Sequence[Section]) -> str | None:
    for section in sections:
        if section.kind is SectionKind.GENERIC_NAME:
            for block in section.blocks:
                if isinstance(block, Paragraph) and block.text:
                    return block.text.plain.strip()
                if isinstance(block, LabelledParagraph):
                    return (block.text.plain or block.label.plain).strip()
                if isinstance(block, ItemList) and block.items:
                    return block.items[0].text.plain.strip()
    return None


def _clip(text: str, limit: int = 300) -> str:
    """A title quoted in a one-line message: real titles reach 258 characters, a hostile one
    100,000."""
    return text if len(text) <= limit else text[:limit] + "…"
