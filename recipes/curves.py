"""The reference models' validation curves under their shipped names (docs/images/reference_training.png).

    python recipes/curves.py [OUT_PNG]

Reads the training records each recipe's ``out_dir`` holds (what ``intriguing train --config recipes/NAME.yaml``
wrote) and draws top-1 per epoch on Imagenette val, every head of the distilled model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intriguing.plots.lines import line_plot  # noqa: E402
from intriguing.records import read_records  # noqa: E402
from intriguing.zoo import reference  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images" / "reference_training.png"
    rows = []
    for name in reference.index():
        run = REPO / yaml.safe_load((REPO / "recipes" / f"{name}.yaml").read_text())["out_dir"]
        for r in read_records(run):
            if r.get("split") == "val" and r.get("params") == "model":
                head = "" if r["head"] == "cls" and "distilled" not in name else f" ({r['head']} head)"
                rows.append({**r, "model": name + head})
    print(
        line_plot(
            rows,
            "epoch",
            "top1",
            ["model"],
            out,
            "epoch",
            "top-1 on Imagenette val (%)",
            "Reference models: validation accuracy per epoch\nImagenette val, 3,925 images, 64 px",
        )
    )


if __name__ == "__main__":
    main()
