"""Content faults, injected for real: pages that arrive fine over HTTP but are binary, empty,
broken, absurdly nested, mislabelled or huge. One crawl; each test checks one page's fate, and
that the good articles (and the recoverable bad pages) are stored exactly once and correctly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.reliability import faults as F
from tests.reliability.checks import (
    FaultCrawl,
    check_crawl_survived,
    crawl,
    ledger,
    logged,
)


def french(tag: str) -> F.Story:
    """French text full of characters that cp1252 and cp1250 encode differently (œ € “ …)."""
    return F.Story(
        f"fr-{tag}",
        f"Le marché couvert rouvre après deux ans de travaux ({tag})",
        (
            f"Dépêche {tag} : le café de la Fête, fermé depuis l'été, a rouvert à l'aube.",
            "« Où est passé le théâtre ? » demandaient les élèves, déjà réunis devant la façade.",
            "Les œuvres du cœur de ville coûtent 20 € de plus – un « naïf » projet, disait-on…",
            "Le maire a promis une réponse “avant Noël” au sujet de la rénovation du quai.",
        ),
    )


def french_plain(tag: str) -> F.Story:
    """French whose UTF-8 bytes all happen to be valid cp1252 too (é = C3 A9 reads as "Ã©"):
    only the content, not a failed decode, can tell which one it is."""
    return F.Story(
        f"frp-{tag}",
        f"Réouverture du marché à Lyon ({tag})",
        (
            f"Dépêche {tag} : le marché couvert a rouvert à l'aube après deux années de travaux.",
            "Les élèves du lycée ont visité la façade rénovée et le théâtre d'été voisin.",
            "Le maire a salué une réussite et promis d'étendre les horaires dès l'hiver prochain.",
        ),
    )


def japanese(tag: str) -> F.Story:
    return F.Story(
        f"ja-{tag}",
        f"東京都が新しい防災計画を発表（{tag}）",
        (
            f"【{tag}】東京都は月曜日、新しい防災計画を発表した。避難所の増設が柱となる。",
            "計画には高齢者への支援強化や、外国人向けの多言語案内も含まれている。",
            "知事は記者会見で「市民の安全が最優先だ」と述べ、予算の確保を約束した。",
            "専門家は、地域の訓練を増やすことが次の課題になると指摘している。",
        ),
    )


Crawled = FaultCrawl


def _page(story: F.Story, **kwargs: str) -> str:
    return F.article_html(story, **kwargs)


def build(site: F.FaultSite) -> None:
    for n in range(4):
        site.good(f"/news/plain-story-{n}.html")
    # Not HTML at all, whatever the header says.
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256))
    site.route("/news/pdf-as-html.html", F.content(pdf), in_feed=True)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    site.route("/news/png-as-html.html", F.content(png), in_feed=True)
    site.route("/news/real-pdf-report.html", F.content(pdf, "application/pdf"), in_feed=True)
    site.route(
        "/news/gzip-without-header.html",
        F.content(F.gzipped(_page(F.make_story("gz")).encode())),
        in_feed=True,
    )
    # Nothing to store.
    site.route("/news/empty-body.html", F.content(b""), in_feed=True)
    site.route("/news/whitespace-body.html", F.content(b" \r\n\t \n" * 50), in_feed=True)
    site.route(
        "/news/no-text-page.html",
        F.content(
            b"<html><head><title>Gallery</title></head><body><nav><a href='/'>Home</a></nav>"
            + b"<div class='gallery'>"
            + b"".join(b"<img src='/img/%d.jpg' alt=''>" % i for i in range(50))
            + b"</div></body></html>"
        ),
        in_feed=True,
    )
    script_text = "The council met on Tuesday and approved the ferry timetable for spring. " * 20
    site.route(
        "/news/script-only-page.html",
        F.content(
            (
                "<html><head><title>App</title><script>var story = "
                + json.dumps(script_text)
                + ";</script></head><body><div id='app'></div><script>document.getElementById"
                "('app').textContent = story;</script><noscript>Enable JavaScript.</noscript>"
                "</body></html>"
            ).encode()
        ),
        in_feed=True,
    )
    # Broken and absurd markup around a real article: must be stored, whole.
    malformed = F.make_story("malformed")
    site.stories["/news/malformed-markup.html"] = malformed
    broken = (
        _page(malformed, before="<div><table><tr><td><span><b>Top <i>stories</b></td></div>")
        .replace("</p>", "", 2)
        .replace("<main>", "<main><<>>&&& </ div><p <p>")
    )
    site.route("/news/malformed-markup.html", F.content(broken.encode()), in_feed=True)
    deep = F.make_story("deep-divs")
    site.stories["/news/deep-nested-divs.html"] = deep
    site.route(
        "/news/deep-nested-divs.html",
        F.content(_page(deep, before="<div>" * 100_000 + "x" + "</div>" * 100_000).encode()),
        in_feed=True,
    )
    wrapped = F.make_story("deep-wrapped")
    site.stories["/news/deep-wrapped-article.html"] = wrapped
    body = _page(wrapped)
    start, end = body.index("<main>"), body.index("</main>") + len("</main>")
    body = body[:start] + "<div>" * 50_000 + body[start:end] + "</div>" * 50_000 + body[end:]
    site.route("/news/deep-wrapped-article.html", F.content(body.encode()), in_feed=True)
    fonts = F.make_story("unclosed-fonts")
    site.stories["/news/unclosed-fonts.html"] = fonts
    site.route(
        "/news/unclosed-fonts.html",
        F.content(_page(fonts, before="<font size=2><b>" * 400 + "Menu").encode()),
        in_feed=True,
    )
    # Charsets: what the bytes are, not what the label says.
    utf8, latin1 = "text/html; charset=utf-8", "text/html; charset=iso-8859-1"
    for path, story, enc, ctype, meta in (
        ("/news/cp1252-labelled-utf8.html", french("a"), "cp1252", utf8, "utf-8"),
        ("/news/cp1252-no-charset.html", french("b"), "cp1252", "text/html", None),
        ("/news/sjis-labelled-utf8.html", japanese("a"), "shift_jis", utf8, "utf-8"),
        ("/news/sjis-no-charset.html", japanese("b"), "shift_jis", "text/html", None),
        ("/news/utf8-labelled-latin1.html", french("c"), "utf-8", latin1, "iso-8859-1"),
        ("/news/utf8-plain-labelled-latin1.html", french_plain("d"), "utf-8", latin1, None),
        ("/news/utf16-with-bom.html", japanese("c"), "utf-16", "text/html", None),
    ):
        site.stories[path] = story
        body = _page(story, meta_charset=meta).encode(enc)
        site.route(path, F.content(body, ctype), in_feed=True)
    # Huge: 3 MB of comments and navigation around a normal article.
    huge = F.make_story("huge-page")
    site.stories["/news/huge-page.html"] = huge
    junk = "".join(
        f"<div class='comment'><p>Comment {i}: I agree with the previous commenter about "
        f"the parking situation near the station, it has been bad for years.</p></div>"
        for i in range(20_000)
    )
    site.route(
        "/news/huge-page.html",
        F.content(_page(huge, after=f"<section class='comments'>{junk}</section>").encode()),
        in_feed=True,
    )
    site.feed("/feed.xml")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("content-faults")
    site = F.FaultSite()
    build(site)
    with site.serve() as base:
        sources = tmp / "sources.toml"
        sources.write_text(
            f'[sources.content]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/feed.xml"]\n'
            "robots_sitemaps = false\n"
        )
        db = tmp / "news.db"
        yield Crawled(site, crawl(db, sources, "content"), db)


def test_crawl_survives_every_content_fault(crawled: Crawled, report) -> None:
    obs = report(
        "all content faults in one crawl",
        "crawl ends (exit 0 or 3), no traceback, good and recoverable pages stored once, DB ok",
    )
    check_crawl_survived(obs, crawled.result, crawled.db, crawled.site.expected())


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/pdf-as-html.html", "PDF served as text/html"),
        ("/news/png-as-html.html", "PNG served as text/html"),
        ("/news/real-pdf-report.html", "PDF with its own Content-Type"),
        ("/news/gzip-without-header.html", "gzip bytes without Content-Encoding"),
    ],
)
def test_binary_bodies_are_not_stored(crawled: Crawled, report, path, label) -> None:
    obs = report(label, "logged not_html, nothing stored")
    log = crawled.observe(obs, path)
    assert [r["outcome"] for r in log] == ["not_html"]
    assert crawled.stored(path) is None


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/empty-body.html", "empty body (200, 0 bytes)"),
        ("/news/whitespace-body.html", "body of whitespace only"),
        ("/news/no-text-page.html", "page with images and no text"),
        ("/news/script-only-page.html", "script-only page (text only in JavaScript)"),
    ],
)
def test_pages_without_text_are_logged_empty(crawled: Crawled, report, path, label) -> None:
    obs = report(label, "logged empty, nothing stored (no script text as article)")
    log = crawled.observe(obs, path)
    assert [r["outcome"] for r in log] == ["empty"]
    assert crawled.stored(path) is None


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/malformed-markup.html", "malformed markup (stray tags, unclosed, junk)"),
        ("/news/deep-nested-divs.html", "100,000 nested <div>s before the article"),
        ("/news/deep-wrapped-article.html", "article inside 50,000 nested <div>s"),
        ("/news/unclosed-fonts.html", "800 unclosed <font><b> tags before the article"),
        ("/news/huge-page.html", "huge page (3 MB of comments around the article)"),
    ],
)
def test_broken_or_huge_markup_still_yields_the_article(crawled, report, path, label) -> None:
    obs = report(label, "no crash or recursion error; article stored whole, once")
    log = crawled.log(path)
    obs.saw(logged(log))
    book = ledger(crawled.db, {crawled.site.url(path): crawled.site.stories[path]})
    obs.count(book)
    stored = crawled.stored(path)
    if stored:
        obs.saw(f"{stored['word_count']} words stored")
    assert [r["outcome"] for r in log] == ["new"]
    assert book.ok(), book


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/news/cp1252-labelled-utf8.html", "cp1252 page labelled UTF-8 (header and meta)"),
        ("/news/cp1252-no-charset.html", "cp1252 page with no charset anywhere"),
        ("/news/sjis-labelled-utf8.html", "Shift_JIS page labelled UTF-8"),
        ("/news/sjis-no-charset.html", "Shift_JIS page with no charset anywhere"),
        ("/news/utf8-labelled-latin1.html", "UTF-8 page labelled ISO-8859-1"),
        (
            "/news/utf8-plain-labelled-latin1.html",
            "UTF-8 page labelled ISO-8859-1, all bytes cp1252",
        ),
        ("/news/utf16-with-bom.html", "UTF-16 page with BOM, no label"),
    ],
)
def test_stored_text_is_decoded_right(crawled: Crawled, report, path, label) -> None:
    story = crawled.site.stories[path]
    obs = report(label, "stored text and title exactly the original characters")
    stored = crawled.stored(path)
    bad = [p for p in story.paragraphs if stored is None or p not in (stored["text"] or "")]
    obs.saw(f"{logged(crawled.log(path))}; {len(story.paragraphs) - len(bad)} of "
            f"{len(story.paragraphs)} paragraphs exact")  # fmt: skip
    if stored:
        obs.saw(f"title {'exact' if stored['title'] == story.title else repr(stored['title'])}")
    obs.count(ledger(crawled.db, {crawled.site.url(path): story}))
    assert stored is not None
    assert not bad, stored["text"][:300]
    assert stored["title"] == story.title
    assert "\ufffd" not in stored["text"]
