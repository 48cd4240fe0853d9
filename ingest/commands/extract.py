"""``ingest extract``: print the record extracted from one saved page or URL, as JSON.

A debugging aid for users adding a site: what would be stored, field by field.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import click

from ingest.decode import BinaryContent, decode_html
from ingest.errors import UserError
from ingest.urls import is_http

MAX_BYTES = 10 * 1024 * 1024


def fetch(url: str, timeout: float = 30.0) -> tuple[bytes, str | None, str]:
    """GET ``url`` (size-capped); return body, Content-Type and the final URL."""
    from ingest.settings import USER_AGENT

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise UserError(f"{url}: response larger than {MAX_BYTES // 2**20} MB; not a page")
            return body, response.headers.get("Content-Type"), response.geturl()
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib gives up after 10 redirects or on a loop
            raise UserError(f"{url}: redirects without end (a loop?); check the URL") from None
        raise UserError(f"{url}: HTTP {exc.code}; check the URL") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"{url}: cannot fetch ({reason}); check the URL and the network") from None


def read_page(target: str) -> bytes:
    """A saved page's bytes, capped as a crawl caps a response (DOWNLOAD_MAXSIZE): a bigger
    file would never be stored, and reading it whole could take all memory."""
    path = Path(target)
    if path.is_dir():
        raise UserError(f"{target}: is a folder; give a saved HTML page or an http(s) URL")
    if not path.is_file():
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", target):  # ftp://, file://, a typo of http
            raise UserError(
                f"{target}: only http(s) URLs are fetched; give an http(s) URL or a file"
            )
        raise UserError(f"{target}: no such file; give a saved page or an http(s) URL")
    try:
        with path.open("rb") as file:
            body = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UserError(f"{target}: cannot read ({exc.strerror}); give a readable file") from None
    if len(body) > MAX_BYTES:
        raise UserError(f"{target}: larger than {MAX_BYTES // 2**20} MB; not a page")
    return body


@click.command("extract")
@click.argument("target")
@click.option("--url", "page_url", help="The page's URL when TARGET is a saved file.")
@click.option("--drop", multiple=True, help="Extra CSS selector to remove (repeatable).")
@click.option("--keep", multiple=True, help="CSS selector to keep (repeatable).")
def extract_command(
    target: str, page_url: str | None, drop: tuple[str, ...], keep: tuple[str, ...]
) -> None:
    """Print the article record of TARGET (a saved HTML file or an http(s) URL) as JSON.

    \b
    Examples:
        ingest extract saved/page.html --url https://example.com/news/story.html
        ingest extract https://example.com/news/story.html
    """
    from ingest.clean import RulesError
    from ingest.extract import extract

    if page_url is not None and not is_http(page_url):
        raise UserError(f"--url: {page_url!r} is not an http(s) URL; give the page's address")
    if is_http(target):
        body, content_type, final_url = fetch(target)
        page_url = page_url or final_url
    else:
        body, content_type = read_page(target), None
        page_url = page_url or Path(target).resolve().as_uri()
    if not body.strip():
        raise UserError(f"{target}: empty, nothing to extract; give an HTML page")
    try:
        html, _ = decode_html(body, content_type)
    except BinaryContent as exc:
        raise UserError(f"{target}: {exc}; give an HTML page") from None
    try:
        article = extract(html, page_url, drop=drop, keep=keep)
    except RulesError as exc:  # a selector being tried out: say which, as sources.toml does
        reason = " ".join(str(exc).split())
        raise UserError(f"--drop/--keep: {reason}; fix or remove that selector") from None
    click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))


COMMANDS = [extract_command]
