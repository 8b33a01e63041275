"""Print the comparison table of one table / figure of an `intriguing reproduce` report (for the docs' excerpts).

    python docs/report_table.py OUT/report.md "Fig. 2a / 8 (Fourier)"

The section is the one whose heading starts with the label; its table is the block of lines starting with ``|`` that
follows "| paper model |".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def section_table(report: str, label: str) -> list[str]:
    """The lines of the comparison table under the heading ``## <label>...`` ([] when there is none)."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"## {label}")), None)
    if start is None:
        return []
    table: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("| paper model |") or (table and line.startswith("|")):
            table.append(line)
        elif table:
            break
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("report", type=Path)
    ap.add_argument("label", help="the table / figure label the section heading starts with")
    args = ap.parse_args()
    table = section_table(args.report.read_text(), args.label)
    if not table:
        print(f"{args.report} has no comparison table under a heading starting with {args.label!r}", file=sys.stderr)
        return 2
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
