"""Renderer registry, fed by the `publish.renderers` entry-point group.

Another package adds a format by declaring, in its own pyproject.toml:

    [project.entry-points."publish.renderers"]
    epub = "my_package.epub:EpubRenderer"
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points

from publish.errors import PublishError
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult

ENTRY_POINT_GROUP = "publish.renderers"

__all__ = ["OutputFile", "Renderer", "RenderContext", "RenderResult", "registry",
           "get_renderer_class"]


@functools.cache
def registry() -> dict[str, type[Renderer]]:
    """Every renderer class by name, in a stable order (built-in ones first)."""
    found: dict[str, type[Renderer]] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Renderer)):
            raise PublishError(f"entry point {entry.name!r} in {ENTRY_POINT_GROUP} is not a "
                               "publish Renderer")
        found[cls.name] = cls
    order = ["pdf", "html", "sms", "audio", "json"]
    return {name: found[name] for name in sorted(found, key=lambda n: (
        order.index(n) if n in order else len(order), n))}


def get_renderer_class(name: str) -> type[Renderer]:
    try:
        return registry()[name]
    except KeyError:
        known = ", ".join(registry()) or "none"
        raise PublishError(f"unknown format {name!r} (available: {known})") from None
