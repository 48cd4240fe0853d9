"""Extraction alone: CPU time of ``ingest.process.process_page`` per page of a bench site, in
one process that does nothing else.

    python scripts/bench_extract.py --site bench-out/site-3000 [--urls URLS.txt] [--pages 600]

Each page goes in as a crawl hands it to a worker: the gzip body nginx sent (the site's
precompressed ``index.html.gz``), still compressed, with its URL. The first pages warm the
process up and are not counted. This is the floor of what extraction costs a crawl per page:
in a crawl the workers also share the cores with the reactor thread and each other, and the
pool carries pages between processes. ``scripts/bench.py`` prints it beside the crawls, with
the CPU budget the 2/1 target leaves on this machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_UP = 50


def site_pages(site: Path, urls: list[str], count: int) -> list[dict[str, Any]]:
    """``count`` article pages of ``site`` as ``process_page`` receives them from a crawl."""
    pages = []
    for url in urls[: count + WARM_UP]:
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        page = site / path / "index.html"
        packed = page.with_name("index.html.gz")
        body = packed.read_bytes() if packed.exists() else gzip.compress(page.read_bytes())
        pages.append(
            {
                "url": url,
                "source": "bench",
                "body": body,
                "content_encoding": "gzip",
                "content_type": "text/html; charset=utf-8",
                "status": 200,
                "keep_raw": True,
            }
        )
    return pages


def measure(site: Path, urls: list[str], count: int) -> dict[str, Any]:
    """Thread CPU per page over ``count`` pages, after a warm-up."""
    import ingest.preload  # noqa: F401 - what a worker has loaded before its first page
    from ingest.process import process_page

    pages = site_pages(site, urls, count)
    if len(pages) <= WARM_UP:
        raise SystemExit(f"{len(pages)} pages: more than {WARM_UP} needed (the first warm up)")
    for page in pages[:WARM_UP]:
        process_page(page)
    measured = pages[WARM_UP:]
    outcomes: dict[str, int] = {}
    start = time.thread_time()
    for page in measured:
        outcome = process_page(page)["outcome"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    cpu = time.thread_time() - start
    return {
        "pages": len(measured),
        "cpu_ms_per_page": round(1000 * cpu / max(1, len(measured)), 3),
        "outcomes": outcomes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="a site built by scripts/bench.py")
    parser.add_argument("--urls", help="article URLs, one a line (default: the site's sitemaps)")
    parser.add_argument("--pages", type=int, default=600, help="pages measured")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if args.urls:
        urls = [u.strip() for u in Path(args.urls).read_text().splitlines() if u.strip()]
    else:
        urls = _sitemap_urls(site)
    print(json.dumps(measure(site, urls, args.pages)))
    return 0


def _sitemap_urls(site: Path) -> list[str]:
    """Article URLs named by the site's post sitemaps."""
    from ingest.discovery import parse_sitemap

    urls: list[str] = []
    for sitemap in sorted(site.glob("post-sitemap*.xml")):
        urls += [e.url for e in parse_sitemap(sitemap.read_bytes(), "http://127.0.0.1/")]
    return urls


if __name__ == "__main__":
    sys.exit(main())
