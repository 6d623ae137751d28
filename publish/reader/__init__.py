"""The reader: one medicine page (YAML front matter + Markdown) → one `Leaflet`.

Reading happens in steps, one module each:

1. `source`: decode the bytes and split off the front matter (`load_source`), with errors
   that name the file and line; invisible characters are removed (`remove_invisible`).
2. `blocks`: the Markdown body → raw blocks (headings, paragraphs, lists) with inline spans
   and source lines (`parse_blocks`, markdown-it-py).
3. `sections`: raw blocks → a preamble and sections, with ingredient groups.
4. `safety`: the page's disclaimer and AI note, when they read like one, else the site's.
5. The blocks of each section, by kind: `side_effects` and `faqs` hold one named recogniser
   per page layout (`SIDE_EFFECT_SHAPES`, `QUESTION_SHAPES`: the one place to edit for a new
   layout); other kinds keep their blocks as written (`units`).

`page.read_page` runs them within `[site] read_timeout` (`deadline`). Nothing is dropped:
text no shape recognises stays a paragraph or list where it was.
"""

from publish.reader.blocks import MAX_NESTING, RawBlock, parse_blocks
from publish.reader.deadline import ReadTimeout
from publish.reader.page import PageReader, read_page
from publish.reader.safety import safety_problem
from publish.reader.sections import classify_heading, ingredient_names
from publish.reader.source import MAX_PAGE_BYTES, Source, decode_page, load_source, remove_invisible
from publish.reader.spans import split_label, without_parentheses

__all__ = [
    "MAX_NESTING",
    "MAX_PAGE_BYTES",
    "PageReader",
    "RawBlock",
    "ReadTimeout",
    "Source",
    "classify_heading",
    "decode_page",
    "ingredient_names",
    "load_source",
    "parse_blocks",
    "read_page",
    "remove_invisible",
    "safety_problem",
    "split_label",
    "without_parentheses",
]
