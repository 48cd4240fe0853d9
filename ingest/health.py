"""Per-source health of a run, and alerts when a source breaks.

A site that changes its page layout does not fail loudly: its pages still answer 200, but the
extractor finds no text, or no article at all. A crawl that runs from cron for months must notice.
Each run therefore computes per-source figures from its fetch log (pages fetched, articles
stored, HTTP errors with 403 and 429 apart, share of empty or very short bodies, share without
a date) and compares them with the source's recent runs:

- ``no_articles``: the source used to yield articles, and this run fetched candidate pages but
  none became an article;
- ``empty_jump``: the share of empty or very short bodies jumped against recent runs;
- ``errors_jump``: most requests failed (403 blocked, 429 rate-limited, 5xx, timeouts) where
  they used not to;
- ``no_discovery``: no feed, sitemap or start page of the source could be read.

Incremental runs over an unchanged site fetch no article pages at all; that is healthy, so every
rule needs at least :data:`MIN_PAGES` pages to judge from. Alerts go into ``runs.health`` and
``runs.message``, the run's status becomes ``degraded`` and ``ingest crawl`` exits with
:data:`EXIT_DEGRADED`, so cron mail or a monitor sees it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.defaults import one_run
from ingest.storage import Store

#: Exit status of ``ingest crawl`` when the run finished but a source looks broken.
EXIT_DEGRADED = 3
DEGRADED = "degraded"

SHORT_WORDS = 50  # a stored body shorter than this counts as "very short"
MIN_PAGES = 3  # fewest judged pages a rule needs before it speaks
HISTORY = 5  # recent runs (with pages to judge) a source is compared with
JUMP = 0.3  # an empty-body share this much above the recent one is a jump ...
FLOOR = 0.5  # ... and it must reach at least this share
ERROR_SHARE = 0.5  # an error share at or above this, where it used to be below ERROR_USUAL
ERROR_USUAL = 0.2

_STORED = ("new", "updated", "unchanged")
_JUDGED = (*_STORED, "duplicate", "empty", "paywall", "extract_error")  # bodies we looked at
_FAILED = ("http_error", "blocked", "rate_limited", "failed")


@dataclass
class SourceHealth:
    """Figures of one source in one run (stored as JSON in ``runs.health``)."""

    pages_fetched: int = 0
    discovery_pages: int = 0
    articles: int = 0  # stored this run: new + updated + unchanged
    new: int = 0
    duplicates: int = 0
    not_modified: int = 0
    not_article: int = 0
    judged: int = 0  # bodies extraction looked at (articles, duplicates, empty, paywall ...)
    empty: int = 0  # no text found, extraction errors, and stored bodies under SHORT_WORDS
    no_date: int = 0  # stored articles without a published date
    errors: int = 0  # HTTP errors, 403, 429, timeouts (robots.txt refusals not counted)
    robots_refused: int = 0  # pages not fetched because the site's robots.txt disallows them
    http_403: int = 0
    http_429: int = 0
    discovery_errors: int = 0
    alerts: list[str] = field(default_factory=list)

    @property
    def empty_share(self) -> float:
        return self.empty / self.judged if self.judged else 0.0

    @property
    def no_date_share(self) -> float:
        return self.no_date / self.articles if self.articles else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.pages_fetched if self.pages_fetched else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["empty_share"] = round(self.empty_share, 3)
        data["no_date_share"] = round(self.no_date_share, 3)
        data["error_rate"] = round(self.error_rate, 3)
        return data


def measure(store: Store, run_id: int) -> dict[str, SourceHealth]:
    """Per-source figures of run ``run_id``, from its fetch log and the articles it stored."""
    rows = store.db.execute(
        "SELECT f.source, f.outcome, f.http_status, a.word_count, a.published_at "
        "FROM fetch_log f LEFT JOIN articles a "
        "ON a.url = f.article_url AND f.outcome IN ('new', 'updated', 'unchanged') "
        f"WHERE {one_run('f.run_id')}",
        [run_id],
    )
    figures: dict[str, SourceHealth] = defaultdict(SourceHealth)
    for source, outcome, status, words, published in rows:
        _count(figures[source], outcome, status, words, published)
    return dict(figures)


def _count(h: SourceHealth, outcome: str, status: int | None, words: Any, published: Any) -> None:
    robots_refusal = outcome == "blocked" and not status
    h.robots_refused += robots_refusal
    if not robots_refusal:
        h.pages_fetched += 1
    if outcome == "discovery":
        h.discovery_pages += 1
    elif outcome == "bad_discovery":
        h.discovery_errors += 1
    elif outcome == "not_modified":
        h.not_modified += 1
    elif outcome == "not_article":
        h.not_article += 1
    elif outcome == "duplicate":
        h.duplicates += 1
    elif outcome in _FAILED and not robots_refusal:
        h.errors += 1
        h.http_403 += status == 403
        h.http_429 += status == 429
    if outcome in _JUDGED:
        h.judged += 1
    if outcome in ("empty", "extract_error"):
        h.empty += 1
    if outcome in _STORED:
        h.articles += 1
        h.new += outcome == "new"
        h.empty += (words or 0) < SHORT_WORDS
        h.no_date += not published


def history(store: Store, run_id: int, source: str, limit: int = HISTORY) -> list[dict[str, Any]]:
    """The source's figures in its most recent earlier runs that had pages to judge and raised
    no alert for it."""
    found: list[dict[str, Any]] = []
    rows = store.db.execute(
        "SELECT health FROM runs WHERE id < ? AND health IS NOT NULL AND health != '{}' "
        "AND status IN ('finished', 'degraded', 'interrupted') ORDER BY id DESC LIMIT 500",
        [run_id],
    )
    for (raw,) in rows:
        entry = _loads(raw).get(source)
        if not isinstance(entry, dict) or entry.get("alerts"):
            continue  # a run that alerted is no baseline: a lasting breakage keeps alerting
        if entry.get("judged", 0) + entry.get("not_article", 0) + entry.get("errors", 0) > 0:
            found.append(entry)
            if len(found) >= limit:
                break
    return found


def _loads(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def alerts_for(name: str, now: SourceHealth, past: list[dict[str, Any]]) -> list[str]:
    """What looks broken in ``now`` compared with the source's ``past`` figures."""
    out: list[str] = []
    candidates = now.judged + now.not_article
    yielded = now.articles + now.duplicates
    if candidates >= MIN_PAGES and yielded == 0 and any(p.get("articles", 0) for p in past):
        usual = max(p.get("articles", 0) for p in past)
        out.append(
            f"{name}: no articles from {candidates} pages (recent runs stored up to {usual}; "
            f"{now.empty} empty, {now.not_article} not articles): has the page layout changed?"
        )
    judged_before = sum(p.get("judged", 0) for p in past)
    if now.judged >= MIN_PAGES and judged_before:
        before = sum(p.get("empty", 0) for p in past) / judged_before
        if now.empty_share >= FLOOR and now.empty_share - before >= JUMP:
            out.append(
                f"{name}: {now.empty_share:.0%} of bodies empty or under {SHORT_WORDS} words "
                f"(recent runs {before:.0%}): has the page layout changed?"
            )
    out.extend(_error_alerts(name, now, past))
    if now.discovery_pages == 0 and (now.errors or now.discovery_errors) and not yielded:
        out.append(f"{name}: none of its feeds, sitemaps or start pages could be read")
    return out


def _given_pages_failed(now: SourceHealth) -> list[str]:
    """Pages given with ``--url`` have no history to compare with, but that none of them could
    be fetched is news for whoever scripted the call: it exits non-zero (was 0), also when
    robots.txt refused them (the user asked for those very pages)."""
    asked = now.pages_fetched + now.robots_refused
    if not asked or now.errors + now.robots_refused < asked:
        return []
    kinds = [_error_kinds(now)] if now.errors else []
    if now.robots_refused:
        kinds.append(
            f"{now.robots_refused} disallowed by the site's robots.txt; for a site of your own,"
            " -s ROBOTSTXT_OBEY=false"
        )
    return [f"--url: none of the {asked} pages given could be fetched ({'; '.join(kinds)})"]


def _error_alerts(name: str, now: SourceHealth, past: list[dict[str, Any]]) -> list[str]:
    """Judged on page requests (all but the discovery pages read fine): a site that blocks
    its articles still serves its feed, and a run's many discovery pages would hide it."""
    requests = now.pages_fetched - now.discovery_pages
    if requests < MIN_PAGES or now.errors / requests < ERROR_SHARE:
        return []
    asked_before = sum(p.get("pages_fetched", 0) - p.get("discovery_pages", 0) for p in past)
    before = sum(p.get("errors", 0) for p in past) / asked_before if asked_before else 0.0
    if before >= ERROR_USUAL:
        return []
    detail = _error_kinds(now)
    return [
        f"{name}: {now.errors} of {requests} page requests failed: {detail} "
        f"(recent runs {before:.0%})"
    ]


def _error_kinds(now: SourceHealth) -> str:
    """``2 blocked (403), 1 other errors``."""
    kinds = Counter({"blocked (403)": now.http_403, "rate-limited (429)": now.http_429})
    kinds["other errors"] = now.errors - now.http_403 - now.http_429
    return ", ".join(f"{v} {k}" for k, v in kinds.items() if v)


def exit_status(row: dict[str, Any]) -> int:
    """The exit status of a crawl whose run ended as ``row`` says (``ingest crawl`` and
    ``scrapy crawl news``): 0 finished; 3 finished with a health alert; 130 interrupted;
    1 anything else. (2, bad input, and 75, another run holding the database, come earlier.)"""
    return {"finished": 0, DEGRADED: EXIT_DEGRADED, "interrupted": 130}.get(row["status"], 1)


def assess(store: Store, run_id: int) -> tuple[dict[str, Any], list[str]]:
    """Health of a run: (``{source: figures}`` for ``runs.health``, alert lines)."""
    figures = measure(store, run_id)
    alerts: list[str] = []
    for name, now in sorted(figures.items()):
        if name == "adhoc":  # pages given with --url: no source to compare with
            now.alerts = _given_pages_failed(now)
        else:
            now.alerts = alerts_for(name, now, history(store, run_id, name))
        alerts.extend(now.alerts)
    return {name: h.to_dict() for name, h in figures.items()}, alerts
