"""The `json` renderer: the leaflet model as JSON, for other systems to consume."""

from __future__ import annotations

import json

from publish.model import Leaflet
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult


class JsonRenderer(Renderer):
    name = "json"
    suffixes = (".json",)
    safety_suffix = ".json"

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        data = leaflet.to_dict()
        data["locale"] = str(context.locale)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return RenderResult((OutputFile(".json", text.encode("utf-8"), "application/json"),))
