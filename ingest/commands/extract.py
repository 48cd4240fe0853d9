"""``ingest extract``: print the record extracted from one saved page or URL, as JSON.

A debugging aid for users adding a site: what would be stored, field by field.
"""

from __future__ import annotations

import json
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
        raise UserError(f"{url}: HTTP {exc.code}; check the URL") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"{url}: cannot fetch ({reason}); check the URL and the network") from None


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

    if is_http(target):
        body, content_type, final_url = fetch(target)
        page_url = page_url or final_url
    else:
        path = Path(target)
        if not path.is_file():
            raise UserError(f"{target}: no such file; give a saved page or an http(s) URL")
        body, content_type = path.read_bytes(), None
        page_url = page_url or path.resolve().as_uri()
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
