"""Scrapy's stats collector without its per-attribute-access hook.

Scrapy 2.19's ``StatsCollector`` defines ``__getattribute__`` to wrap its methods in a
deprecation check for a ``spider`` argument. The hook runs on every attribute access, its own
``self._stats`` included, and raises and catches an ``AttributeError`` each time. The engine,
downloader and middlewares update stats a dozen times per response, so the hook cost about
2% of the reactor thread in a crawl of local pages. This collector keeps the same methods and
stats (``MemoryStatsCollector``), minus the check: a ``spider`` argument is simply ignored.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class PlainStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` with plain attribute access (see the module docstring)."""

    __getattribute__ = object.__getattribute__
