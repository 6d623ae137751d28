"""SMS summaries on a sample of real pages: segments per page, UCS-2 pages and why.

Baseline, in the same run: the same content composed without transliteration (text as the page
has it, whitespace normalised), which is what a naive "send the text" pipeline does.

    .venv/bin/python -m benchmarks.sms [--pages 200] [--seed 4] [--corpus PATH] [--mode M]
        [--safety S]

Prints a table and writes benchmarks/results/sms-<mode>-<safety>.json (--mode separate and
--safety full measure the other settings).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import statistics
import time
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS
from publish.config import build_config
from publish.errors import PublishError, RenderError
from publish.model import Status, leaflet_texts
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.sms import SmsRenderer
from publish.sms import gsm
from publish.sms.summary import Choice, Options, choices, compose, gather
from publish.sms.transliterate import Transliterator, load_locale

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def untouched(text: str, record: dict[str, str] | None = None) -> str:
    return " ".join(text.split())


def _kept(choice: Choice) -> tuple[str, int, int]:
    """How much content a candidate keeps: usage state, warning form index, facts."""
    return (choice.usage, choice.warning_kept, len(choice.facts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--mode", choices=("concatenated", "separate"), default="concatenated")
    parser.add_argument("--safety", choices=("short", "full"), default="short")
    args = parser.parse_args()
    pages = sorted(args.corpus.rglob("*.md"))
    sample = random.Random(args.seed).sample(pages, min(args.pages, len(pages)))
    config = build_config({"sms": {"mode": args.mode, "safety": args.safety}}, ROOT)
    context = RenderContext(config=config, locale="en")
    renderer = SmsRenderer()
    data = load_locale(config.locales_dir, "en")
    transliterator = Transliterator(data)
    settings = config.table("sms")
    options = Options(settings["max_segments"], settings["mode"], settings["safety_placement"],
                      settings["footer"])

    rows: list[dict] = []
    timings: list[float] = []
    skipped: list[str] = []
    for path in sample:
        key = path.relative_to(args.corpus).as_posix()
        try:
            leaflet = read_page(path, config, key=key)
        except PublishError as error:
            skipped.append(f"{key}: {error}")
            continue
        if leaflet.status is not Status.STRUCTURED:
            skipped.append(f"{key}: unstructured")
            continue
        page_text = " ".join(t.plain for t in leaflet_texts(leaflet))
        if args.safety == "full":
            safety = f"{leaflet.disclaimer.text.plain} {leaflet.ai_note.text.plain}"
        else:
            safety = f"{settings['short_disclaimer']} {settings['short_ai_note']}"
        row: dict = {"page": key, "page_has_non_gsm": not gsm.is_gsm7(page_text)}
        started = time.perf_counter()
        try:
            result = renderer.render(leaflet, context)
        except RenderError as error:
            row.update(status="failed", error=str(error))
        else:
            report = json.loads(result.files[1].data)
            forced = sorted({c["char"] for m in report["messages"]
                             for c in m.get("ucs2_forced_by", [])})
            content = report["content"]
            row.update(status="ok", segments=report["totals"]["segments"],
                       encoding=report["totals"]["encoding"], forced_by=forced,
                       usage=report["content"]["usage"], warning=report["content"]["warning"],
                       facts=report["content"]["facts"]["kept"],
                       transliterated=sorted(report["transliterated"]),
                       kept=(content["usage"],
                             content["warning_items"]["total"] - content["warning_items"]["kept"]
                             if content["warning"] != "omitted" else -1,
                             content["facts"]["kept"]))
        timings.append(time.perf_counter() - started)
        # Baseline: the same content without transliteration.
        try:
            content = gather(leaflet, transliterator.data, context.strings, untouched)
        except RenderError:
            content = None
        if content is not None:
            first = next(choices(content))
            full = gsm.count("\n".join([first.headline, *([first.warning] if first.warning
                                                           else []), *first.facts, safety]))
            row["baseline"] = {"untrimmed_encoding": full.encoding.value,
                               "untrimmed_segments": full.segments,
                               "forced_by": list(full.offending)}
            try:
                bundle = compose(content, safety, options, context.strings)
            except RenderError:
                row["baseline"]["status"] = "failed"
            else:
                counts = [gsm.count(message) for message in bundle.messages]
                row["baseline"].update(
                    status="ok", segments=sum(c.segments for c in counts),
                    encoding="UCS-2" if any(c.encoding is gsm.Encoding.UCS2 for c in counts)
                    else "GSM-7",
                    kept=_kept(bundle.choice))
        rows.append(row)

    summary = summarise(rows, timings, settings["max_segments"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sms-{args.mode}-{args.safety}.json"
    out.write_text(json.dumps({"pages": len(sample), "seed": args.seed, "mode": args.mode,
                               "safety": args.safety, "summary": summary,
                               "skipped": skipped, "rows": rows}, ensure_ascii=False, indent=1)
                   + "\n", encoding="utf-8")
    print_table(summary, skipped)
    print(f"\nwritten {out.relative_to(ROOT)}")


def summarise(rows: list[dict], timings: list[float], budget: int) -> dict:
    ok = [r for r in rows if r["status"] == "ok"]
    base_ok = [r for r in rows if r["baseline"]["status"] == "ok"]
    ucs2 = [r for r in ok if r["encoding"] != "GSM-7"]
    base_ucs2 = [r for r in rows if r["baseline"]["untrimmed_encoding"] == "UCS-2"]
    chars = collections.Counter(ch for r in base_ucs2 for ch in r["baseline"]["forced_by"])
    # Content the baseline had to give up to stay in budget (UCS-2 holds 201 units, not 459).
    lost = [r["page"] for r in ok if r["baseline"]["status"] == "ok"
            and tuple(r["baseline"]["kept"]) != tuple(r["kept"])]
    fit = [r for r in ok if r["encoding"] == "GSM-7" and r["segments"] <= budget]
    return {
        "rendered": len(rows),
        "failed": len(rows) - len(ok),
        "segments": dict(sorted(collections.Counter(r["segments"] for r in ok).items())),
        "gsm7_within_budget": len(fit),
        "gsm7_within_budget_share": round(len(fit) / len(rows), 4) if rows else 0.0,
        "ucs2_pages": [{"page": r["page"], "forced_by": r["forced_by"]} for r in ucs2],
        "pages_with_non_gsm_anywhere": sum(r["page_has_non_gsm"] for r in rows),
        "pages_transliterated": sum(bool(r.get("transliterated")) for r in ok),
        "usage": dict(collections.Counter(r["usage"] for r in ok)),
        "warning": dict(collections.Counter(r["warning"] for r in ok)),
        "facts": dict(sorted(collections.Counter(r["facts"] for r in ok).items())),
        "baseline_segments": dict(sorted(collections.Counter(
            r["baseline"]["segments"] for r in base_ok).items())),
        "baseline_ucs2_pages": len(base_ucs2),
        "baseline_untrimmed_segments": [r["baseline"]["untrimmed_segments"] for r in base_ucs2],
        "baseline_lost_content_pages": lost,
        "baseline_failed": sum(r["baseline"]["status"] == "failed" for r in rows),
        "baseline_ucs2_characters": dict(chars.most_common()),
        "baseline_ucs2_examples": [{"page": r["page"], "forced_by": r["baseline"]["forced_by"],
                                    "untrimmed_segments": r["baseline"]["untrimmed_segments"]}
                                   for r in base_ucs2],
        "ms_per_page_mean": round(1000 * statistics.fmean(timings), 3) if timings else 0.0,
        "ms_per_page_max": round(1000 * max(timings), 3) if timings else 0.0,
    }


def print_table(summary: dict, skipped: list[str]) -> None:
    print(f"{'':34}{'transliterated':>16}{'raw (baseline)':>16}")
    segs, base = summary["segments"], summary["baseline_segments"]
    for n in sorted(set(segs) | set(base)):
        print(f"{'pages with ' + str(n) + ' segment(s)':34}{segs.get(n, 0):>16}"
              f"{base.get(n, 0):>16}")
    print(f"{'summary needs UCS-2 (untrimmed)':34}{len(summary['ucs2_pages']):>16}"
          f"{summary['baseline_ucs2_pages']:>16}")
    print(f"{'content trimmed further to fit':34}{0:>16}"
          f"{len(summary['baseline_lost_content_pages']):>16}")
    print(f"{'render failures':34}{summary['failed']:>16}{summary['baseline_failed']:>16}")
    print(f"\nGSM-7 within the default budget: {summary['gsm7_within_budget']} of "
          f"{summary['rendered']} ({100 * summary['gsm7_within_budget_share']:.1f} %)")
    print(f"pages with a non-GSM character anywhere in the leaflet: "
          f"{summary['pages_with_non_gsm_anywhere']}")
    print(f"summaries that needed transliteration: {summary['pages_transliterated']}")
    print(f"UCS-2 after transliteration: {summary['ucs2_pages'] or 'none'}")
    print(f"characters forcing UCS-2 without it: {summary['baseline_ucs2_characters']}")
    for example in summary["baseline_ucs2_examples"]:
        print(f"  {example['page']}: {' '.join(example['forced_by'])}")
    print(f"content: usage {summary['usage']}, warning {summary['warning']}, "
          f"facts kept {summary['facts']}")
    print(f"render time per page: {summary['ms_per_page_mean']} ms mean, "
          f"{summary['ms_per_page_max']} ms max")
    if skipped:
        print(f"skipped (not publishable): {len(skipped)}: " + "; ".join(skipped))


if __name__ == "__main__":
    main()
