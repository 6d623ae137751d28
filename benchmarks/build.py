"""The whole build on the shared corpus: wall time, pages per second, memory, incremental.

In one run, on a copy of the corpus and a frozen copy of the code (so that the fingerprints
of the code cannot change between two builds of the same run):

1. `publish build -f pdf,html,sms --jobs 2`, then the same with `--jobs 1` (fresh output
   folders): wall time, pages per second, speed-up, peak RSS of each worker and its resident
   memory over the first and last quarter of its pages (flat = no growth);
2. catalog templates in English: a `pot` format if one is registered, else
   `publish catalog extract` on the same pages, timed on its own and added to the total;
3. a no-op rebuild, then a rebuild after one page was edited, end to end (process start
   included);
4. audio pages per CPU-minute (this process's children: build, workers, encoders) on a sample;
5. baselines on a sample, one process per page as these tools are used: pandoc + WeasyPrint
   (`pandoc PAGE.md -o PAGE.pdf --pdf-engine=weasyprint`) and po4a extracting a template
   (`po4a-updatepo -f text -o markdown`), against our cost per page.

    .venv/bin/python -m benchmarks.build [--pages N] [--sample 10] [--audio-sample 4]
                                         [--no-jobs1] [--corpus PATH]

Prints a table and writes benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import DEFAULT_CORPUS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BUILD_FORMATS = ("pdf", "html", "sms")
TEMPLATE_FORMATS = ("pot", "catalog", "templates")

TARGETS = {
    "full_jobs2_s": ("whole corpus, pdf+html+sms+templates, --jobs 2", 360.0, "<="),
    "noop_s": ("no-op rebuild", 5.0, "<="),
    "touched_s": ("one touched page", 3.0, "<="),
    "worker_peak_rss_mb": ("worker peak RSS", 400.0, "<="),
    "speedup": ("--jobs 2 speed-up over --jobs 1", 1.8, ">="),
}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run:
    """One command, timed from process start to exit, with the CPU of all its descendants."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        cpu = children_cpu()
        started = time.perf_counter()
        self.result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
        self.wall = time.perf_counter() - started
        self.cpu = children_cpu() - cpu
        self.returncode = self.result.returncode

    def tail(self) -> str:
        return "\n".join(self.result.stderr.strip().splitlines()[-3:])


def registered_formats(env: dict[str, str], cwd: Path) -> list[str]:
    code = "from publish.renderers import registry; print(','.join(registry()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, check=True)
    return [name for name in done.stdout.strip().split(",") if name]


def prepare(workdir: Path, corpus: Path, pages: int | None) -> tuple[Path, dict[str, str],
                                                                       list[Path]]:
    """A site with a copy of the corpus, and an environment running a frozen copy of the code."""
    code = workdir / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "publish", code / "publish", ignore=ignore)
    if (ROOT / "themes").is_dir():
        shutil.copytree(ROOT / "themes", code / "themes", ignore=ignore)
    site = workdir / "site"
    content = site / "content"
    sources = sorted(corpus.rglob("*.md"))
    if pages is not None and pages < len(sources):
        step = len(sources) / pages
        sources = [sources[int(i * step)] for i in range(pages)]
    copied = []
    for source in sources:
        target = content / source.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(target)
    for name in ("themes", "locales"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, site / name, ignore=ignore)
    (site / "publish.toml").write_text(
        '[site]\nname = "Benchmark"\nlocales = ["en"]\ncontent = "content"\n'
        'output = "dist"\n', encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return site, env, copied


def publish(*args: str) -> list[str]:
    return [sys.executable, "-m", "publish", *args]


def report_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "build-report.json").read_text(encoding="utf-8"))


def build_figures(run: Run, folder: Path, pages: int) -> dict[str, Any]:
    report = report_of(folder)
    workers = report.get("workers", [])
    peaks = [w["peak_rss_mb"] for w in workers]
    return {
        "wall_s": round(run.wall, 2), "cpu_s": round(run.cpu, 2),
        "pages_per_s": round(pages / run.wall, 2) if run.wall else None,
        "exit": run.returncode, "summary": report["summary"], "formats": report["formats"],
        "workers": workers, "worker_peak_rss_mb": max(peaks) if peaks else None,
        "rss_growth_mb": max((w["rss_last_quarter_mb"] or 0) - (w["rss_first_quarter_mb"] or 0)
                             for w in workers) if workers else None,
        "failures": sorted({job["error"] for job in report["jobs"]
                            if job["status"] == "failed"})[:10],
    }


def per_page_baselines(pages: list[Path], workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    out = workdir / "baselines"
    out.mkdir()
    figures: dict[str, Any] = {}
    if shutil.which("pandoc") and shutil.which("weasyprint", path=env["PATH"]):
        times, failures = [], []
        for page in pages:
            run = Run(["pandoc", str(page), "-o", str(out / (page.stem + ".pdf")),
                       "--pdf-engine=weasyprint"], out, env)
            (times if run.returncode == 0 else failures).append(run.wall)
        figures["pandoc_weasyprint_s_per_page"] = _mean(times)
        figures["pandoc_failures"] = len(failures)
    if shutil.which("po4a-updatepo"):
        times, failures = [], []
        for page in pages:
            run = Run(["po4a-updatepo", "-f", "text", "-o", "markdown", "-M", "UTF-8",
                       "-m", str(page), "-p", str(out / (page.stem + ".pot"))], out, env)
            (times if run.returncode == 0 else failures).append(run.wall)
        figures["po4a_s_per_page"] = _mean(times)
        figures["po4a_failures"] = len(failures)
    return figures


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def templates_step(site: Path, env: dict[str, str], formats: list[str]) -> dict[str, Any]:
    """Catalog templates for the same pages: a build format if one exists, else the command."""
    template_format = next((f for f in TEMPLATE_FORMATS if f in formats), None)
    if template_format:
        run = Run(publish("build", "-f", template_format, "-j", "2", "-o", "dist-templates",
                          "-q"), site, env)
        return {"how": f"publish build -f {template_format} -j 2", "wall_s": round(run.wall, 2),
                "exit": run.returncode}
    probe = subprocess.run(publish("catalog", "extract", "--help"), cwd=site, env=env,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return {"how": None, "wall_s": None, "note": "no catalog extraction available"}
    run = Run(publish("catalog", "extract"), site, env)
    return {"how": "publish catalog extract (one process)", "wall_s": round(run.wall, 2),
            "exit": run.returncode, "tail": run.tail() if run.returncode else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=None,
                        help="build an evenly spread subset instead of every page")
    parser.add_argument("--sample", type=int, default=10, help="pages for the baselines")
    parser.add_argument("--audio-sample", type=int, default=4, help="pages for the audio")
    parser.add_argument("--no-jobs1", action="store_true", help="skip the --jobs 1 build")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")

    results: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()}}
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        workdir = Path(tmp)
        site, env, pages = prepare(workdir, args.corpus, args.pages)
        formats = registered_formats(env, site)
        chosen = [f for f in BUILD_FORMATS if f in formats]
        results["pages"] = len(pages)
        results["formats"] = chosen
        fmt = ",".join(chosen)
        print(f"{len(pages)} pages, formats {fmt}; registered: {', '.join(formats)}",
              flush=True)

        full2 = Run(publish("build", "-f", fmt, "-j", "2", "-o", "dist2", "-q"), site, env)
        results["jobs2"] = build_figures(full2, site / "dist2", len(pages))
        print(f"--jobs 2: {full2.wall:.1f} s ({full2.tail()})", flush=True)

        templates = templates_step(site, env, formats)
        results["templates"] = templates
        print(f"templates: {templates.get('wall_s')} s via {templates.get('how')}", flush=True)

        noop = Run(publish("build", "-f", fmt, "-j", "2", "-o", "dist2", "-q"), site, env)
        results["noop"] = {"wall_s": round(noop.wall, 2), "exit": noop.returncode,
                           "summary": report_of(site / "dist2")["summary"],
                           "scheduler": report_of(site / "dist2")["scheduler"]}
        print(f"no-op: {noop.wall:.2f} s", flush=True)

        touched_page = next(p for p in pages if p.name.startswith("p"))
        with touched_page.open("a", encoding="utf-8") as handle:
            handle.write("\nAsk your pharmacist if you have any questions.\n")
        touched = Run(publish("build", "-f", fmt, "-j", "2", "-o", "dist2", "-q"), site, env)
        results["touched"] = {"wall_s": round(touched.wall, 2), "exit": touched.returncode,
                              "page": touched_page.relative_to(site / "content").as_posix(),
                              "summary": report_of(site / "dist2")["summary"]}
        print(f"one touched page: {touched.wall:.2f} s", flush=True)

        if not args.no_jobs1:
            full1 = Run(publish("build", "-f", fmt, "-j", "1", "-o", "dist1", "-q"), site, env)
            results["jobs1"] = build_figures(full1, site / "dist1", len(pages))
            print(f"--jobs 1: {full1.wall:.1f} s", flush=True)

        if "audio" in formats:
            sample = pages[:: max(1, len(pages) // args.audio_sample)][: args.audio_sample]
            audio = Run(publish("build", *map(str, sample), "-f", "audio", "-j", "1",
                                "-o", "dist-audio", "-q"), site, env)
            report = report_of(site / "dist-audio")
            done = report["summary"]["written"]
            results["audio"] = {
                "pages": len(sample), "written": done, "wall_s": round(audio.wall, 2),
                "cpu_s": round(audio.cpu, 2),
                "pages_per_cpu_minute": round(done / (audio.cpu / 60), 2) if audio.cpu else None,
                "render_s_per_page": _mean([j["duration"] for j in report["jobs"]
                                            if j["status"] == "written"]),
                "failures": sorted({j["error"] for j in report["jobs"]
                                    if j["status"] == "failed"})[:5]}
            print(f"audio: {done} pages, {audio.cpu:.1f} CPU-s", flush=True)

        sample = pages[:: max(1, len(pages) // args.sample)][: args.sample]
        results["baselines"] = per_page_baselines(sample, workdir, env)
        results["baselines"]["pages"] = len(sample)

    summarise(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten: {(RESULTS / 'build.json').relative_to(ROOT)}")


def summarise(results: dict[str, Any]) -> None:
    pages = results["pages"]
    jobs2, jobs1 = results["jobs2"], results.get("jobs1")
    templates_s = results["templates"].get("wall_s") or 0.0
    figures: dict[str, float | None] = {
        "full_jobs2_s": round(jobs2["wall_s"] + templates_s, 1),
        "noop_s": results["noop"]["wall_s"],
        "touched_s": results["touched"]["wall_s"],
        "worker_peak_rss_mb": jobs2["worker_peak_rss_mb"],
        "speedup": round(jobs1["wall_s"] / jobs2["wall_s"], 2) if jobs1 else None,
    }
    results["figures"] = figures
    rows = [("pages", str(pages), "", ""),
            ("build --jobs 2 (pdf+html+sms)", f"{jobs2['wall_s']:.1f} s",
             f"{jobs2['pages_per_s']:.2f} pages/s", ""),
            ("catalog templates", f"{templates_s:.1f} s", results["templates"].get("how") or "",
             "")]
    if jobs1:
        rows.append(("build --jobs 1 (pdf+html+sms)", f"{jobs1['wall_s']:.1f} s",
                     f"{jobs1['pages_per_s']:.2f} pages/s", ""))
    for key, (label, target, op) in TARGETS.items():
        value = figures[key]
        if value is None:
            rows.append((label, "not measured", "", f"{op} {target:g}"))
            continue
        met = value <= target if op == "<=" else value >= target
        rows.append((label, f"{value:g}", "met" if met else "NOT met", f"{op} {target:g}"))
    growth = jobs2.get("rss_growth_mb")
    rows.append(("worker RSS, last quarter − first", f"{growth:+.1f} MB" if growth is not None
                 else "–", "", "flat"))
    audio = results.get("audio")
    if audio:
        rows.append(("audio pages per CPU-minute", f"{audio['pages_per_cpu_minute']}",
                     f"{audio['written']}/{audio['pages']} pages", ""))
    base = results["baselines"]
    ours_pdf = jobs1["wall_s"] / pages if jobs1 else 2 * jobs2["wall_s"] / pages
    rows.append(("ours: pdf+html+sms per page (1 core)", f"{ours_pdf:.3f} s", "", ""))
    if base.get("pandoc_weasyprint_s_per_page"):
        rows.append(("pandoc + WeasyPrint per page", f"{base['pandoc_weasyprint_s_per_page']} s",
                     f"{base['pandoc_weasyprint_s_per_page'] / ours_pdf:.1f}× ours", ""))
    if base.get("po4a_s_per_page"):
        ours_pot = templates_s / pages if templates_s else None
        rows.append(("po4a (po4a-updatepo) per page", f"{base['po4a_s_per_page']} s",
                     f"{base['po4a_s_per_page'] / ours_pot:.1f}× ours" if ours_pot else "", ""))
        if ours_pot:
            rows.append(("ours: templates per page", f"{ours_pot:.4f} s", "", ""))
    width = max(len(row[0]) for row in rows)
    print()
    for label, value, note, target in rows:
        print(f"{label:<{width}}  {value:>14}  {note:<22} {target}")


if __name__ == "__main__":
    main()
