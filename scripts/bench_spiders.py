"""The two reference crawls of the benchmark, each run in its own process by scripts/bench.py.

    python scripts/bench_spiders.py ceiling  --urls URLS.txt --concurrency 32
    python scripts/bench_spiders.py baseline --urls URLS.txt --concurrency 32 --db OUT.db

``ceiling``: a bare Scrapy spider that fetches every URL and only reads the body: what the
framework itself can do on this machine, the upper bound for any pipeline built on it.

``baseline``: the pipeline a user would write from the Scrapy, trafilatura and sqlite-utils docs:
the spider yields the page's text, an item pipeline extracts it with trafilatura (on the reactor
thread, as item pipelines run) and another inserts each row with sqlite-utils (one commit per
row). Nothing is tuned: it is the yardstick news-ingest must beat.

Both use the download settings of a news-ingest crawl of 127.0.0.1 (concurrency, no delay, no
AutoThrottle, no cookies, gzip accepted), so only what happens after the download differs. Each
prints one ``BENCH {json}`` line at the end with what it fetched.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request, Response


def read_urls(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


class CeilingSpider(scrapy.Spider):
    """Fetches the given URLs and counts their bytes: nothing else."""

    name = "ceiling"

    def __init__(self, urls_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file = urls_file
        self.pages = 0
        self.bytes = 0

    async def start(self) -> AsyncIterator[Request]:
        for url in read_urls(self.urls_file):
            yield Request(url, self.parse)

    def parse(self, response: Response) -> None:
        self.pages += 1
        self.bytes += len(response.body)

    def closed(self, reason: str) -> None:
        print("BENCH " + json.dumps({"pages": self.pages, "bytes": self.bytes}), flush=True)


class ArticleSpider(CeilingSpider):
    """The user's spider: one item per page, with the HTML for the extraction pipeline."""

    name = "articles"

    def parse(self, response: Response) -> Any:  # type: ignore[override]
        self.pages += 1
        self.bytes += len(response.body)
        yield {"url": response.url, "html": response.text}


class TrafilaturaPipeline:
    """Extracts the article with trafilatura (metadata included) in ``process_item``."""

    def process_item(self, item: dict[str, Any], spider: scrapy.Spider) -> dict[str, Any]:
        import trafilatura

        doc = trafilatura.bare_extraction(item["html"], url=item["url"], with_metadata=True)
        if doc is None:
            return {"url": item["url"], "text": None}
        return {
            "url": item["url"],
            "title": doc.title,
            "author": doc.author,
            "date": doc.date,
            "description": doc.description,
            "sitename": doc.sitename,
            "categories": json.dumps(doc.categories or []),
            "tags": json.dumps(doc.tags or []),
            "text": doc.text,
        }


class SqliteUtilsPipeline:
    """Inserts each item as it comes, as the sqlite-utils docs show (one commit per row)."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Any) -> SqliteUtilsPipeline:
        return cls(crawler.settings.get("BENCH_DB"))

    def open_spider(self, spider: scrapy.Spider) -> None:
        import sqlite_utils

        self.db = sqlite_utils.Database(self.path)

    def process_item(self, item: dict[str, Any], spider: scrapy.Spider) -> dict[str, Any]:
        if item.get("text"):
            self.db["articles"].upsert(item, pk="url", alter=True)
        return item

    def close_spider(self, spider: scrapy.Spider) -> None:
        self.db.close()


def settings(concurrency: int, per_domain: int, items: int | None) -> dict[str, Any]:
    """Download settings equal to a news-ingest crawl of 127.0.0.1 (see ingest.politeness)."""
    extra = {} if items is None else {"CONCURRENT_ITEMS": items}
    return {
        **extra,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "USER_AGENT": "news-ingest-bench",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference crawls for scripts/bench.py.")
    parser.add_argument("kind", choices=("ceiling", "baseline"))
    parser.add_argument("--urls", required=True, help="file with one URL a line")
    parser.add_argument("--concurrency", type=int, default=64, help="CONCURRENT_REQUESTS")
    parser.add_argument("--per-domain", type=int, default=32, help="parallel requests per host")
    parser.add_argument("--items", type=int, help="CONCURRENT_ITEMS (default: Scrapy's)")
    parser.add_argument("--db", help="baseline: SQLite file to write")
    args = parser.parse_args(argv)
    config = settings(args.concurrency, args.per_domain, args.items)
    spider: type[scrapy.Spider] = CeilingSpider
    if args.kind == "baseline":
        if not args.db:
            parser.error("baseline needs --db")
        spider = ArticleSpider
        config["BENCH_DB"] = args.db
        config["ITEM_PIPELINES"] = {
            TrafilaturaPipeline: 300,
            SqliteUtilsPipeline: 800,
        }
    process = CrawlerProcess(config)
    process.crawl(spider, urls_file=args.urls)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
