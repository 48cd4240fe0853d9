"""Article bodies are inflated in the extraction workers, not on the reactor thread.

Unit tests for :func:`ingest.decode.inflate` (limits, members, corrupt data), then a real
crawl of a gzip-serving site on 127.0.0.1: the stored raw copy of a UTF-8 page is the very
gzip stream the server sent (no second compression), a page in another charset is stored as
UTF-8, and a meta refresh on a gzip page is still followed.
"""

from __future__ import annotations

import gzip
import urllib.request
import zlib
from pathlib import Path

import pytest

from ingest.decode import BodyTooLarge, inflate
from ingest.process import SAME_AS_BODY, process_kept_page, with_body
from ingest.webserver import serve_site
from tests import runs_helpers as h

pytestmark = pytest.mark.timeout(300)


def test_inflate_reads_every_member_up_to_the_limit() -> None:
    one, two = b"<p>first member</p>" * 50, b"<p>second member</p>" * 50
    body = gzip.compress(one) + gzip.compress(two)
    assert inflate(body, len(one + two)) == one + two
    with pytest.raises(BodyTooLarge, match="DOWNLOAD_MAXSIZE"):
        inflate(body, len(one + two) - 1)
    assert inflate(body, 0) == one + two  # DOWNLOAD_MAXSIZE = 0: no limit


def test_inflate_stops_a_bomb_early_and_refuses_corrupt_data() -> None:
    bomb = gzip.compress(b" " * 50_000_000, compresslevel=9)
    with pytest.raises(BodyTooLarge):
        inflate(bomb, 1_000_000)
    with pytest.raises(zlib.error):
        inflate(bomb[: len(bomb) // 2], 100_000_000)  # truncated
    with pytest.raises(zlib.error):
        inflate(b"not gzip at all", 1000)


def _served_gzip(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        return response.read()


def _gzip_page(html: str, charset: str) -> dict:
    return {
        "url": "http://127.0.0.1/a/story.html",
        "source": "gz",
        "body": gzip.compress(html.encode(charset)),
        "content_encoding": "gzip",
        "content_type": f"text/html; charset={charset}",
    }


def test_a_kept_page_is_not_sent_back_but_named_and_put_back() -> None:
    story = " ".join(f"Sentence {n} of the council's ferry story, told in full." for n in range(40))
    html = f"<html><head><title>Ferry</title></head><body><article><h1>Ferry</h1><p>{story}</p>"
    html += f"<p>{story}</p></article></body></html>"
    utf8, latin = _gzip_page(html, "utf-8"), _gzip_page(html + "<p>café</p>", "iso-8859-1")
    named = process_kept_page(utf8)
    assert named["outcome"] == "new" and named["html_gz"] == SAME_AS_BODY
    assert with_body(named, utf8)["html_gz"] is utf8["body"]
    carried = process_kept_page(latin)  # re-encoded as UTF-8: a copy of its own
    assert carried["html_gz"] != SAME_AS_BODY
    assert gzip.decompress(with_body(carried, latin)["html_gz"]).decode().endswith("café</p>")


def test_crawl_keeps_wire_gzip_and_still_follows_meta_refresh(tmp_path: Path) -> None:
    site, db = tmp_path / "site", tmp_path / "news.db"
    items = h.articles(3)
    manifest = h.build(site, items)
    first, second, third = manifest.articles
    latin = (site / third.strip("/") / "index.html").read_text("utf-8")
    latin = latin.replace('<meta charset="UTF-8">', '<meta charset="iso-8859-1">')
    latin = latin.replace(items[2].title, items[2].title + " café")
    (site / third.strip("/") / "index.html").write_bytes(latin.encode("iso-8859-1"))
    padding = "<!-- " + "x" * 2000 + " -->"  # big enough for the server to gzip it
    (site / "moved.html").write_text(
        f'<html><head><meta http-equiv="refresh" content="0; url={second}">{padding}'
        "</head><body></body></html>"
    )
    sources = tmp_path / "sources.toml"
    sources.write_text('[sources.gz]\ndomains = ["127.0.0.1"]\n')
    with serve_site(site) as base:
        urls = [f"{base}{first}", f"{base}/moved.html", f"{base}{third}"]
        run = h.crawl(db, sources, *[arg for url in urls for arg in ("--url", url)])
        assert run.returncode == 0, run.stderr
        sent = _served_gzip(f"{base}{first}")
    rows = h.query(db, "SELECT a.url, a.title, p.html_gz FROM articles a JOIN pages p USING (url)")
    by_title = {title: (url, blob) for url, title, blob in rows}
    assert set(by_title) == {items[0].title, items[1].title, items[2].title + " café"}
    assert by_title[items[0].title][1] == sent  # stored as the server sent it
    assert by_title[items[1].title][0].endswith(second)  # reached through the meta refresh
    stored_latin = gzip.decompress(by_title[items[2].title + " café"][1]).decode("utf-8")
    assert items[2].title + " café" in stored_latin
