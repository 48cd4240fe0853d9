"""Shared fixtures: the demo sites served on 127.0.0.1 and helpers to run real crawls."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_ingest(
    *args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``ingest`` CLI in a subprocess (Scrapy's reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def rows(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Query a database file read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def demo_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The three demo sites built and served on free ports: theme -> origin."""
    from ingest.demo import build_demo, serve_demo

    root = tmp_path_factory.mktemp("demo-sites")
    build_demo(root)
    with serve_demo(root, fixed_ports=False) as bases:
        yield bases


@pytest.fixture(scope="session")
def demo_sources(demo_sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sources file for the served demo sites."""
    from ingest.demo import sources_toml

    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml(demo_sites), encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    """A Store on a fresh SQLite file (tests of storage and of the full-text index)."""
    from ingest.storage import Store

    s = Store(tmp_path / "news.db")
    yield s
    s.close()


@pytest.fixture
def read_only_folder(tmp_path):
    """(source folder, the same folder mounted read-only): what a read-only share or snapshot
    is. Needs a bind mount, so root with CAP_SYS_ADMIN (CI's containers); skipped elsewhere."""
    source, mounted = tmp_path / "src", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    bind = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount a folder here ({bind.stderr.decode().strip()})")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(mounted)]
        assert subprocess.run(remount, capture_output=True).returncode == 0
        yield source, mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a tiny file system with no space left: what a crawl meets after filling a
    disk. Needs a tmpfs mount, so root with CAP_SYS_ADMIN (CI's containers); skipped elsewhere."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        # unbuffered: ENOSPC once the 64 KiB are used, and nothing left to flush at close
        with (folder / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
