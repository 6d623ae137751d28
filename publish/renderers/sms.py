"""The `sms` renderer: a short, exact and safe SMS summary of a leaflet.

Writes `<page>.sms.txt` (the messages in order, separated by a blank line) and `<page>.sms.json`
(per message: text, encoding, characters, septets or UTF-16 units, segments and, for UCS-2, the
characters that forced it; totals; what was trimmed; `shortened`: each part said shorter than
the page says it, from → to, with the reason). What the summary says and how it is cut
is in `publish.sms.summary`; the encoding arithmetic in `publish.sms.gsm`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from publish.config import Setting
from publish.errors import ConfigError
from publish.files import StampCache
from publish.model import Leaflet
from publish.renderers.base import OutputFile, RenderContext, Renderer, RenderResult
from publish.sms import gsm
from publish.sms.summary import (
    CONCATENATED,
    SEPARATE,
    Bundle,
    Options,
    compose,
    gather,
    shortened,
)
from publish.sms.transliterate import (
    SmsLocale,
    Transliterator,
    find_locale_file,
    flatten,
    load_locale,
)

DEFAULT_SHORT_DISCLAIMER = "Not medical advice: ask a doctor or pharmacist."
DEFAULT_SHORT_AI_NOTE = "AI-generated or crowd-sourced, may be inaccurate."
MAX_SEGMENTS = 255
"""3GPP TS 23.040: the concatenation header counts the parts of a message in one octet."""


class SmsRenderer(Renderer):
    name = "sms"
    suffixes = (".sms.txt", ".sms.json")
    safety_suffix = ".sms.txt"
    version = "1"
    settings = {
        "max_segments": Setting(3, int, "Budget per page: segments of the concatenated message, "
                                "or number of messages in separate mode."),
        "mode": Setting(CONCATENATED, str, "`concatenated`: one long message the network "
                        "splits; `separate`: self-contained one-segment messages numbered (1/3).",
                        choices=(CONCATENATED, SEPARATE)),
        "safety": Setting("short", str, "`short`: the approved short forms below; `full`: the "
                          "page's own disclaimer and AI note, verbatim.",
                          choices=("short", "full")),
        "safety_placement": Setting("last", str, "Separate mode: the safety text ends the last "
                                    "message or every message.", choices=("last", "every")),
        "footer": Setting("", str, "Help/opt-out line ending the last message (counted in the "
                          "budget), e.g. \"Reply STOP to opt out\"."),
        "short_disclaimer": Setting(DEFAULT_SHORT_DISCLAIMER, str, "Approved short disclaimer. "
                                    "Translated through the catalogs when left at the default; "
                                    "a site's own wording is used as is."),
        "short_ai_note": Setting(DEFAULT_SHORT_AI_NOTE, str, "Approved short AI-generated note "
                                 "(translated when left at the default, as above)."),
        "national_shift": Setting([], list, "Languages whose GSM 03.38 national single shift "
                                  "table the operator supports (`es`, `pt`, `tr`): a locale of "
                                  "that language keeps its accented letters in GSM-7.",
                                  choices=tuple(gsm.SHIFT_TABLES), item_type=str),
    }

    def __init__(self) -> None:
        self._locales: StampCache[Transliterator] = StampCache()

    def inputs(self, context: RenderContext) -> list[Path]:
        found = find_locale_file(context.config.locales_dir, context.locale)
        return [found] if found is not None else []

    def tools(self, context: RenderContext) -> list[str]:
        return ["gsm0338"]

    def render(self, leaflet: Leaflet, context: RenderContext) -> RenderResult:
        settings = context.settings(self.name)
        if not 1 <= settings["max_segments"] <= MAX_SEGMENTS:
            raise ConfigError(f"[sms] max_segments must be 1–{MAX_SEGMENTS} (a concatenated SMS "
                              f"numbers its parts in one byte)", context.config.path)
        with gsm.using_shift(self._shift_table(settings, context)):
            return self._render(leaflet, context, settings)

    def _render(self, leaflet: Leaflet, context: RenderContext,
                settings: Mapping[str, Any]) -> RenderResult:
        transliterator = self._transliterator(context)
        replaced: dict[str, str] = {}

        def sms_form(text: str) -> str:
            return transliterator(text, replaced)

        safety = " ".join(sms_form(text) for text in self._safety_source(leaflet, settings,
                                                                          context))
        options = Options(max_segments=settings["max_segments"], mode=settings["mode"],
                          safety_placement=settings["safety_placement"],
                          footer=sms_form(settings["footer"]))
        content = gather(leaflet, transliterator.data, context, sms_form, options.form_limit)
        bundle = compose(content, safety, options, context)
        warnings = self._warnings(bundle, transliterator.data, context)
        text = "\n\n".join(bundle.messages) + "\n"
        report = self._report(leaflet, context, settings, bundle, replaced)
        data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        return RenderResult(
            files=(OutputFile(".sms.txt", text.encode("utf-8"), "text/plain; charset=utf-8"),
                   OutputFile(".sms.json", data.encode("utf-8"), "application/json")),
            warnings=tuple(warnings))

    def safety_texts(self, leaflet: Leaflet, context: RenderContext) -> tuple[str, str]:
        """The disclaimer and AI note exactly as the messages carry them."""
        transliterator = self._transliterator(context)
        disclaimer, ai_note = self._safety_source(leaflet, context.settings(self.name), context)
        return transliterator(disclaimer), transliterator(ai_note)

    @staticmethod
    def _shift_table(settings: Mapping[str, Any], context: RenderContext) -> gsm.ShiftTable | None:
        """The locale's national single shift table, when the site opted in for its language."""
        language = context.locale.language
        if language in settings["national_shift"]:
            return gsm.SHIFT_TABLES[language]
        return None

    def _safety_source(self, leaflet: Leaflet, settings: Mapping[str, Any],
                       context: RenderContext) -> tuple[str, str]:
        if settings["safety"] == "full":
            return (flatten(leaflet.disclaimer.text.spans), flatten(leaflet.ai_note.text.spans))
        for key in ("short_disclaimer", "short_ai_note"):
            if not settings[key].strip():
                # An empty approved form would drop the safety text from every message.
                raise ConfigError(f"[sms] {key} must not be empty", context.config.path)
        disclaimer = settings["short_disclaimer"]
        if disclaimer == DEFAULT_SHORT_DISCLAIMER:
            # SAFETY: the short disclaimer of SMS summaries; keep it short (SMS are paid by
            # 160-character segment) and free of curly quotes and dashes.
            disclaimer = context.gettext("Not medical advice: ask a doctor or pharmacist.")
        ai_note = settings["short_ai_note"]
        if ai_note == DEFAULT_SHORT_AI_NOTE:
            # SAFETY: the short AI-generated note of SMS summaries; keep it short.
            ai_note = context.gettext("AI-generated or crowd-sourced, may be inaccurate.")
        return disclaimer, ai_note

    def _transliterator(self, context: RenderContext) -> Transliterator:
        key = (context.config.locales_dir, context.locale)
        path = find_locale_file(*key)
        # The file found is in the key: a site's own file added later replaces the built-in.
        return self._locales.get((*key, path), [path] if path is not None else [],
                                 lambda: Transliterator(load_locale(*key)))

    def _warnings(self, bundle: Bundle, data: SmsLocale, context: RenderContext) -> list[str]:
        warnings: list[str] = []
        if data.path is None:
            warnings.append(f"sms: no SMS locale data for {context.locale.tag!r} "
                            f"(locales/<lang>/sms.toml): medical symbols kept as they are")
        choice = bundle.choice
        if choice.warning is None:
            warnings.append("sms: the side-effect warning did not fit the budget and was left "
                            "out")
        if choice.usage == "omitted":
            warnings.append("sms: what the medicine is for did not fit the budget and was left "
                            "out")
        elif choice.usage == "missing":
            warnings.append("sms: the page has no Usage text; the summary gives the name only")
        return warnings

    def _report(self, leaflet: Leaflet, context: RenderContext, settings: Mapping[str, Any],
                bundle: Bundle, replaced: dict[str, str]) -> dict[str, Any]:
        counts = [gsm.count(message) for message in bundle.messages]
        encodings = {count.encoding.value for count in counts}
        shifts = {count.shift.language for count in counts if count.shift is not None}
        shift = {"single_shift": shifts.pop()} if shifts else {}
        content, choice = bundle.content, bundle.choice
        warning_items = glosses_kept = 0
        if choice.warning is not None and content.warning_kind == "serious":
            warning_items = content.warning_counts[choice.warning_kept]
            glosses_kept = content.warning_glossed[choice.warning_kept]
        glosses_total = sum(p.glossed for p in content.warning_phrases)
        return {
            "page": leaflet.source,
            "title": leaflet.title,
            "locale": str(context.locale),
            "mode": settings["mode"],
            "max_segments": settings["max_segments"],
            "safety": settings["safety"],
            "safety_placement": settings["safety_placement"],
            "safety_text": bundle.safety,
            "messages": [count.to_dict() for count in counts],
            "totals": {
                "messages": len(counts),
                "segments": sum(count.segments for count in counts),
                "characters": sum(count.characters for count in counts),
                "encoding": encodings.pop() if len(encodings) == 1 else "mixed",
                **shift,
            },
            "content": {
                "usage": choice.usage,
                "warning": content.warning_kind if choice.warning is not None else "omitted",
                "warning_items": {"kept": warning_items, "total": content.warning_items},
                "facts": {"kept": len(choice.facts), "total": len(content.facts)},
                "glosses": {"kept": glosses_kept, "total": glosses_total},
            },
            "shortened": shortened(bundle),
            "transliterated": dict(sorted(replaced.items())),
        }
