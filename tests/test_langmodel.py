"""py3langid's model is read back from an unpacked copy in the cache, identical to the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.langmodel import cache_dir, load_identifier

TEXTS = [
    "The council voted on Tuesday to keep the night ferry running through the winter.",
    "Der Stadtrat stimmte am Dienstag dafür, die Nachtfähre auch im Winter fahren zu lassen.",
    "Le conseil municipal a voté mardi pour maintenir le ferry de nuit pendant l'hiver.",
    "El ayuntamiento votó el martes mantener el ferry nocturno durante todo el invierno.",
    "Городской совет во вторник проголосовал за сохранение ночного парома зимой.",
    "市议会周二投票决定冬季继续运营夜间渡轮。",
]


def _same(a, b) -> None:
    for name in ("nb_ptc", "nb_pc"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
        assert getattr(a, name).dtype == getattr(b, name).dtype
    for name in ("nb_classes", "tk_nextmove", "tk_row", "tk_output"):
        assert getattr(a, name) == getattr(b, name)
    for text in TEXTS:
        assert a.classify(text) == b.classify(text)
        assert a.rank(text) == b.rank(text)


@pytest.fixture(scope="module")
def from_model(tmp_path_factory):
    """The model as py3langid loads it (an empty cache: nothing to read back)."""
    return load_identifier(tmp_path_factory.mktemp("first"))


def test_the_copy_is_written_once_and_read_back_identical(tmp_path: Path, from_model) -> None:
    first = load_identifier(tmp_path)  # writes the copy
    copies = list(tmp_path.glob("py3langid-*.npz"))
    assert len(copies) == 1 and not list(tmp_path.glob("*.tmp"))
    written = copies[0].stat().st_mtime_ns
    again = load_identifier(tmp_path)  # reads it
    assert copies[0].stat().st_mtime_ns == written
    _same(from_model, first)
    _same(from_model, again)


def test_a_broken_copy_is_replaced_and_the_model_still_loads(tmp_path: Path, from_model) -> None:
    load_identifier(tmp_path)
    (copy,) = tmp_path.glob("py3langid-*.npz")
    copy.write_bytes(copy.read_bytes()[:100_000])  # a copy cut short (disk full, killed)
    _same(from_model, load_identifier(tmp_path))
    _same(from_model, load_identifier(tmp_path))  # from the rewritten copy
    assert copy.stat().st_size > 10_000_000


def test_an_unwritable_cache_is_ignored(tmp_path: Path, from_model) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory should be")
    _same(from_model, load_identifier(blocked))


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INGEST_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "news-ingest"
    monkeypatch.setenv("INGEST_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_no_home_directory_means_no_cache(monkeypatch, from_model) -> None:
    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    for name in ("INGEST_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(homeless))
    assert cache_dir() is None
    _same(from_model, load_identifier())


def test_a_new_copy_replaces_the_copies_of_other_versions(tmp_path: Path, from_model) -> None:
    old = tmp_path / "py3langid-0.0.1-123-456.npz"
    old.write_bytes(b"an older model's copy")
    load_identifier(tmp_path)
    copies = sorted(p.name for p in tmp_path.iterdir())
    assert len(copies) == 1 and copies[0] != old.name and copies[0].endswith(".npz")
    assert (tmp_path / copies[0]).stat().st_mode & 0o044  # readable by others sharing it
