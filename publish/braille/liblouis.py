"""liblouis, the braille translator, through its own Python binding.

The binding is Debian's `python3-louis`: a ctypes module over `liblouis.so.20`, installed in
the *system* Python's `dist-packages`, which a virtual environment (or another Python) does
not see. It is found in this order:

1. `import louis`, when the running Python has the real binding (it has `translateString`;
   the unrelated PyPI package of the same name does not);
2. the file named by the environment variable `PUBLISH_LOUIS_MODULE` (a `louis/__init__.py`
   from any liblouis install);
3. Debian's module at its known place, `/usr/lib/python3/dist-packages/louis/__init__.py`,
   loaded by path under a private name (it is pure Python: any Python 3 can run it).

Whatever is found talks to the same shared library and tables (`/usr/share/liblouis/tables`).
When none can be loaded, `binding()` raises one `RenderError` saying what to install.

BRF is North American Braille ASCII whatever the language: `en-us-brf.dis` is put first in
every table list, so its cell → character mapping wins over the Unicode display tables that
tables such as `es-g1.ctb` include. A cell that display table cannot show (an 8-dot cell,
which liblouis uses to spell characters a table does not define) is written by its dots 1–6.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from publish.errors import RenderError

DEBIAN_MODULE = Path("/usr/lib/python3/dist-packages/louis/__init__.py")
MODULE_VARIABLE = "PUBLISH_LOUIS_MODULE"
BRF_DISPLAY = "en-us-brf.dis"
"""North American Braille ASCII: the display table that makes any table's output BRF."""
INSTALL_HINT = ("braille needs liblouis and its Python binding: install the Debian packages "
                "liblouis-bin, liblouis-data and python3-louis (`make setup`)")

# North American Braille ASCII, indexed by the dots 1-6 of a cell as a bit field (dot 1 is
# bit 0): the same mapping as en-us-brf.dis.
_NABCC = (" A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)=")
_TABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*+")
"""A liblouis table file name: no folder, no `..` (a site's data names tables, not paths)."""


def binding() -> ModuleType:
    """The liblouis Python binding (cached), or a `RenderError` saying what to install."""
    return _load()


@functools.cache
def _load() -> ModuleType:
    try:
        module = importlib.import_module("louis")
    except (ImportError, OSError):
        module = None
    if module is not None and hasattr(module, "translateString"):
        return module
    candidates = [Path(os.environ[MODULE_VARIABLE])] if os.environ.get(MODULE_VARIABLE) else []
    candidates.append(DEBIAN_MODULE)
    for path in candidates:
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location("_publish_louis", path)
        if spec is None or spec.loader is None:
            continue
        loaded = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(loaded)
        except (OSError, ImportError, AttributeError) as error:
            # The module is there but liblouis.so is not (or is another ABI).
            raise RenderError(f"{INSTALL_HINT} ({path}: {error})") from None
        return loaded
    raise RenderError(INSTALL_HINT)


def version() -> str:
    """liblouis's version ("3.24.0"), or "unavailable"."""
    try:
        return str(binding().version())
    except RenderError:
        return "unavailable"


def check_table_name(name: str) -> bool:
    return _TABLE_NAME.fullmatch(name) is not None and ".." not in name


@dataclass(frozen=True)
class Cells:
    """A text in braille: one BRF character per cell, and for each cell the index of the
    print character it came from (a contraction's cell points at its first letter)."""

    brf: str
    sources: tuple[int, ...]

    def clean_break(self, index: int) -> bool:
        """True when a line may end before cell `index`: the cells on each side come from
        different print characters, so no indicator is cut from its letter (a capital sign,
        a number sign) and no multi-cell sign is split."""
        return 0 < index < len(self.brf) and self.sources[index] != self.sources[index - 1]


class Translator:
    """One liblouis table list (the BRF display table first), forward and backward."""

    def __init__(self, tables: Sequence[str]):
        self.tables = [BRF_DISPLAY, *tables]
        self._louis = binding()
        try:
            self._louis.checkTable(self.tables)
        except RuntimeError:
            raise RenderError(f"liblouis cannot load the braille tables "
                              f"{','.join(self.tables)!r}") from None

    def forward(self, text: str) -> Cells:
        """`text` in braille (BRF), with each cell's source character."""
        # Braille has no direction: the invisible marks and isolates of right-to-left text
        # would otherwise come out as liblouis's escapes ('\x2067').
        text, typeform = emphasised(text.translate(_DIRECTION_MARKS))
        if not text:
            return Cells("", ())
        brf, sources, _positions, _cursor = self._louis.translate(self.tables, text,
                                                                  typeform=typeform)
        return Cells(_ascii(brf), tuple(sources[:len(brf)]))

    def brf(self, text: str) -> str:
        return self.forward(text).brf if text else ""

    def backward(self, brf: str) -> str:
        """Print text back from BRF (for checks: back-translation is not always exact)."""
        return str(self._louis.backTranslateString(self.tables, brf)) if brf else ""


# Emphasis travels from the document to `forward` as private-use marks around the run (they
# survive the words-first rewriting), and reaches liblouis as typeforms.
EMPHASIS = {"bold": ("\ue000", "\ue001"), "italic": ("\ue002", "\ue003")}
_TYPEFORM = {"bold": 0x0004, "italic": 0x0001}  # liblouis's emph_3 (bold), emph_1 (italic)
_MARK = {mark: (name, opening) for name, pair in EMPHASIS.items()
         for mark, opening in zip(pair, (True, False), strict=True)}
_OPENING, _OPENING_ITALIC = EMPHASIS["bold"][0], EMPHASIS["italic"][0]


def emphasised(text: str) -> tuple[str, list[int] | None]:
    """The text without its emphasis marks, and each character's liblouis typeform (None
    when nothing is emphasised)."""
    if _OPENING not in text and _OPENING_ITALIC not in text:
        return text, None
    chars: list[str] = []
    forms: list[int] = []
    active: dict[str, int] = {}
    for char in text:
        found = _MARK.get(char)
        if found is not None:
            name, opening = found
            active[name] = active.get(name, 0) + (1 if opening else -1)
            continue
        chars.append(char)
        form = 0
        for name, depth in active.items():
            if depth > 0:
                form |= _TYPEFORM[name]
        forms.append(form)
    return "".join(chars), (forms if any(forms) else None)


_DIRECTION_MARKS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _ascii(brf: str) -> str:
    """BRF upper case, with any cell the display table left as a Unicode braille pattern
    written by its dots 1-6 (liblouis's 8-dot escapes for undefined characters)."""
    if brf.isascii():
        return brf.upper()
    out: list[str] = []
    for char in brf:
        code = ord(char)
        if 0x2800 <= code <= 0x28FF:
            out.append(_NABCC[(code - 0x2800) & 0x3F])
        elif char.isascii():
            out.append(char.upper())
        else:
            out.append("?")  # never reached with en-us-brf.dis first; BRF must stay ASCII
    return "".join(out)

