"""Record and refresh golden extraction cases (tests/golden/<case>/).

    python -m ingest.golden add NAME PAGE.html URL   # new case from a saved page
    python -m ingest.golden rerun [NAME ...]          # rewrite expected.json from the extractor
    python -m ingest.golden show NAME                 # print what the extractor gives now

A case folder holds ``page.html`` (the saved page, written by us: never a copy of a
third-party page), ``url`` (the address it was fetched from) and ``expected.json``: the
record fields the extractor must give, plus two lists a human fills in:
``sentences`` (article sentences that must survive) and ``boilerplate`` (strings that must not).
``rerun`` keeps those two lists and shows a diff of the fields it changes, so a reviewer sees
exactly what an extractor change did to each case.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from ingest.extract import extract

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "golden"
#: Record fields compared by the golden tests (derived and crawl-time fields are left out).
FIELDS = (
    "url", "title", "text", "authors", "published_at", "modified_at", "language",
    "description", "section", "tags", "image", "site_name", "kind",
)  # fmt: skip


def case_dir(name: str, root: Path = GOLDEN_DIR) -> Path:
    return root / name


def run_case(folder: Path) -> dict[str, Any]:
    """The extractor's current record for a case, restricted to the compared fields."""
    html = (folder / "page.html").read_text(encoding="utf-8")
    url = (folder / "url").read_text(encoding="utf-8").strip()
    record = extract(html, url).to_dict()
    return {name: record[name] for name in FIELDS}


def load_expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def write_expected(folder: Path, fields: dict[str, Any], old: dict[str, Any]) -> None:
    data = dict(fields)
    data["sentences"] = old.get("sentences", [])
    data["boilerplate"] = old.get("boilerplate", [])
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (folder / "expected.json").write_text(text, encoding="utf-8")


def add(name: str, page: Path, url: str, root: Path = GOLDEN_DIR) -> Path:
    """Create a case from a saved page; its expected record is the extractor's current one."""
    folder = case_dir(name, root)
    if folder.exists():
        raise FileExistsError(f"golden case {name!r} exists already; use `rerun {name}`")
    folder.mkdir(parents=True)
    shutil.copyfile(page, folder / "page.html")
    (folder / "url").write_text(url + "\n", encoding="utf-8")
    write_expected(folder, run_case(folder), {})
    return folder


def rerun(names: list[str], root: Path = GOLDEN_DIR) -> list[str]:
    """Rewrite expected.json of the named cases (all when none); returns the diff lines."""
    folders = [case_dir(n, root) for n in names] or sorted(p.parent for p in root.glob("*/url"))
    diff: list[str] = []
    for folder in folders:
        old = load_expected(folder) if (folder / "expected.json").exists() else {}
        new = run_case(folder)
        before = {k: old.get(k) for k in FIELDS}
        diff += difflib.unified_diff(
            json.dumps(before, ensure_ascii=False, indent=1).splitlines(),
            json.dumps(new, ensure_ascii=False, indent=1).splitlines(),
            f"{folder.name}/expected.json", f"{folder.name} (now)", lineterm="",
        )  # fmt: skip
        write_expected(folder, new, old)
    return diff


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ingest.golden", description=__doc__.split("\n\n")[0]
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    p_add = sub.add_parser("add", help="new case from a saved page")
    p_add.add_argument("name")
    p_add.add_argument("page", type=Path)
    p_add.add_argument("url")
    p_rerun = sub.add_parser("rerun", help="rewrite expected.json from the extractor")
    p_rerun.add_argument("names", nargs="*")
    p_show = sub.add_parser("show", help="print the extractor's record for a case")
    p_show.add_argument("name")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "add":
            folder = add(args.name, args.page, args.url)
            print(f"wrote {folder}; now fill in 'sentences' and 'boilerplate' in expected.json")
        elif args.cmd == "rerun":
            print("\n".join(rerun(args.names)) or "no changes")
        else:
            print(json.dumps(run_case(case_dir(args.name)), ensure_ascii=False, indent=2))
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
