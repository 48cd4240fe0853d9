"""Run a crawl from Python: ``crawl(db=..., sources=[...])`` is what ``ingest crawl`` calls.

It builds Scrapy settings from :mod:`ingest.settings` (no ``scrapy.cfg`` needed, so it works from
any folder), runs the ``news`` spider in this process, and returns the run's row from ``runs``.
"""

from __future__ import annotations

import difflib
import logging
import re
import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from ingest.errors import UserError
from ingest.lock import DbLock
from ingest.sources import (
    DEFAULT_SOURCES_FILE,
    check_selection,
    load_sources,
    select_sources,
    site_source,
)
from ingest.storage import DEFAULT_DB, Store


def scrapy_settings(db: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings, pointed at ``db``, with ``overrides`` applied."""
    settings = Settings()
    settings.setmodule("ingest.settings", priority="project")
    settings.set("INGEST_DB", str(db), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def check_inputs(
    db: str | Path,
    sources_file: str | Path,
    names: list[str],
    urls: list[str],
    site: str | None,
    redis_url: str | None = None,
    redis_timeout: float | None = None,
) -> None:
    """Validate everything before Scrapy starts, so bad input is one line and nothing runs."""
    check_selection(names, urls, site)
    if site:
        site_source(site)
    elif urls:
        for url in urls:
            site_source(url, option="--url")  # same URL check
    else:
        select_sources(load_sources(sources_file), names, sources_file)
    if redis_url:  # a distributed worker writes no database (`ingest drain` does)
        from ingest.distributed import DEFAULT_SOCKET_TIMEOUT, connect

        timeout = DEFAULT_SOCKET_TIMEOUT if redis_timeout is None else redis_timeout
        connect(redis_url, timeout).close()
    else:
        Store(db).close()  # creates/migrates the database, or says why it cannot


def check_settings(options: Settings, overrides: dict[str, Any]) -> None:
    """Check each ``-s NAME=VALUE`` against the type of the setting's default.

    Scrapy reads most settings deep in its start-up, after the lock is taken: a mistyped value
    (``CONCURRENT_REQUESTS=abc``) was a traceback there instead of one line here."""
    defaults = scrapy_settings("")
    for name, value in overrides.items():
        if name.upper().startswith("INGEST_") and name not in defaults:  # ingest_lock too
            raise UserError(_unknown_setting(name, defaults))
        if name not in defaults:
            _refuse_near_miss(name, defaults)
        kind = type(defaults.get(name))
        seconds = kind is int and _SECONDS.search(name) is not None
        tries = {
            bool: (options.getbool,),
            int: (options.getint, options.getfloat) if seconds else (options.getint,),
            float: (options.getfloat,),
        }.get(kind, ())
        if tries and not any(_reads(read, name) for read in tries):
            wanted = {bool: "true or false", int: "a whole number"}.get(kind, "a number")
            wanted = "a number" if seconds else wanted
            raise UserError(f"-s {name}={value!r}: {name} takes {wanted}; fix the value")


#: Whole-number defaults that are durations, read as float (DOWNLOAD_TIMEOUT=0.5 is fine);
#: every other whole-number default is a count, which Scrapy reads with int() deep in its
#: start-up (CONCURRENT_REQUESTS=2.5 was a traceback there).
_SECONDS = re.compile(r"TIMEOUT|DELAY|INTERVAL|SECONDS|JITTER|TTL|IDLE|OUTAGE|BACKOFF|AFTER_MAX")


def _unknown_setting(name: str, defaults: Settings) -> str:
    """news-ingest's own settings are all known (Scrapy's and its extensions' are not): a
    misspelt one (INGEST_LOCKK=false) would otherwise be ignored without a word."""
    ours = sorted(key for key in defaults if key.startswith("INGEST_"))
    close = difflib.get_close_matches(name.upper(), ours, n=1)  # settings are upper case
    hint = f"did you mean {close[0]}?" if close else "news-ingest's are " + ", ".join(ours)
    return f"-s {name}: no such setting; {hint}"


def _refuse_near_miss(name: str, defaults: Settings) -> None:
    """A name Scrapy does not know, one letter or two from one it does (CONCURENT_REQUESTS),
    is a typo: Scrapy would ignore it without a word and the crawl run on the default. Names
    far from every known one pass: Scrapy extensions read settings of their own."""
    close = difflib.get_close_matches(name.upper(), list(defaults), n=1, cutoff=0.9)
    if close and name.upper() != close[0] + "S":  # USER_AGENTS: a rotating-agent middleware's
        raise UserError(f"-s {name}: no such setting; did you mean {close[0]}?")


def _reads(read: Callable[[str], Any], name: str) -> bool:
    try:
        read(name)
    except (TypeError, ValueError):
        return False
    return True


def check_worker_db(redis_url: str | None, db_given: bool) -> None:
    """A Redis worker writes no database (``ingest drain`` does): a database named for one
    would be silently ignored, and its articles looked for in the wrong file."""
    if redis_url and db_given:
        raise UserError(
            "--db (INGEST_DB) is not used by a Redis worker (--redis or INGEST_REDIS_URL is "
            "set): workers write no database, `ingest drain --redis URL --db PATH` stores their "
            "results; drop --db here (or --redis for a local crawl)"
        )


def crawl(
    db: str | Path = DEFAULT_DB,
    *,
    sources_file: str | Path = DEFAULT_SOURCES_FILE,
    names: list[str] | None = None,
    urls: list[str] | None = None,
    site: str | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl the named sources (all when none), or given article URLs, or a whole site.

    Returns the row of the run in ``runs`` (status, counts). Raises :class:`UserError` for bad
    input before anything is fetched.
    """
    names, urls = names or [], urls or []
    options = scrapy_settings(db, settings)
    check_settings(options, settings or {})
    redis_url = options.get("INGEST_REDIS_URL")
    timeout = options.getfloat("INGEST_REDIS_TIMEOUT")
    check_inputs(db, sources_file, names, urls, site, redis_url, timeout)
    # Taken before Scrapy starts so a second run stops with one line (LockedError, status 75);
    # the store pipeline takes it again (re-entrant), which covers `scrapy crawl news` too.
    lock = DbLock(db).acquire() if options.getbool("INGEST_LOCK", True) and not redis_url else None
    caught, restore = _hold_signals()
    try:
        process = CrawlerProcess(options)
        from spiders.news import NewsSpider

        crawler = process.create_crawler(NewsSpider)
        stop_if_caught = _stopper(process, caught)  # a strong reference: signals are weak
        crawler.signals.connect(stop_if_caught, signal=signals.engine_started)
        process.crawl(
            crawler,
            source=",".join(names),
            sources=str(sources_file),
            url=",".join(urls),
            site=site,
        )
        process.start()
        row = getattr(crawler.spider, "run_row", None)
        run_id = getattr(crawler.spider, "run_id", None)
        if row is None and run_id is not None and not redis_url:
            row = _close_cut_short(db, run_id, getattr(crawler.spider, "store_writer", None))
    finally:
        restore()
        if lock is not None:
            lock.release()
    if row is None:
        raise UserError("the crawl stopped before it could record its run; see the log above")
    return row


def _close_cut_short(db: str | Path, run_id: int, writer: Any = None) -> dict[str, Any] | None:
    """Close a run that Scrapy stopped at once (a second Ctrl-C or SIGTERM stops the reactor
    without closing the spider): it was left ``running`` until the next run marked it
    ``killed``, and the command said "bad input". The writer thread commits what it holds
    first, so the run's figures count everything stored."""
    if writer is not None:
        try:
            writer.close()
        except RuntimeError as exc:  # storage had failed: said once, here
            logging.getLogger(__name__).error("%s", exc)
    store = Store(db)
    try:
        return store.finish_run(
            run_id,
            "interrupted",
            message="stopped before the run could close itself (a second Ctrl-C or SIGTERM "
            "stops at once); what it had committed is kept",
        )
    except sqlite3.Error as exc:
        logging.getLogger(__name__).warning("run %s not closed: %s", run_id, exc)
        return None
    finally:
        store.close()


def _hold_signals() -> tuple[list[int], Callable[[], None]]:
    """Note Ctrl-C and SIGTERM while Scrapy is being set up instead of dying of them.

    Setting up takes seconds on a busy machine, and Scrapy installs its graceful handlers
    only once its reactor runs; a KeyboardInterrupt before that would leave the engine
    half-built (a traceback, maybe a run left ``running``). Scrapy's handlers replace these;
    the caller stops the crawl gracefully if a signal came first, and restores the handlers.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        return caught, lambda: None
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in held}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return caught, restore


def _stopper(process: CrawlerProcess, caught: list[int]) -> Callable[[], None]:
    """An ``engine_started`` handler: a signal caught during set-up stops the crawl now (on
    the next tick, once the engine counts as running), just as Scrapy's own handler would."""

    def stop_if_caught() -> None:
        if caught:
            from twisted.internet import reactor

            logging.getLogger(__name__).info("signal %s during set-up: stopping", caught[0])
            reactor.callLater(0, process.stop)

    return stop_if_caught


def quiet_scrapy_logs(level: int) -> None:
    """Scrapy logs every request at DEBUG; users of ``ingest`` see warnings unless -v."""
    logging.getLogger("scrapy").setLevel(level)
