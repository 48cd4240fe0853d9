"""The crawl's stats collector: Scrapy's stats semantics, without the attribute hook."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from ingest.crawlstats import PlainStatsCollector


def test_the_project_settings_select_it() -> None:
    settings = Settings()
    settings.setmodule("ingest.settings")
    assert settings["STATS_CLASS"] == "ingest.crawlstats.PlainStatsCollector"


def test_same_results_as_scrapys_collector() -> None:
    crawler = get_crawler()
    ours, scrapys = PlainStatsCollector(crawler), StatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.max_value("deepest", 3)
        stats.max_value("deepest", 1)
        stats.min_value("fastest", 5)
        stats.min_value("fastest", 2)
        stats.set_value("reason", "finished")
    assert ours.get_stats() == scrapys.get_stats()
    ours.inc_value("pages", spider=None)  # the old signature still works, without a warning
    assert ours.get_value("pages") == 4 and ours.get_value("missing", 7) == 7


def test_no_hook_on_attribute_access() -> None:
    assert PlainStatsCollector.__getattribute__ is object.__getattribute__
    assert StatsCollector.__getattribute__ is not object.__getattribute__  # why it exists
