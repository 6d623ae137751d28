"""PDF leaflets on a sample of real pages: seconds per leaflet and memory, against baselines.

In the same run and on the same pages:
- `publish`: our renderer, one long-lived instance (read the page + render the PDF/UA-1);
- `weasyprint bare`: `HTML(string=...).write_pdf(pdf_variant="pdf/ua-1")` on our own print
  HTML with every stylesheet inlined, prepared before timing, as a naive caller would do it
  (fresh font configuration and CSS parsing for each page);
- `weasyprint floor`: the same HTML with our pre-parsed stylesheets and shared fonts: pure
  layout and PDF writing, what no renderer can beat;
- `pandoc`: `pandoc PAGE.md -o PAGE.pdf --pdf-engine=weasyprint`, one process per page.

    .venv/bin/python -m benchmarks.pdf [--pages 50] [--seed 11] [--corpus PATH] [--no-pandoc]

Prints a table and writes benchmarks/results/pdf.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf
from weasyprint import CSS, HTML

from benchmarks.corpus import DEFAULT_CORPUS, sample_pages
from publish.config import build_config
from publish.model import Leaflet
from publish.reader import read_page
from publish.renderers.base import RenderContext
from publish.renderers.html import leaflet_html
from publish.renderers.pdf import PDF_VARIANT, PdfRenderer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TODAY = dt.date(2025, 3, 4)


def rss_mb() -> float:
    """Current resident memory of this process (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "mean": statistics.fmean(times),
            "min": min(times), "max": max(times), "total": sum(times), "n": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc baseline")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")

    config = build_config({}, ROOT)
    context = RenderContext(config=config, locale="en", today=TODAY)
    pages = sample_pages(args.corpus, args.pages, args.seed, config)
    rss_start = rss_mb()

    # 1. publish: read + render with one long-lived renderer.
    renderer = PdfRenderer()
    ours: list[float] = []
    render_only: list[float] = []
    rss_trace: list[float] = []
    leaflets: list[Leaflet] = []
    page_counts: list[int] = []
    for path, key in pages:
        started = time.perf_counter()
        leaflet = read_page(path, config, key=key)
        read_done = time.perf_counter()
        data = renderer.render(leaflet, context).files[0].data
        finished = time.perf_counter()
        ours.append(finished - started)
        render_only.append(finished - read_done)
        rss_trace.append(rss_mb())
        leaflets.append(leaflet)
        page_counts.append(len(pypdf.PdfReader(io.BytesIO(data)).pages))
    peak_ours = peak_rss_mb()

    # Our own print HTML, prepared before timing the WeasyPrint baselines.
    style, templates = renderer.print_style(context)
    theme_css = "\n".join(
        [font.font_face_css() for font in style.theme.fonts()]
        + [p.read_text(encoding="utf-8") for p in style.theme.stylesheet_paths(print_only=False)
           + style.theme.stylesheet_paths(print_only=True)])
    settings = context.settings("pdf")
    prepared = []
    for leaflet in leaflets:
        html = leaflet_html(leaflet, context, templates, medium="print")
        furniture = renderer.furniture_css(leaflet, context, settings)
        inlined = html.replace("</head>", f"<style>{theme_css}\n{furniture}</style></head>", 1)
        prepared.append((html, furniture, inlined))

    # 2. bare WeasyPrint, as a naive caller would write it.
    bare: list[float] = []
    for _html, _furniture, inlined in prepared:
        started = time.perf_counter()
        HTML(string=inlined, base_url=style.base_url).write_pdf(pdf_variant=PDF_VARIANT)
        bare.append(time.perf_counter() - started)

    # 3. the floor: pre-parsed CSS and shared fonts, layout and PDF writing only.
    floor: list[float] = []
    for html, furniture, _inlined in prepared:
        started = time.perf_counter()
        page_css = CSS(string=furniture, font_config=renderer.font_config)
        HTML(string=html, base_url=style.base_url, url_fetcher=style.fetcher).write_pdf(
            stylesheets=[*style.stylesheets, page_css], font_config=renderer.font_config,
            pdf_variant=PDF_VARIANT)
        floor.append(time.perf_counter() - started)

    # 4. pandoc, one process per page (it runs the weasyprint command in turn).
    pandoc: list[float] = []
    pandoc_failures: list[str] = []
    pandoc_pages: list[int] = []
    pandoc_version = ""
    if not args.no_pandoc and shutil.which("pandoc"):
        pandoc_version = subprocess.run(["pandoc", "--version"], capture_output=True,
                                        text=True).stdout.splitlines()[0]
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        with tempfile.TemporaryDirectory() as folder:
            for path, key in pages:
                target = Path(folder) / "page.pdf"
                started = time.perf_counter()
                done = subprocess.run(["pandoc", str(path), "-o", str(target),
                                       "--pdf-engine=weasyprint"], capture_output=True,
                                      text=True, env=env, cwd=folder)
                elapsed = time.perf_counter() - started
                if done.returncode == 0 and target.is_file():
                    pandoc.append(elapsed)
                    pandoc_pages.append(len(pypdf.PdfReader(target).pages))
                else:
                    pandoc_failures.append(f"{key}: {done.stderr.strip()[:200]}")
                target.unlink(missing_ok=True)

    results = {
        "pages": len(pages), "seed": args.seed, "pdf_pages": summary(page_counts),
        "publish": summary(ours), "publish_render_only": summary(render_only),
        "publish_first_leaflet": ours[0] if ours else None,
        "weasyprint_bare": summary(bare), "weasyprint_floor": summary(floor),
        "pandoc": summary(pandoc) if pandoc else None, "pandoc_failures": pandoc_failures,
        "pandoc_pdf_pages": summary(pandoc_pages) if pandoc_pages else None,
        "pandoc_version": pandoc_version,
        "memory_mb": {"start": rss_start, "after_first": rss_trace[0],
                      "after_10": rss_trace[min(9, len(rss_trace) - 1)],
                      "end": rss_trace[-1], "peak_during_publish": peak_ours},
        "ratios": {
            "pandoc_over_publish": (statistics.median(pandoc) / statistics.median(ours))
            if pandoc else None,
            "publish_over_bare": statistics.median(ours) / statistics.median(bare),
            "publish_render_over_bare": statistics.median(render_only)
            / statistics.median(bare),
            "publish_render_over_floor": statistics.median(render_only)
            / statistics.median(floor),
        },
        "targets": {"pandoc_over_publish": ">= 4", "publish_over_bare": "<= 1.15",
                    "peak_rss_mb": "<= 300"},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)


def print_table(r: dict) -> None:  # type: ignore[type-arg]
    print(f"PDF leaflets: {r['pages']} corpus pages (seed {r['seed']}), "
          f"{r['pdf_pages']['median']:.0f} PDF pages median "
          f"({r['pdf_pages']['min']:.0f}-{r['pdf_pages']['max']:.0f})")
    print(f"{'method':<34} {'median s':>9} {'mean s':>8} {'max s':>7} {'total s':>8}")
    rows = [("publish (read + render)", r["publish"]),
            ("publish (render only)", r["publish_render_only"]),
            ("weasyprint bare write_pdf", r["weasyprint_bare"]),
            ("weasyprint floor (warm CSS/fonts)", r["weasyprint_floor"]),
            ("pandoc --pdf-engine=weasyprint", r["pandoc"])]
    for name, s in rows:
        if s:
            print(f"{name:<34} {s['median']:>9.3f} {s['mean']:>8.3f} {s['max']:>7.3f} "
                  f"{s['total']:>8.1f}")
    ratios = r["ratios"]
    if ratios["pandoc_over_publish"]:
        print(f"pandoc / publish: {ratios['pandoc_over_publish']:.1f}x faster (target >= 4x); "
              f"pandoc failures: {len(r['pandoc_failures'])}; pandoc's PDFs: "
              f"{r['pandoc_pdf_pages']['median']:.0f} pages median, 12 pt, untagged")
    print(f"publish / bare weasyprint: {ratios['publish_over_bare']:.2f} "
          f"(render only {ratios['publish_render_over_bare']:.2f}; target <= 1.15); "
          f"render / floor: {ratios['publish_render_over_floor']:.2f}")
    m = r["memory_mb"]
    print(f"memory: RSS {m['after_first']:.0f} MB after the first leaflet, "
          f"{m['after_10']:.0f} MB after 10, {m['end']:.0f} MB at the end; "
          f"peak {m['peak_during_publish']:.0f} MB (target <= 300)")
    print(f"first leaflet (cold): {r['publish_first_leaflet']:.3f} s")
    print(f"written to {RESULTS / 'pdf.json'}")


if __name__ == "__main__":
    main()
