"""`publish serve`: how long one edited page takes to be rebuilt and announced to the browser.

A site of corpus pages (fixed seed) is served by the real command in a subprocess; one page
is edited several times and each time is measured from the write to the moment the server's
status endpoint announces the new build (what the reload script waits for). Baseline, in the
same run: the same edit followed by `publish build` (process start to exit), what an author
without the preview server runs.

    .venv/bin/python -m benchmarks.serve [--pages 50] [--edits 7] [--formats pdf,html,sms]
        [--corpus PATH]

Prints a table and writes benchmarks/results/serve.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, sample_pages
from publish.config import build_config

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def make_site(root: Path, corpus: Path, count: int, formats: list[str]) -> Path:
    config = build_config({}, ROOT)
    for path, key in sample_pages(corpus, count, seed=7, config=config):
        target = root / "content" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    (root / "publish.toml").write_text(
        f"[site]\nformats = {json.dumps(formats)}\nlocales = [\"en\"]\n", encoding="utf-8")
    return sorted((root / "content").rglob("*.md"))[0]


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__publish__/status",
                                timeout=10) as response:
        return json.load(response)


def edit(page: Path, number: int) -> None:
    page.write_text(page.read_text("utf-8") + f"\nEdit number {number} of this page.\n",
                    encoding="utf-8")


def serve_edits(site: Path, page: Path, edits: int) -> tuple[list[float], float]:
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve"], cwd=site,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    port = int(re.search(r":(\d+)/", process.stdout.readline()).group(1))  # type: ignore[union-attr]
    started = time.perf_counter()
    while status(port)["generation"] < 1:
        time.sleep(0.05)
    first = time.perf_counter() - started
    times = []
    try:
        for number in range(edits):
            generation = status(port)["generation"]
            time.sleep(0.3)  # let the watcher settle between edits
            began = time.perf_counter()
            edit(page, number)
            while True:
                state = status(port)
                if state["generation"] > generation and not state["building"]:
                    break
                time.sleep(0.01)
            times.append(time.perf_counter() - began)
            if state["errors"]:
                raise SystemExit(f"the rebuild failed: {state['errors']}")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    return times, first


def build_edits(site: Path, page: Path, edits: int) -> list[float]:
    times = []
    for number in range(edits):
        edit(page, 100 + number)
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "publish", "build", "-q"], cwd=site, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--formats", default="pdf,html,sms")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    formats = [name for name in args.formats.split(",") if name]
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        page = make_site(site, args.corpus, args.pages, formats)
        served, first = serve_edits(site, page, args.edits)
        built = build_edits(site, page, args.edits)
    result = {
        "pages": args.pages, "formats": formats, "edits": args.edits,
        "first_build_s": round(first, 2),
        "serve_edit_median_s": round(statistics.median(served), 3),
        "serve_edit_s": [round(t, 3) for t in served],
        "build_edit_median_s": round(statistics.median(built), 3),
        "build_edit_s": [round(t, 3) for t in built],
        "ratio": round(statistics.median(built) / statistics.median(served), 2),
        "target_s": 1.5,
    }
    print(f"{'measure':<52} {'median':>8}")
    print(f"{'serve: edit to new build announced (one page)':<52} "
          f"{result['serve_edit_median_s']:>7.2f}s")
    print(f"{'publish build after the same edit (process)':<52} "
          f"{result['build_edit_median_s']:>7.2f}s")
    print(f"serve is {result['ratio']}x faster; target <= 1.5 s; "
          f"{args.pages} pages, formats {', '.join(formats)}; first build {first:.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serve.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
