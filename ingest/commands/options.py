"""Click options several commands share, declared once so that they read and behave alike.

Each is a function of the help text (which says what the option means to that command) and
returns the decorator. Imports nothing heavy: ``ingest search`` loads its module alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ingest.defaults import DEFAULT_DB

Decorator = Callable[[Any], Any]


def db_option(help: str = "SQLite database.", **extra: Any) -> Decorator:  # noqa: A002
    """``--db FILE``, default ``data/news.db``; ``extra`` overrides click settings."""
    settings: dict[str, Any] = {
        "default": DEFAULT_DB,
        "show_default": True,
        "type": click.Path(dir_okay=False),
        "help": help,
    }
    return click.option("--db", **{**settings, **extra})


def sources_option(help: str = "Sources file (TOML).") -> Decorator:  # noqa: A002
    """``--sources FILE`` (parameter ``sources_file``), default ``sources.toml``."""
    from ingest.sources import DEFAULT_SOURCES_FILE

    return click.option(
        "--sources",
        "sources_file",
        default=DEFAULT_SOURCES_FILE,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help,
    )


def settings_option(help: str) -> Decorator:  # noqa: A002
    """``-s/--set NAME=VALUE``, repeatable (parameter ``overrides``): Scrapy/ingest settings."""
    return click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help=help)


def redis_option(help: str, **extra: Any) -> Decorator:  # noqa: A002
    """``--redis URL`` (parameter ``redis_url``), also read from INGEST_REDIS_URL."""
    return click.option(
        "--redis", "redis_url", envvar="INGEST_REDIS_URL", metavar="URL", help=help, **extra
    )
