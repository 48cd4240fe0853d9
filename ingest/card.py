"""The dataset card written next to every export (``PATH.card.md``).

A dataset file travels without its database, so the card says what it holds and how to trust
it: the command that made it, the tool and database, the filters, counts per source and
language, the date range, the schema, and the SHA-256 of the data file. The YAML header follows
the Hugging Face dataset-card convention, so the folder can be pushed to the Hub as it is.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from ingest.export import ExportResult

_JSON_TYPES = {
    "authors": "list of strings",
    "tags": "list of strings",
    "word_count": "integer",
    "version": "integer",
}
#: The offset each time keeps is in its description (the site's for published_at, UTC for the
#: crawl's own times): one type line for all would say it wrong for half of them.
_TIME_NOTE = "string, ISO 8601 as stored"


def card_path(data_path: Path) -> Path:
    """``news.jsonl`` -> ``news.jsonl.card.md``."""
    return data_path.with_name(data_path.name + ".card.md")


def tool_version() -> str:
    try:
        return metadata.version("news-ingest")
    except metadata.PackageNotFoundError:
        return "unknown"


def write_card(result: ExportResult) -> Path:
    """Write the card of ``result`` next to its data file (atomically) and return its path."""
    path = card_path(result.path)
    part = path.with_name(path.name + ".part")
    part.write_text(render_card(result), encoding="utf-8")
    os.replace(part, path)
    return path


def render_card(result: ExportResult) -> str:
    """The card as Markdown."""
    sections = [
        _header(result),
        _made(result),
        _filters(result),
        _contents(result),
        _schema(result),
        _file(result),
        _loading(result),
    ]
    return "\n".join(sections)


def _header(result: ExportResult) -> str:
    name = result.path.name
    languages = sorted(lang for lang in result.languages if lang != "unknown")
    # Values quoted where YAML would misread them: a file named "x: y #1.jsonl" broke the
    # header, "no" (Norwegian) read as false, and an export without languages left null.
    return (
        f"---\npretty_name: {_yaml(result.path.stem)}\nlanguage:"
        + ("".join(f"\n- {_yaml(lang)}" for lang in languages) if languages else " []")
        + f"\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n"
        f"    path: {_yaml(name)}\n---\n\n# {name}\n\n"
        f"{result.rows} news articles exported from a news-ingest database "
        f"({result.format}).\n"
    )


def _made(result: ExportResult) -> str:
    run = result.last_run
    last = f"run {run['id']}, {run['status']} at {run['finished_at']}" if run else "none"
    return (
        "## How it was made\n\n"
        f"- Command: `{result.command}`\n"
        f"- Tool: news-ingest {tool_version()} (Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, pyarrow {pa.__version__})\n"
        f"- Database: `{result.db}` (last crawl: {last})\n"
        f"- Created: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        "- Order: by `url`; the same database and filters give a byte-identical JSONL/CSV file\n"
    )


def _filters(result: ExportResult) -> str:
    rows = [f"| {name} | {_show(value)} |" for name, value in result.filters.items()]
    return (
        "## Filters\n\n| filter | value |\n|---|---|\n" + "\n".join(rows) + "\n"
        if rows
        else "## Filters\n\nNone: every article.\n"
    )


#: A YAML value left plain: a name such as news-en.jsonl, never one YAML reads as a boolean.
_PLAIN_YAML = re.compile(r"(?!(?i:y|n|yes|no|on|off|true|false|null)$)[A-Za-z][\w.-]*")


def _yaml(value: str) -> str:
    """``value`` as a YAML scalar: plain when that reads back the same, else a JSON string."""
    return value if _PLAIN_YAML.fullmatch(value) else json.dumps(value, ensure_ascii=False)


def _show(value: object) -> str:
    """A value in a Markdown table cell: a ``|`` would end the cell."""
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value).replace("|", "\\|")


def _contents(result: ExportResult) -> str:
    span = (
        f"{result.published_from} to {result.published_to} (UTC)"
        if result.published_from
        else "no dated articles"
    )
    lines = [
        "## Contents\n",
        f"- Articles: {result.rows}",
        f"- Published: {span}; {result.without_date} without a publication date",
        f"- Duplicates left out: {result.duplicates_excluded}"
        + ("" if result.filters.get("exclude_duplicates") else " (not requested)"),
        "",
        "| source | articles |",
        "|---|---|",
        *[f"| {_show(s)} | {n} |" for s, n in sorted(result.sources.items())],
        "",
        "| language | articles |",
        "|---|---|",
        *[f"| {_show(lang)} | {n} |" for lang, n in sorted(result.languages.items())],
    ]
    return "\n".join(lines) + "\n"


def _type_of(result: ExportResult, name: str) -> str:
    from ingest.export import PARQUET_TYPES, TIME_FIELDS

    if result.format == "parquet":
        return str(PARQUET_TYPES[name]).replace("list<item: string>", "list<string>")
    if name in TIME_FIELDS:
        return _TIME_NOTE
    if result.format == "csv" and name in ("authors", "tags"):
        return "JSON list as text"
    return _JSON_TYPES.get(name, "string")


def _schema(result: ExportResult) -> str:
    from ingest.export import column_doc

    rows = [
        f"| `{n}` | {_type_of(result, n)} | {column_doc(n, result.format)} |" for n in result.fields
    ]
    return "## Schema\n\n| field | type | description |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def _file(result: ExportResult) -> str:
    return (
        "## File\n\n"
        f"- Name: `{result.path.name}` ({result.format}, {result.bytes} bytes)\n"
        f"- SHA-256: `{result.sha256}`\n\n"
        f"Check it with `sha256sum {result.path.name}`.\n"
    )


def _loading(result: ExportResult) -> str:
    name = result.path.name
    pandas = {
        "jsonl": f'pd.read_json("{name}", lines=True, dtype=False)',
        "csv": f'pd.read_csv("{name}", keep_default_na=False, na_values=[""])',
        "parquet": f'pd.read_parquet("{name}")',
    }[result.format]
    times = [n for n in result.fields if n in ("published_at", "modified_at")]
    if result.format != "parquet" and times:
        # Times keep the site's UTC offset; pandas needs utc=True to put them on one axis.
        pandas += "".join(
            f'\ndf["{n}"] = pd.to_datetime(df["{n}"], utc=True, format="ISO8601")' for n in times
        )
    duck = {"jsonl": "read_json_auto", "csv": "read_csv_auto", "parquet": "read_parquet"}[
        result.format
    ]
    hf = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}[result.format]
    return (
        "## Loading\n\n```python\n"
        f"import pandas as pd\ndf = {pandas}\n\n"
        f"import duckdb\nduckdb.sql(\"SELECT source, count(*) FROM {duck}('{name}') "
        'GROUP BY source").show()\n\n'
        f'from datasets import load_dataset\nds = load_dataset("{hf}", '
        f'data_files="{name}")\n```\n'
    )
