"""`publish catalog …`: the translators' workflow on the command line.

    publish catalog extract            templates from the pages, the code and the themes
    publish catalog init --locale es   new catalogs for a language
    publish catalog update             merge changed templates into every language
    publish catalog compile            check catalogs and write .mo files
    publish catalog stats              per page and language: can it be published?
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from publish.catalogs import layout
from publish.catalogs.steps import StepReport, compile_locale, extract, init, stats, update
from publish.commands.group import (
    EXIT_OK,
    EXIT_PROBLEMS,
    fail,
    find_pages,
    get_config,
    split_values,
)
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.locale import parse_locales


def _split_locales(values: tuple[str, ...]) -> list[str]:
    """Locale tags of a repeated or comma-separated option, normalised (`pt_br` → `pt-BR`)."""
    try:
        return [locale.tag for locale in parse_locales(split_values(values), "--locale")]
    except PublishError as error:
        fail(error)
        raise


def _locales(config: SiteConfig, given: tuple[str, ...]) -> list[str]:
    chosen = _split_locales(given)
    if chosen:
        return chosen
    found = layout.translated_locales(config)
    if not found:
        configured = [loc for loc in config.site["locales"] if loc != config.source_language]
        found = configured
    if not found:
        fail("no locale given and none has catalogs yet: use --locale")
    return found


def _finish(report: StepReport, config: SiteConfig, verb: str, started: float,
            extra: str = "") -> None:
    for line in report.skipped:
        click.echo(f"skipped: {line}", err=True)
    for problem in report.problems:
        kind = "error" if problem.fatal else "warning"
        click.echo(f"{kind}: {layout.display(problem.path, config)}:{problem.line}: "
                   f"{problem.message}", err=True)
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    for path in report.removed:
        click.echo(f"removed: {layout.display(path, config)}", err=True)
    click.echo(f"{len(report.written)} {verb}, {report.unchanged} unchanged{extra} "
               f"in {time.perf_counter() - started:.1f} s", err=True)
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)


@click.group("catalog")
def catalog() -> None:
    """Translation catalogs (gettext): extract, init, update, compile, stats."""


@catalog.command("extract")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if any template is out of date (for CI).")
@click.pass_context
def extract_command(ctx: click.Context, paths: tuple[Path, ...], check: bool) -> None:
    """Write templates: one per page under PATHS (default: all) and the shared one."""
    config = get_config(ctx)
    pages = find_pages(config, paths)
    started = time.perf_counter()
    if check:
        _check_templates(config, pages)
        return
    try:
        report = extract(config, pages, prune=not paths)
    except PublishError as error:
        fail(error)
        raise
    _finish(report, config, "templates written", started,
            f", {report.entries} entries, {len(report.skipped)} pages skipped")


def _check_templates(config: SiteConfig, pages) -> None:  # type: ignore[no-untyped-def]
    from publish.catalogs.extract import page_template, shared_template
    from publish.catalogs.pofile import write_po
    from publish.catalogs.steps import read_leaflets

    report = StepReport()
    stale = []
    expected = [(layout.shared_template(config), shared_template(config))]
    expected += [(layout.page_template(config, leaflet.source), page_template(leaflet, config))
                 for leaflet in read_leaflets(pages, config, report)]
    for path, template in expected:
        data = write_po(template).encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            stale.append(layout.display(path, config))
    for line in stale:
        click.echo(f"out of date: {line}")
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    sys.exit(EXIT_PROBLEMS if stale or report.errors else EXIT_OK)


@catalog.command("init")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--locale", "-l", "locales", multiple=True, required=True,
              help="Locale to start (repeat or comma-separate), e.g. es, pt-BR, en-XA.")
@click.option("--no-reuse", is_flag=True,
              help="Do not fill entries from other pages' translations.")
@click.pass_context
def init_command(ctx: click.Context, paths: tuple[Path, ...], locales: tuple[str, ...],
                 no_reuse: bool) -> None:
    """Create catalogs for a new locale from the templates (existing ones are kept); entries
    translated on other pages are filled in (similar ones as fuzzy)."""
    config = get_config(ctx)
    pages = find_pages(config, paths) if paths else None
    started = time.perf_counter()
    total = StepReport()
    for locale in _split_locales(locales):
        try:
            report = init(config, locale, pages, reuse=not no_reuse)
        except PublishError as error:
            fail(error)
            raise
        _echo_reuse(locale, report)
        _merge_reports(total, report)
    _finish(total, config, "catalogs written", started)


@catalog.command("update")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--locale", "-l", "locales", multiple=True,
              help="Locale to update (default: every locale with catalogs).")
@click.option("--no-reuse", is_flag=True,
              help="Do not fill entries from other pages' translations.")
@click.pass_context
def update_command(ctx: click.Context, paths: tuple[Path, ...],
                   locales: tuple[str, ...], no_reuse: bool) -> None:
    """Merge the templates into the catalogs: new strings added, changed ones fuzzy (with
    the previous msgid), removed ones obsolete; untranslated entries filled from other
    pages' translations (identical ones as translated, similar ones as fuzzy)."""
    config = get_config(ctx)
    pages = find_pages(config, paths) if paths else None
    started = time.perf_counter()
    total = StepReport()
    for locale in _locales(config, locales):
        try:
            report = update(config, locale, pages, reuse=not no_reuse)
        except PublishError as error:
            fail(error)
            raise
        counts = [0, 0, 0, 0]
        for change in report.updates.values():
            counts = [counts[0] + change.kept, counts[1] + change.added,
                      counts[2] + change.fuzzy, counts[3] + change.obsolete]
        click.echo(f"{locale}: {counts[0]} kept, {counts[1]} new, {counts[2]} fuzzy, "
                   f"{counts[3]} obsolete", err=True)
        _echo_reuse(locale, report)
        _merge_reports(total, report)
    _finish(total, config, "catalogs written", started)


@catalog.command("compile")
@click.option("--locale", "-l", "locales", multiple=True,
              help="Locale to compile (default: every locale with catalogs).")
@click.pass_context
def compile_command(ctx: click.Context, locales: tuple[str, ...]) -> None:
    """Check every catalog and write its .mo file (translated, non-fuzzy entries only)."""
    config = get_config(ctx)
    started = time.perf_counter()
    total = StepReport()
    for locale in _locales(config, locales):
        try:
            _merge_reports(total, compile_locale(config, locale))
        except PublishError as error:
            fail(error)
    _finish(total, config, ".mo files", started)


@catalog.command("stats")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--locale", "-l", "locales", multiple=True,
              help="Locale to report (default: every locale with catalogs).")
@click.option("--missing", is_flag=True, help="List every string that blocks a page.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per page.")
@click.pass_context
def stats_command(ctx: click.Context, paths: tuple[Path, ...], locales: tuple[str, ...],
                  missing: bool, as_json: bool) -> None:
    """Per page and locale: translated, fuzzy and untranslated strings, and whether the
    page may be published (the build's own gate). Exit 1 if any page is blocked."""
    config = get_config(ctx)
    pages = find_pages(config, paths)
    chosen = _locales(config, locales)
    results, report = stats(config, chosen, pages)
    rows = []
    for locale_stats in results:
        for status in locale_stats.pages:
            rows.append({
                "page": status.key, "locale": status.locale, "total": status.total,
                "translated": status.translated, "fuzzy": status.fuzzy,
                "untranslated": status.untranslated, "percent": round(status.percent, 1),
                "publishable": status.publishable, "reasons": status.reasons(),
                "missing": [item.describe(config) for item in
                            status.missing + status.shared_missing]})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for item in results:
            done = item.shared_total - item.shared_missing
            click.echo(f"{item.locale}: shared catalog {done}/{item.shared_total} translated")
        width = max([len(row["page"]) for row in rows] + [4])
        click.echo(f"{'page':<{width}}  locale  translated  fuzzy  untranslated      %  "
                   "publish")
        for row in rows:
            verdict = "yes" if row["publishable"] else "NO: " + "; ".join(row["reasons"])
            click.echo(f"{row['page']:<{width}}  {row['locale']:<6}  {row['translated']:>10}  "
                       f"{row['fuzzy']:>5}  {row['untranslated']:>12}  {row['percent']:>5.1f}"
                       f"  {verdict}")
            if missing:
                for item in row["missing"]:
                    click.echo(f"    {item}")
    if not as_json:
        from publish.catalogs.reuse import forecast

        for item in results:
            left = forecast(config, item.locale, [status.key for status in item.pages])
            click.echo(f"{item.locale}: {left.words} words ({left.entries} entries) left to "
                       f"translate in page catalogs; {left.words_after} words "
                       f"({left.entries_after} entries) after reuse across pages "
                       f"(`publish catalog update`; {left.reuse.similar} more offered as "
                       "fuzzy)")
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    blocked = sum(1 for row in rows if not row["publishable"])
    click.echo(f"{len(rows) - blocked} publishable, {blocked} blocked", err=True)
    sys.exit(EXIT_OK if not blocked and report.ok else EXIT_PROBLEMS)


def _echo_reuse(locale: str, report: StepReport) -> None:
    reuse = report.reuse
    if reuse.exact or reuse.similar:
        click.echo(f"{locale}: reused {reuse.exact} translations of other pages "
                   f"({reuse.exact_words} words), {reuse.similar} similar ones offered as "
                   f"fuzzy ({reuse.similar_words} words)", err=True)


def _merge_reports(total: StepReport, report: StepReport) -> None:
    total.written += report.written
    total.unchanged += report.unchanged
    total.skipped += report.skipped
    total.errors += report.errors
    total.problems += report.problems
    total.removed += report.removed


@catalog.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--locale", "-l", required=True, help="Locale whose safety translations to review.")
@click.option("--all", "approve_all", is_flag=True, help="Approve every pending one.")
@click.option("--reviewer", default="", help="Name recorded with the approval (required to "
              "approve).")
@click.pass_context
def approve_command(ctx: click.Context, ids: tuple[str, ...], locale: str, approve_all: bool,
                    reviewer: str) -> None:
    """Review safety translations: list those waiting (no IDS), or approve IDS (or --all)
    into locales/LOCALE/safety-approved.toml. Pages carrying an unapproved one are not
    published in that locale."""
    from publish.catalogs.safety import approvals_path, approve, pending

    config = get_config(ctx)
    try:
        if not ids and not approve_all:
            waiting = pending(config, locale)
            for item in waiting:
                where = ", ".join(f"{layout.display(path, config)}:{line}"
                                  for path, line in item.places)
                context = f" [{item.entry.msgctxt}]" if item.entry.msgctxt else ""
                click.echo(f"{item.id}  {where}\n  source{context}: {item.entry.msgid}")
                for form in item.forms:
                    click.echo(f"  {locale}: {form}")
            click.echo(f"{len(waiting)} safety translation(s) waiting for approval in {locale}"
                       + (f": approve with `publish catalog approve --locale {locale} "
                          "--reviewer NAME ID…` or --all" if waiting else ""), err=True)
            sys.exit(EXIT_PROBLEMS if waiting else EXIT_OK)
        done = approve(config, locale, reviewer, ids, everything=approve_all)
    except PublishError as error:
        fail(error)
        raise
    for item in done:
        click.echo(f"approved {item.id}: {item.entry.msgid[:60]!r}")
    click.echo(f"{len(done)} approved by {reviewer.strip()} in "
               f"{layout.display(approvals_path(config, locale), config)}", err=True)


@catalog.command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--locale", "-l", required=True, help="Locale to export, e.g. es.")
@click.option("--format", "-f", "fmt", type=click.Choice(["xliff", "tmx"]), default="xliff",
              show_default=True, help="XLIFF 1.2 (every catalog, for a CAT tool) or TMX (a "
              "translation memory of the translated entries).")
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Folder to write <locale>.xlf or <locale>.tmx into.")
@click.pass_context
def export_command(ctx: click.Context, paths: tuple[Path, ...], locale: str, fmt: str,
                   out_dir: Path) -> None:
    """Export a locale's catalogs (PATHS: only these pages and the shared catalog) as one
    XLIFF 1.2 file with one <file> per catalog, or as a TMX translation memory."""
    from publish.catalogs.exchange import export_tmx, export_xliff

    config = get_config(ctx)
    tag = _split_locales((locale,))[0]
    keys = [page.key for page in find_pages(config, paths)] if paths else None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if fmt == "xliff":
            written = export_xliff(config, tag, out_dir, keys)
            click.echo(f"wrote {written}", err=True)
        else:
            written, units = export_tmx(config, tag, out_dir, keys)
            click.echo(f"wrote {written}: {units} translation units", err=True)
    except (PublishError, OSError) as error:
        fail(error if isinstance(error, PublishError) else str(error))
        raise


@catalog.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--locale", "-l", default=None,
              help="Locale the files translate into (default: XLIFF target-language; "
              "required for TMX).")
@click.pass_context
def import_command(ctx: click.Context, files: tuple[Path, ...], locale: str | None) -> None:
    """Bring translations from XLIFF or TMX files into the locale's .po files. Every
    translation passes the gate's checks first; a refused unit is named and left out.
    Exit 1 if anything was refused."""
    from publish.catalogs.exchange import import_files

    config = get_config(ctx)
    tag = _split_locales((locale,))[0] if locale else None
    started = time.perf_counter()
    report = import_files(config, list(files), tag)
    for line in report.refused:
        click.echo(f"error: {line}", err=True)
    for line in report.pending:
        click.echo(f"approval needed: {line}", err=True)
    for path in report.written:
        click.echo(f"updated: {layout.display(path, config)}", err=True)
    click.echo(f"{report.updated} translations imported into {len(report.written)} "
               f"catalog(s), {len(report.refused)} refused, {len(report.pending)} safety "
               f"translation(s) waiting for approval in {time.perf_counter() - started:.1f} s",
               err=True)
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)
