"""The translation protocol: how renderers, themes and summaries translate their own strings.

Every user-visible string a renderer adds of its own ("Page X of Y", "Question") goes through
a `Strings` object; the catalogs provide one per locale (`publish.catalogs.translations`), and
`SourceStrings` stands for the source language. Below the renderers, so that the helpers they
use (SMS summaries, speech scripts, themes, localisation) need not import them.
"""

from __future__ import annotations

from typing import Protocol


class Strings(Protocol):
    """Translation of the strings renderers and themes add."""

    def gettext(self, message: str) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class SourceStrings:
    """Strings in the source language: every message is its own translation."""

    def gettext(self, message: str) -> str:
        return message

    def pgettext(self, context: str, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


class Localised(Protocol):
    """A locale and the translations of its strings (a renderer's `RenderContext` is one)."""

    @property
    def locale(self) -> str: ...

    def gettext(self, message: str) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...
