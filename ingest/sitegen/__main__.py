"""``python -m ingest.sitegen OUT``: write the demo sites or a synthetic benchmark site."""

from __future__ import annotations

import argparse
import sys
import time

from . import BASE, DEMO_SITES, THEMES, build_site, demo_articles
from .synthetic import build_synthetic_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.sitegen",
        description="Write a static news site: the bundled demo sites (default) or N "
        "synthetic articles. Serve it with: python -m ingest.webserver OUT",
    )
    parser.add_argument("out", help="output directory")
    parser.add_argument("--synthetic", type=int, metavar="N", help="N synthetic articles")
    parser.add_argument("--seed", type=int, default=0, help="synthetic seed (default 0)")
    parser.add_argument(
        "--theme",
        default=None,
        choices=sorted(THEMES),
        help="theme (demo: all three into OUT/<theme>/; synthetic: wordpress)",
    )
    parser.add_argument("--per-page", type=int, default=None, help="articles per listing page")
    parser.add_argument(
        "--max-listing-pages",
        type=int,
        default=100,
        help="synthetic: cap on pages per listing (default 100)",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="synthetic: bake this origin into absolute URLs (default: the {{BASE}} token "
        "that the web servers replace per request)",
    )
    parser.add_argument(
        "--precompress",
        action="store_true",
        help="synthetic, with --base-url: also write FILE.gz for every page (gzip_static)",
    )
    parser.add_argument(
        "--no-reuse", action="store_true", help="synthetic: rebuild even if OUT holds the same site"
    )
    args = parser.parse_args(argv)
    if args.synthetic is not None:
        if args.synthetic < 0:
            print("error: --synthetic N needs N >= 0", file=sys.stderr)
            return 2
        try:
            info = build_synthetic_site(
                args.out,
                args.synthetic,
                args.seed,
                args.theme or "wordpress",
                per_page=args.per_page or 20,
                max_listing_pages=args.max_listing_pages or None,
                reuse=not args.no_reuse,
                base_url=args.base_url or BASE,
                precompress=args.precompress,
            )
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        verb = "reused" if info["reused"] else f"built in {info['seconds']} s"
        print(
            f"{args.out}: {info['articles']} articles, {info['listings']} listing pages, "
            f"{info['bytes'] / 1e6:.1f} MB ({verb})"
        )
        return 0
    started = time.perf_counter()
    for name in [args.theme] if args.theme else DEMO_SITES:
        out = f"{args.out}/{name}" if not args.theme else args.out
        manifest = build_site(out, demo_articles(name), name, per_page=args.per_page or 10)
        print(
            f"{out}: {manifest.site_name} ({name}), {len(manifest.articles)} articles, "
            f"{len(manifest.listings)} listing pages, feeds {', '.join(manifest.feeds)}"
        )
    print(f"done in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
