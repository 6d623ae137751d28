"""Every `publish` command, on top of everything else: nothing in the package imports them.

    group    the `publish` group, the configuration, the pages, one-line failures
    check    publish check, publish show
    build    publish build
    catalog  publish catalog extract|init|update|compile|stats
    sms      publish sms-count
    serve    publish serve
    config   publish config

`main` is the console script (`publish`) and what `python -m publish` runs.
"""

from publish.commands.build import build
from publish.commands.catalog import catalog
from publish.commands.check import check, show
from publish.commands.config import show_config
from publish.commands.group import cli, main
from publish.commands.serve import serve
from publish.commands.sms import sms_count

for _command in (check, show, build, serve, sms_count, catalog, show_config):
    cli.add_command(_command)

__all__ = ["cli", "main"]
