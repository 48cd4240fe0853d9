"""``scrapy crawl``: Scrapy's own command, with what ``ingest crawl`` adds around the crawl.

- Bad input (sources file, source name, database path, an unreachable ``INGEST_REDIS_URL``) is
  one ``Error: ...`` line and exit status 2 before Scrapy starts, instead of a traceback from
  deep inside the engine.
- The exit status carries how the run ended, as ``ingest crawl``'s does: 3 when a health alert
  fired (run status ``degraded``), 130 when interrupted, 1 when it failed. Scrapy's own command
  exits 0 whenever the crawl could start, which a cron job or a monitor cannot tell apart.

Other spiders (there are none today) run exactly as under Scrapy's command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiders import Spider

from ingest.crawl import check_inputs, check_worker_db
from ingest.errors import UserError
from ingest.health import exit_status

NEWS = "news"


class Command(ScrapyCrawlCommand):
    """``scrapy crawl news`` with input checks and an exit status that tells how the run went."""

    crawler: Crawler | None = None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        news = args[:1] == [NEWS]
        if news and not self._inputs_ok(opts.spargs):
            return
        super().run(args, opts)
        if news and self.exitcode == 0:
            self.exitcode = self._run_status()

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        """Scrapy's, keeping the crawler: its spider holds the run's row once the crawl ends."""
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def _inputs_ok(self, spargs: dict[str, Any]) -> bool:
        """Check the spider's arguments and settings as ``ingest crawl`` does; False after
        printing the one-line error (and setting the exit status) when they are not usable."""
        settings = self.settings
        try:
            db_given = settings.getpriority("INGEST_DB") >= SETTINGS_PRIORITIES["cmdline"]
            check_worker_db(settings.get("INGEST_REDIS_URL"), db_given)
            check_inputs(
                settings.get("INGEST_DB"),
                spargs.get("sources") or settings.get("INGEST_SOURCES"),
                [s for s in (spargs.get("source") or "").split(",") if s],
                [u for u in (spargs.get("url") or "").split(",") if u],
                spargs.get("site"),
                settings.get("INGEST_REDIS_URL"),
                settings.getfloat("INGEST_REDIS_TIMEOUT"),
            )
        except UserError as exc:
            print(f"Error: {exc}", file=sys.stderr, flush=True)
            self.exitcode = exc.exit_code
            return False
        return True

    def _run_status(self) -> int:
        """The exit status ``ingest crawl`` would give this run (1 when no run was recorded)."""
        row = getattr(getattr(self.crawler, "spider", None), "run_row", None)
        if row is None:
            print("Error: the crawl stopped before it recorded its run", file=sys.stderr)
            return 1
        if row["status"] == "failed" and row.get("message"):
            print(f"Error: {row['message']}", file=sys.stderr, flush=True)
        return exit_status(row)
