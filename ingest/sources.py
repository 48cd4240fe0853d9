"""Sources: which news sites to crawl and how, read from a TOML file (``sources.toml``).

A source is declared as data, Fundus-style: name, domains, discovery methods (feeds, sitemaps,
robots.txt, start pages for link-following), politeness and limits. Validation is strict so a
typo fails loudly with one line naming the file, the entry and the problem, before anything is
crawled.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import ConfigError
from ingest.language import given_language
from ingest.urls import is_http

DEFAULT_SOURCES_FILE = "sources.toml"

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Source:
    """One news site and the ways to discover its articles."""

    name: str
    domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    robots_sitemaps: bool = True  # also read sitemaps announced in robots.txt
    follow_allow: tuple[str, ...] = ()  # regexes a followed link must match (any)
    follow_deny: tuple[str, ...] = ()  # regexes a followed link must not match
    article_allow: tuple[str, ...] = ()  # regexes an article URL must match (any), optional
    depth: int = 2  # link-following depth from the start pages
    language: str | None = None
    delay: float | None = None  # seconds between requests to this source (remote hosts)
    concurrency: int | None = None  # parallel requests to this source (remote hosts)
    max_articles: int | None = None  # article pages fetched per run
    every: str | None = None  # schedule: "30m", "6h", "1d" or a cron expression
    clean_drop: tuple[str, ...] = ()  # extra CSS selectors the cleaner removes
    clean_keep: tuple[str, ...] = ()  # CSS selectors the cleaner must keep
    discover: bool = (
        False  # find feeds/sitemaps by itself (robots, <link rel=alternate>, usual paths)
    )

    @property
    def interval_seconds(self) -> int | None:
        """The fixed interval of ``every`` in seconds, or None for a cron expression / unset."""
        if not self.every:
            return None
        match = _INTERVAL.match(self.every)
        return int(match.group(1)) * _UNITS[match.group(2)] if match else None

    def allows(self, url: str) -> bool:
        """True when ``url`` is on one of this source's domains (subdomains included)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "domains": list,
    "feeds": list,
    "sitemaps": list,
    "start_urls": list,
    "robots_sitemaps": bool,
    "follow_allow": list,
    "follow_deny": list,
    "article_allow": list,
    "depth": int,
    "language": str,
    "delay": (int, float),
    "concurrency": int,
    "max_articles": int,
    "every": str,
    "clean": dict,
    "discover": bool,
    "url": str,
}
_KINDS: dict[type | tuple[type, ...], str] = {
    list: "a list",
    bool: "true or false",
    int: "a whole number",
    (int, float): "a number",
    str: "a string",
    dict: "a table",
}
#: A domain as ``allows`` compares it with a URL's host: a name, IPv4 or bare IPv6 address.
_DOMAIN = re.compile(r"[a-z0-9_.\-]+|[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*")


def check_selection(names: list[str], urls: list[str], site: str | None) -> None:
    """One kind of selection per crawl: source names, page URLs (``--url``) or a site
    (``--site``).

    Pages given by URL run as a source of their own (``adhoc``) and a site as one named after
    its host, so source names given beside them were dropped without a word (an unknown name
    too), and ``--site`` beside ``--url`` was never crawled."""
    given = [
        label
        for label, value in (("source names", names), ("--url", urls), ("--site", site))
        if value
    ]
    if len(given) > 1:
        raise ConfigError(
            f"{' and '.join(given)} given together; a crawl takes one of them: "
            "run one crawl for each"
        )


def site_source(
    url: str, *, name: str | None = None, depth: int = 2, option: str = "--site"
) -> Source:
    """A source for a site that is not in the sources file (``ingest crawl --site URL``).

    Its feeds and sitemaps are discovered at crawl time (robots.txt, ``<link rel=alternate>``,
    the usual locations) and links are followed within its domain. ``option`` names the
    command-line option the URL came from, for the error message.
    """
    if not _is_http_url(url):
        raise ConfigError(
            f"{option}: {url!r} is not an http(s) URL; give one such as https://example.com/"
        )
    domain = (urlsplit(url).hostname or "").removeprefix("www.")
    return Source(
        name=name or domain,
        domains=(domain,),
        start_urls=(url,),
        depth=depth,
        discover=True,
    )


def load_sources(path: str | Path = DEFAULT_SOURCES_FILE) -> dict[str, Source]:
    """Read and validate a sources file; raise :class:`ConfigError` with a one-line message."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found; pass --sources PATH") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read sources file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    entries = raw.get("sources")
    unknown = set(raw) - {"sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {sorted(unknown)}; use [sources.NAME]")
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{path}: no [sources.NAME] entries; declare at least one source")
    return {name: _parse_entry(path, name, body) for name, body in entries.items()}


def select_sources(
    all_sources: dict[str, Source], names: list[str], path: str | Path
) -> list[Source]:
    """The sources named on the command line (all when none), or a ConfigError for unknown ones."""
    if not names:
        return list(all_sources.values())
    missing = [n for n in names if n not in all_sources]
    if missing:
        known = ", ".join(sorted(all_sources))
        raise ConfigError(f"{path}: unknown source {', '.join(missing)}; known sources: {known}")
    return [all_sources[n] for n in names]


def _parse_entry(path: Path, name: str, body: Any) -> Source:
    where = f"{path}: [sources.{name}]"
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: must be a table of settings")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ConfigError(f"{where}: name may only use letters, digits, '_', '.', '-'")
    for key, value in body.items():
        expected = _FIELDS.get(key)
        if expected is None:
            raise ConfigError(f"{where}: unknown key '{key}'; known keys: {', '.join(_FIELDS)}")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}: '{key}' has the wrong type ({type(value).__name__}); "
                f"give {_KINDS.get(expected, expected)}"
            )
    return _build_source(where, name, body)


def _build_source(where: str, name: str, body: dict[str, Any]) -> Source:
    urls = {k: _url_list(where, k, body.get(k, [])) for k in ("feeds", "sitemaps", "start_urls")}
    if body.get("url"):
        _check_url(body["url"], where, "url")
        urls["start_urls"] = (body["url"], *urls["start_urls"])
    domains = _domains(where, body.get("domains", []))
    if not domains:
        domains = tuple(sorted({urlsplit(u).hostname or "" for v in urls.values() for u in v}))
    if not domains or not all(domains):
        raise ConfigError(f"{where}: 'domains' is missing; list the site's domains")
    if not any(urls.values()):
        raise ConfigError(f"{where}: no discovery method; give feeds, sitemaps or start_urls")
    for key in ("follow_allow", "follow_deny", "article_allow"):
        _check_regexes(where, key, body.get(key, []))
    clean = body.get("clean", {})
    _check_selectors(where, clean)
    _check_every(where, body.get("every"))
    for key in ("depth", "concurrency", "max_articles"):
        if key in body and body[key] < (0 if key == "depth" else 1):
            raise ConfigError(f"{where}: '{key}' must be a positive number")
    if body.get("delay", 0) < 0:
        raise ConfigError(f"{where}: 'delay' must be 0 or more seconds")
    return Source(
        name=name,
        domains=domains,
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        start_urls=urls["start_urls"],
        robots_sitemaps=body.get("robots_sitemaps", True),
        follow_allow=tuple(body.get("follow_allow", [])),
        follow_deny=tuple(body.get("follow_deny", [])),
        article_allow=tuple(body.get("article_allow", [])),
        depth=body.get("depth", 2),
        language=_language(where, body.get("language")),
        delay=body.get("delay"),
        concurrency=body.get("concurrency"),
        max_articles=body.get("max_articles"),
        every=body.get("every"),
        clean_drop=tuple(clean.get("drop", [])),
        clean_keep=tuple(clean.get("keep", [])),
        discover=body.get("discover", False),
    )


def _language(where: str, value: str | None) -> str | None:
    """The source's default language as articles store it (``German`` -> de, see
    :func:`~ingest.language.given_language`), so that ``--lang de`` finds its articles; a value
    that is no language is a config error."""
    if value is None:
        return None
    code = given_language(value)
    if code is None:
        raise ConfigError(
            f"{where}: 'language' {value!r} is not a language; give an ISO 639-1 code such as"
            " en (a 3-letter code for a language that has none)"
        )
    return code


def _domains(where: str, values: list[Any]) -> tuple[str, ...]:
    """Domains as host names: a URL or ``host:port`` here matched no page's host, so the crawl
    dropped every article as off-site and said nothing. Dots around one are dropped
    (``.example.com`` is how cookies say "and its subdomains", which a domain here includes)."""
    domains = []
    for value in values:
        domain = value.lower().strip().strip(".") if isinstance(value, str) else None
        if domain is not None and (domain == "" or _DOMAIN.fullmatch(domain)):
            domains.append(domain)
            continue
        raise ConfigError(
            f"{where}: 'domains' has {value!r}, which is not a host name; "
            'give the bare domain, e.g. "example.com" (no scheme, port or path)'
        )
    return tuple(domains)


def _url_list(where: str, key: str, values: list[Any]) -> tuple[str, ...]:
    for value in values:
        _check_url(value, where, key)
    return tuple(values)


def _check_url(value: Any, where: str, key: str) -> None:
    if not _is_http_url(value):
        raise ConfigError(f"{where}: '{key}' has {value!r}, which is not an http(s) URL")


def _is_http_url(value: Any) -> bool:
    """An http(s) URL with a host: what a sources-file entry or ``--url``/``--site`` takes."""
    return isinstance(value, str) and is_http(value) and bool(urlsplit(value).hostname)


def _check_regexes(where: str, key: str, values: list[Any]) -> None:
    for value in values:
        try:
            re.compile(value)
        except (re.error, TypeError) as exc:
            raise ConfigError(
                f"{where}: '{key}' pattern {value!r} is not a regex ({exc})"
            ) from None


def _check_selectors(where: str, clean: dict[str, Any]) -> None:
    """Compile the ``[clean]`` selectors now, as the extraction processes will: a bad one would
    otherwise fail every page of the source as ``extract_error``, long after the crawl started."""
    if set(clean) - {"drop", "keep"}:
        raise ConfigError(f"{where}: [clean] takes only 'drop' and 'keep' selector lists")
    lists = {key: clean.get(key, []) for key in ("drop", "keep")}
    for key, values in lists.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{where}: [clean] '{key}' must be a list of CSS selector strings")
    if not any(lists.values()):
        return
    from ingest.clean import RulesError, load_rules  # the cleaner pulls in bs4: only when needed

    try:
        load_rules(**lists)
    except RulesError as exc:  # names the selector and the CSS parser's complaint
        reason = " ".join(str(exc).split())
        raise ConfigError(f"{where}: [clean] {reason}; fix or remove that selector") from None


def _check_every(where: str, every: str | None) -> None:
    if every is None or _INTERVAL.match(every):
        return
    from croniter import croniter  # here: importing it costs every crawl's start 25 ms

    if not croniter.is_valid(every):
        raise ConfigError(f'{where}: \'every\' = {every!r}; use e.g. "30m", "6h" or a cron line')
