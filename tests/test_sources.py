"""Sources file: valid entries load; every kind of mistake is one line naming file and entry."""

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.sources import load_sources, select_sources, site_source

ROOT = Path(__file__).resolve().parent.parent
_FEED = "[sources.x]\nfeeds = ['http://a/feed']\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_file_is_valid():
    sources = load_sources(ROOT / "sources.toml")
    assert {"demo-news", "demo-rheinblick", "demo-fieldnotes"} <= set(sources)
    assert len(sources) >= 5
    assert all(s.domains for s in sources.values())


def test_full_entry(tmp_path):
    path = write(
        tmp_path,
        """
[sources.site]
url = "https://news.example.org/"
feeds = ["https://news.example.org/feed"]
follow_deny = ["/video/"]
depth = 3
delay = 1.5
max_articles = 10
every = "*/15 * * * *"
[sources.site.clean]
drop = [".promo"]
""",
    )
    source = load_sources(path)["site"]
    assert source.domains == ("news.example.org",)
    assert source.start_urls == ("https://news.example.org/",)
    assert source.clean_drop == (".promo",)
    assert source.delay == 1.5 and source.depth == 3
    assert source.allows("https://example.org/a") is False
    assert source.allows("https://sub.news.example.org/a")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[sources.x]\nfeeds = 'http://a/'", "'feeds' has the wrong type"),
        ("[sources.x]\nfeeds = ['ftp://a/feed']", "not an http(s) URL"),
        ("[sources.x]\ndomains = ['a.org']", "no discovery method"),
        ("[sources.x]\nfeedz = ['http://a/']", "unknown key 'feedz'"),
        ("[sources.x]\nfeeds = ['http://a/']\nevery = 'sometimes'", "'every'"),
        ("[sources.x]\nfeeds = ['http://a/']\nfollow_deny = ['(']", "is not a regex"),
        ("[sources.x]\nfeeds = ['http://a/']\nmax_articles = 0", "positive"),
        ("[sources.x\nfeeds = 1", "not valid TOML"),
        ("title = 'x'", "unknown top-level key"),
        (f"{_FEED}[sources.x.clean]\ndrop = ['div[[']", "[clean] invalid drop selector 'div[['"),
        (f"{_FEED}[sources.x.clean]\nkeep = ['a:nosuch']", "invalid keep selector 'a:nosuch'"),
        (f"{_FEED}[sources.x.clean]\ndrop = ['p', '']", "invalid drop selector ''"),
        (f"{_FEED}[sources.x.clean]\ndrop = '.ad'", "'drop' must be a list of CSS selector"),
        (f"{_FEED}[sources.x.clean]\nkeep = [1]", "'keep' must be a list of CSS selector"),
        (f"{_FEED}[sources.x.clean]\ndorp = ['p']", "takes only 'drop' and 'keep'"),
        (f"{_FEED}language = 'xx'", "'language' 'xx' is not a language"),
    ],
)
def test_invalid_entries_name_file_entry_and_problem(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    text = str(info.value)
    assert str(path) in text and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("given", "stored"),
    [("de", "de"), ("German", "de"), ("de-DE", "de"), ("deu", "de"), ("FIL", "fil")],
)
def test_language_is_kept_as_the_code_articles_store(tmp_path, given, stored):
    """It becomes the language of articles that declare none: `German` stored as such was
    never found by `--lang de`. Languages with no two-letter code keep their three letters."""
    assert load_sources(write(tmp_path, f"{_FEED}language = '{given}'"))["x"].language == stored


def test_domain_written_with_dots_around_still_matches(tmp_path):
    """`.example.com` (as cookies and some crawlers write "and its subdomains") matched no host:
    every article was dropped as off-site."""
    text = "[sources.x]\nfeeds = ['https://www.example.com/feed']\ndomains = ['.Example.com.']"
    source = load_sources(write(tmp_path, text))["x"]
    assert source.domains == ("example.com",)
    assert source.allows("https://www.example.com/news/a.html")


def test_unknown_source_name(tmp_path):
    path = write(tmp_path, "[sources.a]\nfeeds = ['http://a.org/feed']")
    with pytest.raises(ConfigError, match="unknown source nope; known sources: a"):
        select_sources(load_sources(path), ["nope"], path)


def test_site_source_discovers():
    source = site_source("https://www.example.com/")
    assert source.discover and source.domains == ("example.com",)


def test_cli_bad_sources_file_exit_2_one_line(tmp_path):
    path = write(tmp_path, "[sources.x]\nfeeds = 3")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ingest",
            "crawl",
            "--sources",
            str(path),
            "--db",
            str(tmp_path / "n.db"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "[sources.x]" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "n.db").exists()  # validated before anything is created
