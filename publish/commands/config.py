"""`publish config`: every configuration key with its default, meaning and range."""

from __future__ import annotations

import json

import click

from publish.commands.group import get_config
from publish.config import describe_settings


@click.command("config")
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
