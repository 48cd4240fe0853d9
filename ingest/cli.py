"""The ``ingest`` command line. Commands live in :mod:`ingest.commands`, one module per area.

Every user-fixable problem (:class:`ingest.errors.UserError`) is printed as one line with no
traceback and a non-zero exit status (2 for bad input).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from ingest.errors import UserError

#: Which module of :mod:`ingest.commands` defines each command. A command runs after importing
#: its own module only: ``ingest search`` needs neither Scrapy nor pyarrow, whose imports take
#: longer than the search. Names not listed here are found by importing every module.
COMMAND_MODULES = {
    "crawl": "crawl",
    "demo": "demo",
    "drain": "distributed",
    "extract": "extract",
    "query": "query",
    "search": "query",
    "stats": "query",
    "serve": "query",
    "export": "query",
    "schedule": "runs",
    "runs": "runs",
    "reclean": "runs",
}
_MODULES = ("crawl", "demo", "distributed", "extract", "query", "runs")


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: set[str] = set()
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        """Every command (imports every module: for help and docs, not for running one)."""
        for module in _MODULES:
            self._load(module)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._commands[name or cmd.name or ""] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None:
            self._load(module)
        if cmd_name not in self._commands:
            return self.commands.get(cmd_name)
        return self._commands[cmd_name]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        for command in importlib.import_module(f"ingest.commands.{module}").COMMANDS:
            self.add_command(command)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="news-ingest")
def cli() -> None:
    """news-ingest: crawl news sites into clean article records in SQLite.

    \b
    Example:
        ingest crawl demo-news --db data/news.db
        ingest search "climate" --since 2024-01-01
    """


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
