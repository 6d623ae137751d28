"""`publish serve`: build, serve the output folder on 127.0.0.1, rebuild and reload on change."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from publish.commands.group import EXIT_OK, fail, get_config, split_values
from publish.errors import PublishError
from publish.locale import parse_locales


@click.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=0, show_default=False,
              help="Port on 127.0.0.1 (default: a free port, printed).")
@click.option("--format", "-f", "formats", multiple=True,
              help="Output format (repeat or comma-separate); default: [site] formats.")
@click.option("--locale", "-l", "locales", multiple=True,
              help="Locale to build (repeat or comma-separate); default: [site] locales.")
@click.option("--out", "-o", type=click.Path(path_type=Path, file_okay=False),
              help="Output folder (default: [site] output).")
@click.option("--theme", help="Theme name or path to a theme folder.")
@click.pass_context
def serve(ctx: click.Context, port: int, formats: tuple[str, ...], locales: tuple[str, ...],
          out: Path | None, theme: str | None) -> None:
    """Build the site, serve the output folder on 127.0.0.1 and rebuild on every change.

    Watches the content, catalogs and locale data, themes and publish.toml; each change runs
    the incremental build and reloads the pages open in a browser. Build errors show in the
    page and here. Ctrl-C stops.
    """
    from publish.build.progress import choose_progress
    from publish.serve import Choice, Previewer, PreviewServer, SiteStatus

    config = get_config(ctx)
    try:
        chosen_locales = tuple(dict.fromkeys(
            locale.tag for locale in parse_locales(split_values(locales), "--locale")))
    except PublishError as error:
        fail(error)
    choice = Choice(tuple(split_values(formats)) or None, chosen_locales or None, theme,
                    out.resolve() if out else None)
    status = SiteStatus()
    previewer = Previewer(config, choice, status, echo=lambda line: click.echo(line, err=True),
                          progress=lambda first: choose_progress(quiet=not first))
    output_dir = previewer.output_dir
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        server = PreviewServer(output_dir, status, port)
    except OSError as error:
        fail(f"cannot serve {output_dir} on 127.0.0.1:{port}: {error.strerror or error}")
    stop = threading.Event()
    server.start()
    click.echo(f"Serving {output_dir} at {server.url} (Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        previewer.rebuild(first=True)
        click.echo(f"Watching {', '.join(str(p) for p in previewer.watched())}", err=True)
        previewer.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.stop()
        previewer.close()
    click.echo("stopped", err=True)
    sys.exit(EXIT_OK)
