"""Defaults shared by the writer and the readers, in a module that imports nothing.

Commands that only read (``ingest search``) name the default database without importing the
storage layer, whose sqlite-utils import pulls in pandas and numpy (half a second).
"""

DEFAULT_DB = "data/news.db"
