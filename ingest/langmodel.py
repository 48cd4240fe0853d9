"""py3langid's language model, loaded from an uncompressed copy in the user's cache.

py3langid ships its model xz-compressed (4.5 MB, 68 MB unpacked): unpacking it takes about
0.4 s of CPU, which every crawl paid while its extraction workers were being prepared (the fork
server loads the model before it forks them, so the crawl's first pages waited for it). The
arrays are kept unpacked in ``$INGEST_CACHE_DIR`` (default ``$XDG_CACHE_HOME/news-ingest`` or
``~/.cache/news-ingest``) after the first load, and read back in about 0.1 s. The copy's name
carries py3langid's version and the model file's size and time, so an upgrade makes a new
one; a cache that cannot be read or written is ignored (the model then loads as before).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
import zipfile
from array import array
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The model's arrays, as ``LanguageIdentifier`` holds them, under the names of the copy.
_FIELDS = ("ptc", "pc", "classes", "nextmove", "row", "output")


def cache_dir() -> Path | None:
    """Where the unpacked model is kept (None: no home directory to keep it in)."""
    if os.environ.get("INGEST_CACHE_DIR"):
        return Path(os.environ["INGEST_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "news-ingest"
    try:
        return Path.home() / ".cache" / "news-ingest"
    except (RuntimeError, KeyError, OSError):  # no HOME and a uid without a passwd entry
        return None


def load_identifier(cache: Path | None = None) -> Any:
    """py3langid's ``LanguageIdentifier`` with normalised probabilities, from the unpacked
    copy in ``cache`` (default :func:`cache_dir`) when there is one, else from the model file
    (and the copy is written for next time)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    model = Path(MODEL_DIR) / MODEL_FILE
    cache = cache or cache_dir()
    copy = _copy_path(cache, model) if cache is not None else None
    if copy is not None and copy.exists():
        try:
            return _read_copy(copy, LanguageIdentifier)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.debug("language model copy %s unreadable (%s): loading the model file", copy, exc)
    identifier = LanguageIdentifier.from_model_file(model, norm_probs=True)
    if copy is not None:
        _write_copy(copy, identifier)
    return identifier


def _copy_path(cache: Path, model: Path) -> Path | None:
    try:
        stat = model.stat()
        release = version("py3langid")
    except (OSError, PackageNotFoundError):
        return None
    return cache / f"py3langid-{release}-{stat.st_size}-{stat.st_mtime_ns}.npz"


def _read_copy(copy: Path, identifier_class: Any) -> Any:
    import numpy as np

    with np.load(copy, allow_pickle=False) as data:
        if set(data.files) != set(_FIELDS):
            raise ValueError(f"fields {sorted(data.files)}")
        nextmove, row = array("I"), array("H")  # from the arrays' memory, no copy between
        nextmove.frombytes(memoryview(np.ascontiguousarray(data["nextmove"], np.uint32)).cast("B"))
        row.frombytes(memoryview(np.ascontiguousarray(data["row"], np.uint16)).cast("B"))
        return identifier_class(
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            nextmove,
            data["output"].tolist(),
            norm_probs=True,
            tk_row=row,
        )


def _write_copy(copy: Path, identifier: Any) -> None:
    """Write the copy beside its final name, then rename it (another process may be reading
    or writing the same copy); give up quietly when the cache is not writable."""
    import numpy as np

    if identifier.tk_nextmove.typecode != "I" or identifier.tk_row.typecode != "H":
        return  # another layout than this module reads back
    partial = copy.parent / f"py3langid-{os.getpid()}-{secrets.token_hex(4)}.npz.tmp"
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        # 0o666 less the umask, as any file: others sharing the cache read it
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        log.debug("language model copy not written to %s: %s", copy.parent, exc)
        return
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out,
                ptc=identifier.nb_ptc,
                pc=identifier.nb_pc,
                classes=np.array(identifier.nb_classes),
                nextmove=np.frombuffer(identifier.tk_nextmove, dtype=np.uint32),
                row=np.frombuffer(identifier.tk_row, dtype=np.uint16),
                output=np.asarray(identifier.tk_output, dtype=np.int32),
            )
        os.replace(partial, copy)
        _remove_others(copy)
    except OSError as exc:
        log.debug("language model copy not written to %s: %s", copy, exc)
        with contextlib.suppress(OSError):
            os.unlink(partial)


def _remove_others(copy: Path) -> None:
    """Copies of other model versions, and partial copies of writers killed over an hour ago:
    68 MB each, never read again."""
    stale = time.time() - 3600
    for path in copy.parent.glob("py3langid-*.npz"):
        if path != copy:
            with contextlib.suppress(OSError):
                path.unlink()
    for path in copy.parent.glob("py3langid-*.npz.tmp"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < stale:
                path.unlink()
