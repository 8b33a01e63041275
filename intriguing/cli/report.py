"""``python -m intriguing.cli.report OUT_DIR``: reprint the summary and redraw the plots of a run from
its records (e.g. after merging runs or tweaking a plot)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from intriguing.experiments import get_analysis
from intriguing.errors import UserError
from intriguing.records import MANIFEST, read_records


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m intriguing.cli.report OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    try:
        if not (out / MANIFEST).is_file():
            raise UserError(f"{out} is not a results folder (no {MANIFEST}).")
        analysis = json.loads((out / MANIFEST).read_text()).get("analysis")
        records = read_records(out)
        if not analysis or not records:
            raise UserError(f"{out} has no records to report.")
        print(get_analysis(analysis).report(records, out))
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
