"""Defaults shared by the writer and the readers, in a module that imports nothing.

Commands that only read (``ingest search``) name the default database without importing the
storage layer, whose sqlite-utils import pulls in pandas and numpy (half a second).
"""

DEFAULT_DB = "data/news.db"


def one_run(column: str = "run_id") -> str:
    """The condition "rows of one run" on ``column`` (``fetch_log.run_id``), bound to one
    parameter.

    ``likelihood`` tells SQLite that a run is a small share of the log whatever its statistics
    say: after ``ANALYZE`` (ingest never runs it; a user or a tool may) on a database whose
    first run stored a million pages, sqlite_stat1 records a million rows per run id, and the
    planner then scans the whole log for every later run's figures (a run's end paid 0.2-0.6 s
    for it on 1.4M rows). ``likelihood`` returns its argument: results never change."""
    return f"likelihood({column} = ?, 0.001)"
