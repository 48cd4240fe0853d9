"""The Scrapy add-on that makes ``ingest crawl`` a distributed worker when ``INGEST_REDIS_URL``
is set (see :mod:`ingest.distributed`).

It lives apart from :mod:`ingest.distributed` because every crawl loads it (``ADDONS`` in
:mod:`ingest.settings`), and that module imports redis and scrapy-redis: 65 ms of the start of
each local crawl, which needs neither.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings


class RedisMode:
    """Scrapy add-on: with ``INGEST_REDIS_URL`` set, the crawl becomes a distributed worker.

    The scheduler and duplicate filter become scrapy-redis ones (in
    :class:`~ingest.distributed.DistributedScheduler`), start requests go through
    :class:`~ingest.distributed.SeedOnceMiddleware`, and results go to Redis through
    :class:`~ingest.distributed.RedisResultPipeline` instead of the local
    :class:`~ingest.pipelines.StorePipeline`.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("INGEST_REDIS_URL"):
            return
        from ingest.distributed import RedisResultPipeline, SeedOnceMiddleware
        from ingest.pipelines import StorePipeline

        settings.set("SCHEDULER", "ingest.distributed.DistributedScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, None)
        settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisResultPipeline, 800)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnceMiddleware, 10)
