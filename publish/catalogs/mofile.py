"""GNU `.mo` files from our catalogs, written by Babel's `write_mo`.

The `.mo` files are for gettext consumers outside this toolkit (a web site's runtime, for
instance); the build reads the `.po` files through the gate. Like msgfmt, a `.mo` holds only
translated, non-fuzzy entries, and the same catalog always gives the same bytes.

Two things Babel's catalog would change are kept as they are:

- the header is the catalog's own, verbatim (Babel rebuilds it from its attributes: it adds
  `POT-Creation-Date` with the current time, so the bytes would change on every compile,
  and it drops `X-` fields);
- keys are sorted as GNU gettext looks them up. With no hash table (Babel writes none),
  libintl finds a message by binary search over the keys in `strcmp` order, and the key of
  an entry with a context is `msgctxt \\x04 msgid`; Babel sorts by msgid alone, so
  `--context=heading Disclaimer` (and any key after it in the wrong order) is not found.
  Giving Babel the whole key as the message id makes its sort the right one.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.catalog import Message
from babel.messages.mofile import write_mo

from publish.catalogs.pofile import Catalog, format_header


class _Compiled(BabelCatalog):
    """What `write_mo` reads: our header as the first message, then the messages."""

    def __init__(self, header: str, messages: list[Message]) -> None:
        super().__init__(charset="utf-8", fuzzy=False)
        self._header = header
        self._compiled = messages

    def __iter__(self) -> Iterator[Message]:
        yield Message("", self._header)
        yield from self._compiled


def mo_bytes(catalog: Catalog) -> bytes:
    """The GNU .mo form of the translated, non-fuzzy entries (little-endian, revision 0)."""
    messages = []
    for entry in catalog.active:
        if not entry.translated:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is not None:
            messages.append(Message((key, entry.msgid_plural), tuple(entry.msgstr_plural)))
        else:
            messages.append(Message(key, entry.msgstr))
    stream = BytesIO()
    write_mo(stream, _Compiled(format_header(catalog.header), messages))
    return stream.getvalue()
