"""Synthetic news articles for the benchmark: any number, deterministic from a seed.

Article ``i`` depends only on ``(seed, i)``, so a site of 100,000 articles is generated lazily,
one article at a time, and its metadata (titles, dates, authors for listings and sidebars) can
be produced without generating bodies. Prose comes from small word lists and sentence templates:
not literature, but sentences of realistic length, punctuation, numbers and quotations.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .build import build_site
from .common import Summary
from .model import BASE, Block, SiteArticle, slugify

SECTIONS = (
    "Politics",
    "Business",
    "Science",
    "Health",
    "Sports",
    "Culture",
    "Local",
    "World",
    "Technology",
    "Environment",
)
TAGS = (
    "Elections",
    "Budget",
    "Transport",
    "Housing",
    "Energy",
    "Climate",
    "Schools",
    "Hospitals",
    "Football",
    "Tennis",
    "Music",
    "Theatre",
    "Startups",
    "Banks",
    "Trade",
    "Farming",
    "Water",
    "Research",
    "Space",
    "Courts",
    "Police",
    "Tourism",
    "Weather",
    "Jobs",
    "Wages",
    "Ports",
    "Rail",
    "Aviation",
    "Oceans",
    "Forests",
    "Museums",
    "Film",
)
FIRST = (
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Irene",
    "Jamal",
    "Kira",
    "Liam",
    "Marta",
    "Noah",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
    "Zoe",
)
LAST = (
    "Adler",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallo",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinlan",
    "Rossi",
    "Santos",
    "Tanaka",
    "Urbina",
    "Varga",
    "Walsh",
    "Yilmaz",
    "Zhou",
)
PLACES = (
    "Port Alder",
    "Millbrook",
    "Gull Point",
    "Easthaven",
    "the northern district",
    "the river valley",
    "the old town",
    "Kestrel Bay",
    "Northgate",
    "the coastal region",
    "Lindenau",
    "Valdeluz",
    "Belcourt",
    "the harbour quarter",
    "Westfield",
)
ACTORS = (
    "the city council",
    "the regional government",
    "the transport authority",
    "local businesses",
    "the health board",
    "researchers at the university",
    "the opposition",
    "residents",
    "the harbour authority",
    "the teachers' union",
    "the energy company",
    "farmers",
    "the court",
    "the central bank",
    "volunteers",
    "the ministry",
    "the football club",
    "the museum",
    "environmental groups",
    "police",
)
VERBS = (
    "approved",
    "rejected",
    "announced",
    "postponed",
    "criticised",
    "welcomed",
    "proposed",
    "reviewed",
    "expanded",
    "cut",
    "defended",
    "questioned",
    "funded",
    "suspended",
    "launched",
    "tested",
    "delayed",
    "completed",
    "investigated",
    "backed",
)
OBJECTS = (
    "a new budget",
    "the ferry timetable",
    "plans for a bridge",
    "a housing scheme",
    "the school reforms",
    "a pilot project",
    "the wage agreement",
    "new cycle lanes",
    "the hospital merger",
    "a water treatment plant",
    "the flood defences",
    "a research programme",
    "the stadium lease",
    "rules for short-term lets",
    "a tree-planting campaign",
    "the rail link",
    "the night bus network",
    "an offshore wind farm",
    "the library opening hours",
    "the harbour expansion",
)
ADVERBIALS = (
    "on Tuesday",
    "after a long debate",
    "earlier this month",
    "for the second time",
    "despite strong objections",
    "by a narrow margin",
    "late on Friday",
    "following months of talks",
    "without a vote",
    "ahead of the summer",
    "in a surprise move",
    "at a packed public meeting",
    "after an independent review",
)
NOUNS = (
    "costs",
    "delays",
    "the timetable",
    "the consultation",
    "public support",
    "the financing",
    "staff shortages",
    "the environmental impact",
    "traffic",
    "the legal challenge",
    "the tender",
    "demand",
    "the weather",
    "safety concerns",
)
ROLES = (
    "a spokesperson for",
    "the chair of",
    "a senior official at",
    "an economist at",
    "a member of",
    "the director of",
    "a researcher at",
    "a long-time critic of",
)
QUOTES = (
    "We have listened carefully and we believe this is the right decision",
    "Nobody expected the numbers to move this quickly",
    "This will not be solved in a single year, but it is a start",
    "The details matter, and we have not seen them yet",
    "People here have waited a long time for this",
    "We will look at the results again in the autumn",
    "It is a fair compromise, even if nobody got everything they wanted",
    "The risks were clear from the beginning",
)
TIMEZONES = (
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=9)),
)
START = datetime(2021, 1, 4, 6, 0, tzinfo=UTC)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _sentence(rng: random.Random) -> str:
    """One plausible news sentence, from a handful of templates."""
    kind = rng.randrange(7)
    actor = rng.choice(ACTORS)
    if kind == 0:
        return (
            f"{actor.capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(ADVERBIALS)}."
        )
    if kind == 1:
        return (
            f"According to {actor}, {rng.choice(NOUNS)} rose by {rng.randint(2, 48)} "
            f"percent compared with last year in {rng.choice(PLACES)}."
        )
    if kind == 2:
        return (
            f'"{rng.choice(QUOTES)}," said {_name(rng)}, {rng.choice(ROLES)} {rng.choice(ACTORS)}.'
        )
    if kind == 3:
        return (
            f"The plan for {rng.choice(PLACES)} is expected to cost about "
            f"{rng.randint(2, 900)} million, and {rng.choice(NOUNS)} remain the main "
            f"concern of {actor}."
        )
    if kind == 4:
        return (
            f"In {rng.choice(PLACES)}, {actor} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, "
            f"while {rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
        )
    if kind == 5:
        return (
            f"{rng.randint(3, 95)} of the {rng.randint(100, 400)} people asked said they "
            f"had noticed changes in {rng.choice(NOUNS)} since the spring."
        )
    return (
        f"{_name(rng)} told reporters that {rng.choice(NOUNS)} would be discussed again "
        f"{rng.choice(ADVERBIALS)}."
    )


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _title(rng: random.Random) -> str:
    title = f"{rng.choice(ACTORS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    return f"{title} in {rng.choice(PLACES)}"


class SyntheticArticles:
    """``n`` synthetic articles, in publication order; indexing generates them on demand."""

    def __init__(self, n: int, seed: int = 0, amp_every: int = 5, pdf_every: int = 50) -> None:
        if n < 0:
            raise ValueError("the number of articles cannot be negative")
        self.n = n
        self.seed = seed
        self.amp_every = amp_every
        self.pdf_every = pdf_every

    def __len__(self) -> int:
        return self.n

    def _meta(self, i: int) -> dict[str, object]:
        if not 0 <= i < self.n:
            raise IndexError(i)
        rng = random.Random(f"{self.seed}:{i}:meta")
        tz = rng.choice(TIMEZONES)
        published = (START + timedelta(minutes=37 * i + rng.randint(0, 30))).astimezone(tz)
        modified = published + timedelta(minutes=rng.choice((0, 0, 0, 12, 45, 180)))
        title = _title(rng)
        return {
            "slug": f"{slugify(title, 60)}-{i}",
            "title": title,
            "authors": [_name(rng) for _ in range(rng.choice((1, 1, 1, 2)))],
            "published": published,
            "modified": modified,
            "section": rng.choice(SECTIONS),
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
            "description": _sentence(rng),
            "language": "en",
            "image": f"stock-{rng.randint(1, 24):02d}.png",
            "pdf": f"document-{i}.pdf" if self.pdf_every and i % self.pdf_every == 7 else None,
            "views": rng.randint(0, 25_000),
            "amp": bool(self.amp_every) and i % self.amp_every == 0,
        }

    def summary(self, i: int) -> Summary:
        """Listings' view of article ``i``, without generating its body."""
        m = self._meta(i)
        return Summary(
            index=i,
            post_id=1000 + i,
            slug=m["slug"],
            title=m["title"],  # type: ignore[arg-type]
            authors=tuple(m["authors"]),
            published=m["published"],  # type: ignore[arg-type]
            modified=m["modified"],
            section=m["section"],  # type: ignore[arg-type]
            tags=tuple(m["tags"]),
            description=m["description"],  # type: ignore[arg-type]
            language="en",
            image=m["image"],
            pdf=m["pdf"],
            amp=m["amp"],  # type: ignore[arg-type]
            views=m["views"],  # type: ignore[arg-type]
        )

    def __getitem__(self, i: int) -> SiteArticle:
        m = self._meta(i)
        rng = random.Random(f"{self.seed}:{i}:body")
        blocks: list[Block] = []
        for n in range(rng.randint(8, 16)):
            if n and n % 4 == 0:
                blocks.append(Block("h2", _title(rng)))
            roll = rng.random()
            if roll < 0.08 and n:
                blocks.append(Block("ul", items=tuple(_sentence(rng) for _ in range(3))))
            elif roll < 0.14 and n:
                blocks.append(Block("blockquote", rng.choice(QUOTES) + "."))
            blocks.append(Block("p", _paragraph(rng)))
        comments = [(_name(rng), _sentence(rng)) for _ in range(rng.choice((0, 0, 1, 3)))]
        return SiteArticle(
            blocks=blocks, comments=comments, site="synthetic", image_caption=None, **m
        )  # type: ignore[arg-type]


def synthetic_articles(n: int, seed: int = 0) -> SyntheticArticles:
    """``n`` deterministic synthetic articles (lazy; pass straight to ``build_site``)."""
    return SyntheticArticles(n, seed)


def page_size_for(seed: int, low: int = 60_000, high: int = 150_000) -> Callable[[int], int]:
    """Target page size per post id, 60-150 KB like real news pages, for ``build_site``."""

    def size(post_id: int) -> int:
        return random.Random(f"{seed}:{post_id}:size").randint(low, high)

    return size


STAMP = ".sitegen.json"


def build_synthetic_site(
    out_dir: str | os.PathLike[str],
    n: int,
    seed: int = 0,
    theme: str = "wordpress",
    *,
    per_page: int = 20,
    max_listing_pages: int | None = 100,
    reuse: bool = True,
    base_url: str = BASE,
    precompress: bool = False,
) -> dict[str, Any]:
    """Build (or reuse, when ``out_dir`` already holds the same one) a benchmark site.

    Returns the stamp: parameters plus counts and build time. Reuse matters at 100,000
    articles, which take minutes and ~10 GB to write. ``base_url`` bakes an origin in, so the
    server need not rewrite ``{{BASE}}`` (nginx then serves with sendfile). An existing
    ``out_dir`` is only replaced when it holds a generated site (or nothing)."""
    root = Path(out_dir)
    params = {
        "n": n,
        "seed": seed,
        "theme": theme,
        "per_page": per_page,
        "max_listing_pages": max_listing_pages,
        "base_url": base_url,
        "precompress": precompress,
        "version": 1,
    }
    stamp = root / STAMP
    if reuse and stamp.is_file():
        old = json.loads(stamp.read_text())
        if old.get("params") == params:
            return old | {"reused": True}
    if root.exists():
        if not stamp.is_file() and any(root.iterdir()):
            raise FileExistsError(f"{root} exists and is not a generated site; not replacing it")
        shutil.rmtree(root)
    started = time.perf_counter()
    manifest = build_site(
        root,
        synthetic_articles(n, seed),
        theme,
        per_page=per_page,
        max_listing_pages=max_listing_pages,
        page_size=page_size_for(seed),
        base_url=base_url,
        precompress=precompress,
    )
    info = {
        "params": params,
        "articles": len(manifest.articles),
        "amp": len(manifest.amp),
        "listings": len(manifest.listings),
        "sitemaps": manifest.sitemaps,
        "feeds": manifest.feeds,
        "bytes": manifest.bytes_written,
        "seconds": round(time.perf_counter() - started, 2),
    }
    stamp.write_text(json.dumps(info, indent=1))
    return info | {"reused": False}
