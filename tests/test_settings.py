"""Project settings that a crawl depends on but no crawl test would notice going wrong."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list


def _settings() -> Settings:
    settings = Settings()
    settings.setmodule("ingest.settings")
    return settings


def test_no_listener_is_even_loaded() -> None:
    """Telnet console and remote control (on by default in Scrapy 2.19) are off, and their
    modules are not imported at all (the remote-control one pulls in aiohttp)."""
    settings = _settings()
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    extensions = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert not [e for e in extensions if "telnet" in e or "remote_control" in e]
    assert "scrapy.extensions.corestats.CoreStats" in extensions  # the rest are still there


def test_depth_middleware_off_referer_middleware_on() -> None:
    middlewares = build_component_list(_settings().getwithbase("SPIDER_MIDDLEWARES"))
    assert "scrapy.spidermiddlewares.depth.DepthMiddleware" not in middlewares
    # Scrapy's redirect middlewares warn at every crawl start without it
    assert "scrapy.spidermiddlewares.referer.RefererMiddleware" in middlewares


def test_a_local_crawl_loads_its_redis_addon_without_redis() -> None:
    """Every crawl loads the add-on; only a distributed one needs redis and scrapy-redis."""
    import subprocess
    import sys

    code = (
        "import sys; from scrapy.settings import Settings; from scrapy.utils.misc import"
        " load_object; s = Settings(); s.setmodule('ingest.settings');"
        " [load_object(path)().update_settings(s) for path in s.getdict('ADDONS')];"
        " print(sorted(m for m in ('redis', 'scrapy_redis', 'ingest.distributed')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lean_components_replace_scrapys_own() -> None:
    """Scrapy's DownloaderStats would run beside ours (double counts); the meta-copy check and
    the default log formatter are replaced, not doubled (ingest.lean)."""
    settings = _settings()
    downloader = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert "ingest.lean.DownloaderStats" in downloader
    assert "scrapy.downloadermiddlewares.stats.DownloaderStats" not in downloader
    spider = build_component_list(settings.getwithbase("SPIDER_MIDDLEWARES"))
    assert "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware" not in spider
    assert settings.get("LOG_FORMATTER") == "ingest.lean.QuietLogFormatter"
