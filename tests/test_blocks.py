"""One dispatch on block type: every block type is handled by every consumer.

The consumers are the package's `BlockVisitor` subclasses (found by importing every module of
`publish`) and the themes' Jinja macros. A new block type in `publish.model` fails here, by
name, until every one of them handles it: not at run time on the first page that has one.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

import publish
from publish.catalogs.units import leaflet_units, map_texts
from publish.config import SiteConfig, build_config
from publish.errors import ConfigError
from publish.model import (
    BLOCK_CLASSES,
    Block,
    BlockVisitor,
    Callout,
    Faq,
    ItemList,
    LabelledParagraph,
    Leaflet,
    ListItem,
    Origin,
    Paragraph,
    SafetyText,
    Section,
    SectionKind,
    Severity,
    SideEffectGroup,
    Span,
    Text,
    block_texts,
    blocks_of,
    iter_blocks,
    leaflet_texts,
)
from publish.outline import outline
from publish.renderers.audio import AudioRenderer
from publish.renderers.base import RenderContext
from publish.renderers.html import HtmlRenderer
from publish.renderers.sms import SmsRenderer
from publish.resources import THEME_FILE, builtin_themes_dir
from publish.theme import BLOCK_TYPE_NAMES, block_kind, is_block
from tests.conftest import ROOT

TYPE_NAMES = sorted(cls.type for cls in BLOCK_CLASSES)


# --- the consumers --------------------------------------------------------------------------


def package_visitors() -> list[type[BlockVisitor]]:  # type: ignore[type-arg]
    """Every `BlockVisitor` subclass defined in the package, after importing all of it."""
    for module in pkgutil.walk_packages(publish.__path__, "publish."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[BlockVisitor]] = []  # type: ignore[type-arg]
    pending = list(BlockVisitor.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("publish.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


VISITORS = package_visitors()


def test_the_consumers_are_found() -> None:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in VISITORS}
    assert {"publish.model._BlockTexts", "publish.model._NestedBlocks",
            "publish.outline._Outline", "publish.speech.script.ScriptBuilder",
            "publish.summary.UsageForms", "publish.catalogs.units._TextMap"} <= names


@pytest.mark.parametrize("visitor", VISITORS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_visitor_handles_every_block_type(visitor: type[BlockVisitor]) -> None:  # type: ignore[type-arg]
    missing = visitor.missing()
    assert not missing, (f"{visitor.__module__}.{visitor.__qualname__} has no method for "
                         + ", ".join(f"visit_{name}" for name in missing))


def test_block_type_names_are_the_json_types() -> None:
    assert len(set(TYPE_NAMES)) == len(TYPE_NAMES)
    data = json.dumps(LEAFLET.to_dict())
    for name in TYPE_NAMES:
        assert f'"type": "{name}"' in data, name


def test_a_missing_method_is_a_clear_error() -> None:
    class OnlyParagraphs(BlockVisitor[str]):
        def visit_paragraph(self, block: Paragraph) -> str:
            return block.text.plain

    visitor = OnlyParagraphs()
    assert visitor.visit(Paragraph(_text("Plain words.", "p"))) == "Plain words."
    assert OnlyParagraphs.missing() == [name for name in (cls.type for cls in BLOCK_CLASSES)
                                        if name != "paragraph"]
    faq = Faq(_text("Why?", "q"), ())
    with pytest.raises(NotImplementedError, match="OnlyParagraphs has no visit_faq method"):
        visitor.visit(faq)
    with pytest.raises(TypeError, match="not a block: ListItem"):
        visitor.visit(ListItem(_text("An item", "i")))  # type: ignore[arg-type]


# --- a leaflet with every block type ----------------------------------------------------------


def _text(words: str, key: str) -> Text:
    return Text((Span(words),), 1, key)


def every_block_leaflet() -> Leaflet:
    """Each block type at least once, nested where the model nests blocks; each text has a
    word of its own (`…word`) to find it by in an output."""
    nested = ItemList((ListItem(_text("Nesteditemword", "n1")),), ordered=True)
    usage = Section(SectionKind.USAGE, _text("Usage", "h1"), (
        Paragraph(_text("Paragraphword treats pain.", "p1")),
        ItemList((ListItem(_text("Itemword", "i1"),
                           (nested, Paragraph(_text("Itemchildword", "c1")))),
                  ListItem(_text("Seconditemword", "i2"))))))
    dosage = Section(SectionKind.DOSAGE, _text("Dosage", "h2"), (
        LabelledParagraph(_text("Labelword", "l1"), _text("Labelledtextword daily.", "t1")),
        Callout(_text("Noteword", "l2"), (Paragraph(_text("Calloutbodyword.", "b1")),))))
    effects = Section(SectionKind.SIDE_EFFECTS, _text("Side Effects", "h3"), (
        SideEffectGroup(_text("Grouplabelword", "g1"), Severity.SERIOUS, "rare",
                        (ListItem(_text("Effectword", "e1")),),
                        (Paragraph(_text("Groupnoteword.", "g2")),)),))
    faqs = Section(SectionKind.FAQS, _text("FAQs", "h4"), (
        Faq(_text("Faqquestionword?", "q1"), (
            Paragraph(_text("Faqanswerword.", "a1")),
            ItemList((ListItem(_text("Answeritemword", "a2")),)))),))
    return Leaflet(
        source="every-block.md", title="Everyblock", generic_name=None, language="en",
        extras=(), preamble=(Paragraph(_text("Preambleword.", "pre")),),
        sections=(usage, dosage, effects, faqs),
        disclaimer=SafetyText(_text("Disclaimerword: ask a doctor.", "d"), Origin.PAGE),
        ai_note=SafetyText(_text("Ainoteword: AI-generated text.", "ai"), Origin.PAGE))


def _all_blocks(leaflet: Leaflet) -> tuple[Block, ...]:
    return leaflet.preamble + tuple(b for s in leaflet.sections for b in s.blocks)


LEAFLET = every_block_leaflet()
WORDS = [text.plain.split()[0].rstrip(".:?") for block in _all_blocks(LEAFLET)
         for text in block_texts(block)]


def test_the_fixture_has_every_block_type() -> None:
    assert {type(block) for block in iter_blocks(_all_blocks(LEAFLET))} == set(BLOCK_CLASSES)
    assert len(WORDS) == 16 and all(word.endswith("word") for word in WORDS)


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return build_config({}, ROOT)


@pytest.fixture(scope="module")
def context(site: SiteConfig) -> RenderContext:
    return RenderContext(site, "en", today=dt.date(2025, 3, 4))


def _missing_words(output: str) -> list[str]:
    return [word for word in WORDS if word not in output]


def test_model_walks_every_block_type() -> None:
    texts = " ".join(t.plain for t in leaflet_texts(LEAFLET))
    assert _missing_words(texts) == []
    assert len(list(iter_blocks(_all_blocks(LEAFLET)))) == 13
    assert [faq.question.plain for faq in blocks_of(_all_blocks(LEAFLET), Faq)] == [
        "Faqquestionword?"]


def test_outline_shows_every_block_type() -> None:
    assert _missing_words(outline(LEAFLET)) == []


def test_speech_script_says_every_block_type(context: RenderContext) -> None:
    assert _missing_words(AudioRenderer().script(LEAFLET, context).transcript()) == []


def test_sms_summary_reads_every_block_type(context: RenderContext) -> None:
    text = SmsRenderer().render(LEAFLET, context).files[0].data.decode()
    # a summary picks (usage, serious effects, FAQ facts), it does not carry every block
    assert "Paragraphword treats pain." in text and "Effectword" in text


def test_catalog_units_and_text_map_reach_every_block_type() -> None:
    msgids = " ".join(unit.msgid for unit in leaflet_units(LEAFLET))
    assert _missing_words(msgids) == []
    seen: list[str] = []

    def shout(text: Text, place: object) -> Text:
        seen.append(text.id)
        return Text((Span(text.plain.upper()),), text.line, text.id)

    shouted = map_texts(LEAFLET, shout)
    assert seen == [text.id for text in leaflet_texts(LEAFLET)]
    assert [word for word in WORDS if word.upper() not in outline(shouted)] == []

    # a dropped text drops the block that needs it; the leaflet keeps the rest
    kept = map_texts(LEAFLET, lambda text, place: None if text.id == "l1" else text)
    assert not blocks_of(kept.sections[1].blocks, LabelledParagraph)
    assert blocks_of(kept.sections[1].blocks, Callout)


# --- the themes -------------------------------------------------------------------------------

THEMES = sorted(path.name for path in builtin_themes_dir().iterdir()
                if (path / THEME_FILE).is_file())


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_writes_every_block_type(theme: str, site: SiteConfig) -> None:
    context = RenderContext(site, "en", today=dt.date(2025, 3, 4), theme=theme)
    html = HtmlRenderer().render(LEAFLET, context).files[0].data.decode()
    assert _missing_words(html) == []


def _theme_templates(theme: str) -> dict[str, str]:
    """The templates a built-in theme renders with: its own, then the default theme's."""
    found: dict[str, str] = {}
    for folder in (builtin_themes_dir() / theme, builtin_themes_dir() / "large-print"):
        for path in sorted(Path(folder).glob("*.html")):
            found.setdefault(path.name, path.read_text(encoding="utf-8"))
    return found


def _block_tests(node: nodes.Node) -> list[str]:
    """The names of every `is block("…")` test under `node`."""
    return [test.args[0].value for test in node.find_all(nodes.Test)
            if test.name == "block" and isinstance(test.args[0], nodes.Const)]


def _dispatched(macro: nodes.Macro) -> list[str]:
    """The block types a macro dispatches on: the `if … elif …` chain at its top level that
    tests its first argument (`{% if block is block("paragraph") %}…{% elif … %}`)."""
    if not macro.args:
        return []
    argument = macro.args[0].name
    names: list[str] = []
    for node in macro.body:
        if isinstance(node, nodes.If):
            for branch in (node, *node.elif_):
                test = branch.test
                if (isinstance(test, nodes.Test) and test.name == "block"
                        and isinstance(test.node, nodes.Name) and test.node.name == argument
                        and isinstance(test.args[0], nodes.Const)):
                    names.append(test.args[0].value)
    return names


@pytest.mark.parametrize("theme", THEMES)
def test_the_theme_macros_name_every_block_type(theme: str) -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    dispatchers: dict[str, list[str]] = {}
    for name, source in _theme_templates(theme).items():
        tree = env.parse(source, name=name)
        # every name tested anywhere is a block type of the model
        assert set(_block_tests(tree)) <= BLOCK_TYPE_NAMES, name
        for macro in tree.find_all(nodes.Macro):
            chain = _dispatched(macro)
            if chain:
                dispatchers[f"{name}: {macro.name}"] = chain
    # `one` writes a block, `inline_block` a block inside a list item: both must know them all
    assert {macro.split(": ")[1] for macro in dispatchers} >= {"one", "inline_block"}
    for macro, chain in dispatchers.items():
        assert sorted(chain) == TYPE_NAMES, (macro, sorted(set(TYPE_NAMES) - set(chain)))


def test_the_block_test_refuses_a_name_that_is_no_block_type() -> None:
    paragraph = Paragraph(_text("Words.", "p"))
    labelled = LabelledParagraph(_text("Adults", "l"), _text("5 mg", "t"))
    assert is_block(paragraph, "paragraph") and not is_block(paragraph, "list")
    assert block_kind(labelled) == "labelled_paragraph"
    # the names themes used before the model's names, still understood
    assert is_block(labelled, "labelled")
    with pytest.raises(ValueError, match="no such block type"):
        is_block(paragraph, "paragraf")


def test_a_theme_testing_a_misspelt_block_type_fails_in_one_line(tmp_path: Path) -> None:
    source = (builtin_themes_dir() / "large-print" / "blocks.html").read_text(encoding="utf-8")
    folder = tmp_path / "themes" / "typo"
    folder.mkdir(parents=True)
    (folder / THEME_FILE).write_text('name = "typo"\n', encoding="utf-8")
    for css in ("leaflet.css", "print.css"):
        (folder / css).write_text("p { margin: 0 }\n", encoding="utf-8")
    (folder / "blocks.html").write_text(
        source.replace('block is block("faq")', 'block is block("fqa")'), encoding="utf-8")
    context = RenderContext(build_config({}, tmp_path), "en", today=dt.date(2025, 3, 4),
                            theme="typo")
    with pytest.raises(ConfigError, match=r"block\('fqa'\): no such block type") as raised:
        HtmlRenderer().render(LEAFLET, context)
    assert "\n" not in str(raised.value)
    assert raised.value.path is not None and raised.value.path.endswith("blocks.html")
