"""news-ingest: crawl news sites into clean article records in SQLite.

:func:`import_sqlite_utils` is how :mod:`ingest.storage` loads sqlite-utils.
"""

import sys
from types import ModuleType


def import_sqlite_utils() -> ModuleType:
    """sqlite-utils, imported without it importing pandas and numpy.

    sqlite-utils imports both when they are installed, only to map their value types to SQLite
    column types on insert. news-ingest never stores a pandas or numpy value, and the two
    imports cost 0.35 s of every command's start (the crawl's, each worker's, ``ingest
    search``'s). They stay importable for anyone who wants them afterwards: only the lookup
    made while sqlite-utils loads is refused. When a caller has already imported them,
    nothing is hidden.
    """
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import" raise ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils
