"""`publish check` and `publish show`: read pages, report problems, show the model."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from publish.commands.group import EXIT_OK, EXIT_PROBLEMS, fail, find_pages, get_config
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.model import Leaflet, Status
from publish.pages import PageRef


def check_entry(page: PageRef, config: SiteConfig, strict: bool) -> dict:
    from publish.reader import read_page

    try:
        leaflet = read_page(page.path, config, key=page.key)
    except PublishError as error:
        return {"path": str(page.path), "key": page.key, "status": "error",
                "error": str(error), "sections": [], "disclaimer_origin": None,
                "ai_note_origin": None, "warnings": []}
    warnings = [{"code": w.code, "message": w.message, "line": w.line}
                for w in leaflet.warnings]
    if leaflet.status is Status.UNSTRUCTURED:
        status = "unstructured"
    elif warnings:
        status = "error" if strict else "warning"
    else:
        status = "ok"
    entry = {"path": str(page.path), "key": page.key, "status": status,
             "title": leaflet.title, "sections": leaflet.section_kinds,
             "disclaimer_origin": leaflet.disclaimer.origin.value,
             "ai_note_origin": leaflet.ai_note.origin.value, "warnings": warnings}
    limits = config.table("check")
    if limits.get("readability", True) and leaflet.status is Status.STRUCTURED:
        entry["readability"] = readability_entry(leaflet, config)
    return entry


def readability_entry(leaflet: Leaflet, config: SiteConfig) -> dict | None:
    """The page's plain-language figures and the `[check]` limits they pass (advice: they
    never change the page's status, not even with --strict)."""
    from publish.readability import findings, measure, summary_line
    from publish.sms.transliterate import load_locale

    limits = config.table("check")
    abbreviations = _abbreviations(config, leaflet.language or config.source_language,
                                   load_locale)
    figures = measure(leaflet, abbreviations, int(limits["long_sentence_words"]))
    if figures is None:
        return None
    return {**figures.to_json(),
            "warnings": [finding.to_json() for finding in findings(figures, limits)],
            "summary": summary_line(figures)}


_ABBREVIATIONS: dict[tuple[Path, str], frozenset[str]] = {}


def _abbreviations(config: SiteConfig, language: str, load: Any) -> frozenset[str]:
    """The locale's abbreviations (its `sms.toml`), read once per locale."""
    key = (config.locales_dir, language)
    if key not in _ABBREVIATIONS:
        try:
            _ABBREVIATIONS[key] = load(config.locales_dir, language).abbreviations
        except PublishError:
            _ABBREVIATIONS[key] = frozenset()  # a broken sms.toml is the build's to report
    return _ABBREVIATIONS[key]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per page.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, strict: bool) -> None:
    """Read every page under PATHS and report the problems found.

    Exits 0 when every page is publishable, 1 otherwise.
    """
    config = get_config(ctx)
    pages = find_pages(config, paths)
    started = time.perf_counter()
    entries = [check_entry(page, config, strict) for page in pages]
    elapsed = time.perf_counter() - started
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=1))
    else:
        for entry in entries:
            if entry["status"] == "error" and "error" in entry:
                click.echo(f"error: {entry['error']}")
            elif entry["status"] == "unstructured":
                click.echo(f"unstructured: {entry['path']}: no recognisable sections "
                           "(not published)")
            for warning in entry["warnings"]:
                where = entry["path"] + (f":{warning['line']}" if warning["line"] else "")
                click.echo(f"{entry['status']}: {where}: {warning['message']}")
            figures = entry.get("readability")
            if figures:
                over = "; ".join(w["message"] for w in figures["warnings"])
                click.echo(f"readability: {entry['path']}: {figures['summary']}"
                           + (f" | over the limits: {over}" if over else ""))
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        plain = sum(1 for entry in entries if (entry.get("readability") or {}).get("warnings"))
        measured = sum(1 for entry in entries if entry.get("readability"))
        advice = (f"; {plain} of {measured} measured pages over a plain-language limit"
                  if measured else "")
        click.echo(f"{len(entries)} pages checked in {elapsed:.1f} s: {summary}{advice}",
                   err=True)
    publishable = all(entry["status"] in ("ok", "warning") for entry in entries)
    sys.exit(EXIT_OK if publishable else EXIT_PROBLEMS)


@click.command()
@click.argument("page", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the model as JSON (see README).")
@click.pass_context
def show(ctx: click.Context, page: Path, as_json: bool) -> None:
    """Show the leaflet model of one PAGE as an outline or as JSON."""
    from publish.outline import outline
    from publish.reader import read_page

    config = get_config(ctx)
    ref = find_pages(config, (page,))[0]
    try:
        leaflet = read_page(ref.path, config, key=ref.key)
    except PublishError as error:
        fail(error, EXIT_PROBLEMS)
    if as_json:
        click.echo(json.dumps(leaflet.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(outline(leaflet))
