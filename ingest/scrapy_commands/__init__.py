"""Scrapy commands of this project (``COMMANDS_MODULE`` in :mod:`ingest.settings`).

Scrapy looks here for commands and lets one named like its own replace it: ``crawl.py`` makes
``scrapy crawl news`` check its input and report its run the way ``ingest crawl`` does.
"""
