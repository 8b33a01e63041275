"""Ship the reference models: final weights of ``intriguing train --config recipes/<name>.yaml`` -> fp16 safetensors,
model card and index entry in ``intriguing/zoo/reference/`` (maintainers' script, run from the repository root).

    python recipes/ship.py deit_tiny_d6_p8_64_imagenette [NAME ...] [--val-path DIR]

Each NAME's training folder is read from its recipe's ``out_dir``; the shipped weights are then scored on the
validation folder through ``intriguing validate`` (the numbers of the card are the shipped fp16 weights').
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import torch
import yaml
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intriguing.zoo import reference  # noqa: E402
from intriguing.zoo.bundle import file_sha256  # noqa: E402

# one evaluation view for every reference model (timm's per-architecture defaults differ: 0.9 for DeiT, 0.95 for
# ResNet), so ViT-vs-CNN comparisons see the same pixels
DATA_CONFIG = {
    "input_size": [3, 64, 64],
    "interpolation": "bicubic",
    "mean": [0.485, 0.456, 0.406],
    "std": [0.229, 0.224, 0.225],
    "crop_pct": 0.875,
    "crop_mode": "center",
}
TITLES = {
    "deit_tiny_d6_p8_64_imagenette": "DeiT-Tiny, 6 blocks, patch 8",
    "resnet18_half_64_imagenette": "ResNet-18 at half width (32-64-128-256)",
    "deit_tiny_distilled_d6_p8_64_imagenette": "distilled DeiT-Tiny, 6 blocks, patch 8 (EfficientNet-Lite0 teacher)",
}


def trained_state(recipe: dict, provisional: bool) -> dict:
    """The finished model file of the recipe's run (``intriguing train``'s model.pth); with ``provisional``, the
    last epoch's checkpoint of a run still going (to develop against; never for a release)."""
    run = REPO / recipe["out_dir"]
    finals = sorted(run.glob("*/model.pth"))
    if len(finals) == 1:
        return torch.load(finals[0], map_location="cpu", weights_only=True)
    if not provisional:
        raise SystemExit(f"{run}: expected one finished model (*/model.pth), found {len(finals)}")
    from intriguing.experiments.train.config import Config

    last = next(run.glob("*/last.pth"))
    kwargs = {
        **Config(
            epochs=1, model_kwargs=tuple(f"{k}={v}" for k, v in recipe.get("model_kwargs", {}).items())
        ).build_kwargs(),
        "num_classes": 10,
        "img_size": recipe["img_size"],
    }
    if "resnet" in recipe["models"]:
        kwargs.pop("img_size")
    classes = sorted(d.name for d in (REPO / recipe["data_path"]).iterdir() if d.is_dir())
    return {
        "arch": recipe["models"],
        "kwargs": kwargs,
        "classes": classes,
        "state_dict": torch.load(last, map_location="cpu", weights_only=True)["model"],
    }


def last_epoch_rows(run: Path) -> list:
    with open(run / "records.csv") as f:
        rows = list(csv.DictReader(f))
    val = [r for r in rows if r["split"] == "val" and r["params"] == "model"]
    last = max(int(r["epoch"]) for r in val)
    return [r for r in val if int(r["epoch"]) == last]


def score(name: str, val_path: str, out: Path) -> dict:
    """top-1 / top-5 of the shipped weights through the ordinary command."""
    cmd = [
        sys.executable,
        "-m",
        "intriguing",
        "validate",
        "--models",
        name,
        "--data-path",
        val_path,
        "--out-dir",
        str(out),
        "--no-progress",
        "--no-plot",
        "--overwrite",
        "--workers",
        "0",
    ]
    subprocess.run(cmd, check=True, cwd=REPO)
    with open(out / "records.csv") as f:
        row = next(csv.DictReader(f))
    return {"val_top1": round(float(row["top1"]), 2), "val_top5": round(float(row["top5"]), 2), "n": int(row["n"])}


def card(name: str, entry: dict, recipe_path: Path, manifest: dict, heads: list) -> str:
    seconds = float(manifest.get("seconds", 0))
    lines = [
        f"# {name}",
        "",
        f"{entry['title']}, trained from scratch in this repository (`intriguing train`).",
        "",
        "| | |",
        "|---|---|",
        f"| architecture | timm `{entry['arch']}` with `{json.dumps(entry['kwargs'])}` |",
        f"| parameters | {entry['params'] / 1e6:.2f} M |",
        "| data | Imagenette train (9,469 ImageNet images, 10 classes), validated on Imagenette val (3,925 "
        "images held out from it: ImageNet train images and 134 ImageNet val images) |",
        f"| input | {DATA_CONFIG['input_size'][1]} px, bicubic, crop 0.875, ImageNet mean/std |",
        f"| recipe | `{recipe_path.relative_to(REPO)}` |",
        f"| command | `intriguing train --config {recipe_path.relative_to(REPO)}` |",
        f"| epochs | {entry['epochs']} |",
        f"| wall time | {seconds / 3600:.2f} h on {entry['device']} |",
        f"| val top-1 / top-5 (shipped fp16 weights) | {entry['val_top1']:.2f}% / {entry['val_top5']:.2f}% "
        f"({entry['val_images']} images) |",
        f"| weights | `{entry['file']}` (fp16 safetensors, {entry['bytes'] / 1e6:.1f} MB) |",
        f"| sha256 | `{entry['sha256']}` |",
    ]
    if len(heads) > 1:
        lines += [
            "",
            "Heads at the end of training (fp32, the training run's validation): "
            + ", ".join(f"{r['head']} {float(r['top1']):.2f}%" for r in heads)
            + ".",
        ]
    lines += [
        "",
        "Licence: the weights are MIT like the code; the training images are ImageNet images (Imagenette), "
        "used under ImageNet's terms (non-commercial research).",
        "",
    ]
    return "\n".join(lines)


def ship(name: str, val_path: str, device: str, provisional: bool = False) -> dict:
    recipe_path = REPO / "recipes" / f"{name}.yaml"
    recipe = yaml.safe_load(recipe_path.read_text())
    state = trained_state(recipe, provisional)
    tensors = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state["state_dict"].items()}
    reference.FOLDER.mkdir(exist_ok=True)
    path = reference.FOLDER / f"{name}.safetensors"
    save_file(tensors, str(path), metadata={"format": "intriguing-reference-v1", "name": name})
    path.chmod(0o644)  # safetensors writes 0600; package data is world-readable
    run = REPO / recipe["out_dir"]
    manifest = json.loads((run / "manifest.json").read_text())
    entry = {
        "title": TITLES[name],
        "arch": state["arch"],
        "kwargs": state["kwargs"],
        "classes": state["classes"],
        "data_config": DATA_CONFIG,
        "file": path.name,
        "sha256": file_sha256(str(path)),
        "bytes": path.stat().st_size,
        "params": sum(v.numel() for k, v in state["state_dict"].items() if not k.endswith("num_batches_tracked")),
        "epochs": int(recipe["epochs"]),
        "device": device,
        "recipe": f"recipes/{name}.yaml",
        "train_seconds": float(manifest.get("seconds", 0)),
    }
    index = json.loads(reference.INDEX.read_text()) if reference.INDEX.is_file() else {"models": {}}
    index["models"][name] = {
        **index["models"].get(name, {}),
        **entry,
        "val_top1": 0.0,
        "val_top5": 0.0,
        "val_images": 0,
    }
    reference.INDEX.write_text(json.dumps(index, indent=1) + "\n")
    reference.index.cache_clear()
    scores = score(name, val_path, REPO / "results" / "reference" / "ship" / name)
    entry.update(val_top1=scores["val_top1"], val_top5=scores["val_top5"], val_images=scores["n"])
    index["models"][name] = entry
    reference.INDEX.write_text(json.dumps(index, indent=1) + "\n")
    (reference.FOLDER / f"{name}.md").write_text(card(name, entry, recipe_path, manifest, last_epoch_rows(run)))
    return entry


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="+")
    p.add_argument("--val-path", default=str(REPO.parent / "shared/datasets/imagenette/val"))
    p.add_argument(
        "--device",
        default="2 shared CPU cores (three trainings at once)",
        help="what the card says the training ran on",
    )
    p.add_argument("--provisional", action="store_true", help="ship the last checkpoint of a run still going")
    args = p.parse_args()
    for name in args.names:
        e = ship(name, args.val_path, args.device, args.provisional)
        print(f"{name}: {e['val_top1']:.2f}% / {e['val_top5']:.2f}%, {e['bytes'] / 1e6:.1f} MB, sha256 {e['sha256']}")


if __name__ == "__main__":
    main()
