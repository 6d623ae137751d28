"""The `publish` command group, and what every command shares: the site configuration, the
pages named on the command line, and one-line failures with an exit status."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publish import __version__
from publish.config import SiteConfig, load_config
from publish.errors import PublishError
from publish.pages import PageRef, discover

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130


def fail(error: PublishError | str, status: int = EXIT_USAGE) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(status)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Site configuration file (default: publish.toml in this folder or a parent).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Accessible patient leaflets (large-print PDF, web site, SMS, audio, EPUB, braille) from
    medicine pages."""
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


def split_values(values: tuple[str, ...]) -> list[str]:
    """Values of an option that may be repeated or comma-separated (`-f pdf,sms -f audio`)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def main() -> None:
    """Run the command line (the commands are attached by `publish.commands`)."""
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
        sys.exit(EXIT_INTERRUPTED)
