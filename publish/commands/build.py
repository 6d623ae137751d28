"""`publish build`: render pages into every format and locale, incrementally."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import click

from publish.commands.group import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS,
    fail,
    find_pages,
    get_config,
    split_values,
)
from publish.errors import PublishError
from publish.locale import parse_locales


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


@click.command()
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
@click.option("--strict/--no-strict", default=None,
              help="Fail (exit 1) when a page is withheld in a locale: not yet translated or "
                   "awaiting safety approval (default: [build] strict).")
@click.pass_context
def build(ctx: click.Context, paths: tuple[Path, ...], formats: tuple[str, ...],
          locales: tuple[str, ...], out: Path | None, theme: str | None, jobs: int | None,
          force: bool, dask_address: str | None, timeout: float | None, quiet: bool,
          strict: bool | None) -> None:
    """Render pages into every format and locale (default: the whole content folder).

    Only jobs whose inputs changed since the last build run; outputs of removed pages are
    deleted. Writes OUT/build-report.json. Exits 1 if any job failed. A page whose
    translation is in progress (or awaits safety approval) is withheld in that locale, said
    in one line per locale, and is not a failure unless --strict.
    """
    from publish.build import BuildRequest
    from publish.build import build as run_build
    from publish.build.progress import choose_progress
    from publish.renderers import get_renderer_class

    config = get_config(ctx)
    pages = find_pages(config, paths)
    chosen_formats = split_values(formats) or list(config.site["formats"])
    try:
        chosen_locales = [locale.tag for locale in (
            parse_locales(split_values(locales), "--locale")
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
                           force=force, dask=dask_address, progress=choose_progress(quiet=quiet),
                           strict=bool(config.table("build")["strict"] if strict is None
                                       else strict))
    except PublishError as error:
        fail(error)
    except KeyboardInterrupt:
        # Finished jobs are recorded: the next build carries on from here.
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)
