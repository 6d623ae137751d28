"""The `publish` command line. User mistakes become one-line messages and an exit status."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import click

from publish import __version__
from publish.config import SiteConfig, describe_settings, load_config
from publish.errors import PublishError
from publish.locale import parse_locales
from publish.model import Status
from publish.pages import PageRef, discover
from publish.sms.command import sms_count

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def fail(error: PublishError | str, status: int = EXIT_USAGE) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(status)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Site configuration file (default: ./publish.toml).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Accessible patient leaflets (large-print PDF, HTML, SMS, audio) from medicine pages."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def get_config(ctx: click.Context) -> SiteConfig:
    if "config" not in ctx.obj:
        try:
            ctx.obj["config"] = load_config(path=ctx.obj.get("config_path"))
        except PublishError as error:
            fail(error)
    return ctx.obj["config"]


def find_pages(config: SiteConfig, paths: tuple[Path, ...]) -> list[PageRef]:
    try:
        return discover(list(paths) or [config.content_dir], root=config.content_dir)
    except PublishError as error:
        fail(error)
        raise  # unreachable: fail exits


# --- check --------------------------------------------------------------------------------


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
    return {"path": str(page.path), "key": page.key, "status": status,
            "title": leaflet.title, "sections": leaflet.section_kinds,
            "disclaimer_origin": leaflet.disclaimer.origin.value,
            "ai_note_origin": leaflet.ai_note.origin.value, "warnings": warnings}


@cli.command()
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
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        click.echo(f"{len(entries)} pages checked in {elapsed:.1f} s: {summary}", err=True)
    publishable = all(entry["status"] in ("ok", "warning") for entry in entries)
    sys.exit(EXIT_OK if publishable else EXIT_PROBLEMS)


# --- show ---------------------------------------------------------------------------------


@cli.command()
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


# --- build --------------------------------------------------------------------------------

EXIT_INTERRUPTED = 130


class Seconds(click.ParamType):
    """A positive, finite number of seconds (`nan` and `inf` parse as floats, mean nothing)."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a positive, finite number of seconds", param, ctx)
        return seconds


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "formats", multiple=True,
              help="Output format (repeat or comma-separate); default: [site] formats.")
@click.option("--locale", "-l", "locales", multiple=True,
              help="Locale to build (repeat or comma-separate); default: [site] locales.")
@click.option("--out", "-o", type=click.Path(path_type=Path, file_okay=False),
              help="Output folder (default: [site] output).")
@click.option("--theme", help="Theme name or path to a theme folder.")
@click.option("--jobs", "-j", type=click.IntRange(min=0),
              help="Worker processes (default: [build] jobs; 0 = one per CPU core).")
@click.option("--force", is_flag=True, help="Rebuild every job, even those up to date.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run jobs on a Dask cluster: a scheduler address (tcp://host:8786) or "
                   "local:N to start a local cluster of N worker processes.")
@click.option("--timeout", type=Seconds(),
              help="Seconds one job may take (default: [build] timeout).")
@click.option("--quiet", "-q", is_flag=True, help="Print failures and the final line only.")
@click.pass_context
def build(ctx: click.Context, paths: tuple[Path, ...], formats: tuple[str, ...],
          locales: tuple[str, ...], out: Path | None, theme: str | None, jobs: int | None,
          force: bool, dask_address: str | None, timeout: float | None, quiet: bool) -> None:
    """Render pages into every format and locale (default: the whole content folder).

    Only jobs whose inputs changed since the last build run; outputs of removed pages are
    deleted. Writes OUT/build-report.json. Exits 1 if any job failed.
    """
    from publish.build import BuildRequest
    from publish.build import build as run_build
    from publish.progress import choose_progress
    from publish.renderers import get_renderer_class

    config = get_config(ctx)
    pages = find_pages(config, paths)
    chosen_formats = _split(formats) or list(config.site["formats"])
    try:
        chosen_locales = [locale.tag for locale in (
            parse_locales(_split(locales), "--locale")
            or parse_locales(config.site["locales"], "[site] locales", config.path))]
        for name in chosen_formats:
            get_renderer_class(name)
    except PublishError as error:
        fail(error)
    output_dir = (out or config.output_dir).resolve()
    request = BuildRequest(tuple(pages), tuple(dict.fromkeys(chosen_locales)),
                           tuple(dict.fromkeys(chosen_formats)), theme)
    try:
        report = run_build(request, config, output_dir, jobs=jobs, timeout=timeout,
                           force=force, dask=dask_address, progress=choose_progress(quiet=quiet))
    except PublishError as error:
        fail(error)
    except KeyboardInterrupt:
        # Finished jobs are recorded: the next build carries on from here.
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# --- config -------------------------------------------------------------------------------


@cli.command("config")
@click.pass_context
def show_config(ctx: click.Context) -> None:
    """List every configuration key with its default and meaning."""
    get_config(ctx)
    table = None
    for name, key, setting in describe_settings():
        if name != table:
            click.echo(f"\n[{name}]")
            table = name
        allowed = setting.range_text()
        allowed = f" (allowed: {allowed})" if allowed else ""
        click.echo(f"{key} = {json.dumps(setting.default, ensure_ascii=False)}  "
                   f"# {setting.doc}{allowed}")


def main() -> None:
    try:
        cli(obj={})
    except PublishError as error:
        fail(error)
    except OSError as error:
        # The machine, not the input (a full disk, a folder that vanished): still one line.
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


cli.add_command(sms_count)

from publish.catalogs.command import catalog  # noqa: E402  (the `publish catalog` group)

cli.add_command(catalog)
