"""SMS summaries keep the page's plain words: the gloss in brackets after a medical term.

"Tachycardia (rapid heart rate)" used to reach the SMS as "Tachycardia": the explanation a
reader with low literacy needs was what got cut. The summary now keeps it while the budget
allows, drops it before anything else the summary says, and `.sms.json` says what it
shortened.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from publish.config import build_config
from publish.errors import PublishError
from publish.model import Leaflet, Status
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.sms import SmsRenderer
from publish.sms import gsm
from publish.summary import is_gloss, item_phrase, keep_glosses
from tests.conftest import CORPUS, ROOT, requires_corpus

PAGE = """---
title: Adrenaline
---
### Usage:
Adrenaline is used to treat severe allergic reactions (anaphylaxis).

### Side Effects:
**Common side effects:**
* Headache

**Serious side effects:**
* Tachycardia (rapid heart rate)
* Peripheral edema (swelling in extremities)
* Liver damage (rare but serious; liver tests may be required)

### FAQs:
* **What if I miss a dose?** Take it as soon as you remember. Do not take two doses at once.
"""


def leaflet_of(tmp_path: Path, text: str = PAGE, name: str = "adrenaline.md") -> Leaflet:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_page(path, build_config({}, ROOT), key=name)


def render(leaflet: Leaflet, sms: dict | None = None) -> tuple[str, dict]:
    config = build_config({"sms": sms or {}}, ROOT)
    result = SmsRenderer().render(leaflet, RenderContext(config=config, locale="en"))
    files = {f.suffix: f.data.decode("utf-8") for f in result.files}
    data = json.loads(files[".sms.json"])
    for message in data["messages"]:
        assert gsm.count(message["text"]).segments <= data["max_segments"]
    return files[".sms.txt"], data


def test_glosses_are_kept_when_they_fit(tmp_path: Path) -> None:
    text, data = render(leaflet_of(tmp_path))
    assert ("Get medical help at once if: Tachycardia (rapid heart rate), Peripheral edema "
            "(swelling in extremities), Liver damage.") in text
    assert data["content"]["glosses"] == {"kept": 2, "total": 2}
    assert data["shortened"] == []


def test_glosses_go_first_when_the_budget_is_tight(tmp_path: Path) -> None:
    # Two segments: the whole summary fits only without the glosses.
    text, data = render(leaflet_of(tmp_path), {"max_segments": 2})
    assert "Tachycardia, Peripheral edema, Liver damage." in text
    assert "Take it as soon as you remember." in text  # the missed dose outlives the glosses
    assert data["content"]["glosses"] == {"kept": 0, "total": 2}
    reasons = "explanation in brackets left out to fit the budget"
    assert data["shortened"] == [
        {"part": "warning", "from": "Tachycardia (rapid heart rate)", "to": "Tachycardia",
         "reason": reasons},
        {"part": "warning", "from": "Peripheral edema (swelling in extremities)",
         "to": "Peripheral edema", "reason": reasons},
    ]


def test_some_glosses_are_kept_when_all_do_not_fit(tmp_path: Path) -> None:
    page = PAGE.replace("(swelling in extremities)", "(swelling of the feet and hands)")
    leaflet = leaflet_of(tmp_path, page)
    full, _ = render(leaflet)
    plain, _ = render(leaflet, {"max_segments": 2})
    assert len(full) > 306 >= len(plain)  # two segments hold 306 septets
    # Three segments (459 septets) with a footer that leaves room for the first gloss only.
    room = 459 - len(plain.rstrip("\n")) - 1 - len(" (rapid heart rate)")
    text, data = render(leaflet, {"footer": "x" * room})
    assert "Tachycardia (rapid heart rate), Peripheral edema, Liver damage." in text
    assert data["content"]["glosses"] == {"kept": 1, "total": 2}
    assert [entry["to"] for entry in data["shortened"]] == ["Peripheral edema"]


def test_effects_left_out_are_reported(tmp_path: Path) -> None:
    text, data = render(leaflet_of(tmp_path), {"max_segments": 1})
    assert data["totals"]["segments"] == 1
    left_out = [entry for entry in data["shortened"] if entry["to"] is None]
    assert left_out and all(entry["from"] not in text for entry in left_out)
    assert all(entry["reason"].endswith("to fit the budget") for entry in data["shortened"])


def test_what_is_a_gloss() -> None:
    assert item_phrase("Tachycardia (rapid heart rate)") == \
        item_phrase("Tachycardia (rapid heart rate).")
    phrase = item_phrase("Tachycardia (rapid heart rate)")
    assert (phrase.text, phrase.plain, phrase.glossed) == \
        ("Tachycardia (rapid heart rate)", "Tachycardia", True)
    aside = item_phrase("Liver damage (rare but serious; regular liver tests may be required)")
    assert (aside.text, aside.glossed) == ("Liver damage", False)
    assert item_phrase("Rash (in 5% of patients)").text == "Rash"
    assert item_phrase("Jaundice (yellowing of the skin): see a doctor").text == \
        "Jaundice (yellowing of the skin)"
    # A gloss holding a comma does not cut the item at it.
    assert item_phrase("Allergic reactions (rash, itching, swelling)").text == \
        "Allergic reactions (rash, itching, swelling)"
    assert keep_glosses("Edema (swelling) (seen in 2 trials)") == "Edema (swelling)"
    assert not is_gloss("a b c d e f g h i") and is_gloss("rapid heart rate")


def test_gloss_patterns_take_linear_time() -> None:
    # 200,000 brackets, nested and not: one pass each.
    for text in ("(" * 100_000 + ")" * 100_000, "a (b) " * 40_000, "(" * 200_000):
        item_phrase(text)


@pytest.mark.corpus
@requires_corpus
def test_corpus_sample_keeps_glosses_within_the_budget(tmp_path: Path) -> None:
    """400 corpus pages (fixed seed): every summary fits its 3 segments, and the pages whose
    serious effects have glosses keep them in most summaries."""
    pages = sorted(CORPUS.rglob("*.md"))
    sample = random.Random(20240603).sample(pages, min(400, len(pages)))
    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="en")
    renderer = SmsRenderer()
    with_glosses = keeping = rendered = 0
    for path in sample:
        try:
            leaflet = read_page(path, config, key=path.relative_to(CORPUS).as_posix())
        except PublishError:
            continue
        if leaflet.status is Status.UNSTRUCTURED:
            continue
        data = json.loads(renderer.render(leaflet, context).files[1].data)
        rendered += 1
        assert data["totals"]["segments"] <= 3, path
        glosses = data["content"]["glosses"]
        if glosses["total"]:
            with_glosses += 1
            keeping += glosses["kept"] > 0
        kept = {entry["from"] for entry in data["shortened"] if entry["part"] == "warning"}
        assert len(kept) == len(data["shortened"]) - (data["content"]["usage"] in
                                                      ("shortened", "omitted"))
    assert rendered >= 380
    assert with_glosses >= 20
    assert keeping / with_glosses >= 0.5
