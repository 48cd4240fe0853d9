"""The ``ingest`` command line. Commands live in :mod:`ingest.commands`, one module per area.

Every user-fixable problem (:class:`ingest.errors.UserError`) is printed as one line with no
traceback and a non-zero exit status (2 for bad input).
"""

from __future__ import annotations

import sys

import click

from ingest.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="news-ingest")
def cli() -> None:
    """news-ingest: crawl news sites into clean article records in SQLite.

    \b
    Example:
        ingest crawl demo --db data/news.db
        ingest search "climate" --since 2024-01-01
    """


def _register() -> None:
    from ingest.commands import crawl as crawl_cmds
    from ingest.commands import demo as demo_cmds
    from ingest.commands import distributed as distributed_cmds
    from ingest.commands import extract as extract_cmds
    from ingest.commands import query as query_cmds
    from ingest.commands import runs as runs_cmds

    for module in (crawl_cmds, demo_cmds, distributed_cmds, extract_cmds, query_cmds, runs_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry: run the CLI, turning UserError into one line and its exit code."""
    try:
        cli.main(standalone_mode=False)
    except UserError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # a bad option value, a missing argument: one line too
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"Error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
