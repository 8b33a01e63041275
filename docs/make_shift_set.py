"""Render the small shifted test set of the `intriguing validate` example (docs/experiments/validate.md).

From an ImageNet-style val folder it takes N images per class (evenly spaced in file order) and writes

    OUT/val/<wnid>/<file>                                   the images as they are
    OUT/imagenet-c/<corruption>/<severity>/<wnid>/<file>    ImageNet-C-style copies

The copies follow ImageNet-C's protocol (the toolkit's paper geometry: bilinear resize to 256, centre 224 crop, then
the corruption) through ``intriguing.corruptions.corrupt_batch_seeded`` with the image's position as its seed, saved
as JPEG quality 85.

    python docs/make_shift_set.py VAL_DIR OUT [--per-class 10] [--corruptions gaussian_noise,contrast,fog]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image

from intriguing.corruptions import corrupt_batch_seeded
from intriguing.data.decode import open_rgb
from intriguing.data.folders import PAPER_GEOMETRY, evenly_spaced
from intriguing.data.views import eval_transform


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("val", type=Path, help="ImageNet-style folder (<wnid>/*.JPEG)")
    ap.add_argument("out", type=Path, help="folder to write val/ and imagenet-c/ into")
    ap.add_argument("--per-class", type=int, default=10)
    ap.add_argument("--corruptions", default="gaussian_noise,contrast,fog")
    ap.add_argument("--severity", type=int, default=3)
    args = ap.parse_args()
    corruptions = [c.strip() for c in args.corruptions.split(",") if c.strip()]
    crop = eval_transform(PAPER_GEOMETRY)  # uint8 (3, 224, 224), as every command decodes the paper's geometry
    position = 0
    for wnid in sorted(p.name for p in args.val.iterdir() if p.is_dir()):
        files = sorted(p for p in (args.val / wnid).iterdir() if p.is_file())
        for i in evenly_spaced(len(files), args.per_class):
            src = files[i]
            (args.out / "val" / wnid).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, args.out / "val" / wnid / src.name)
            x = crop(open_rgb(str(src))).unsqueeze(0)
            for name in corruptions:
                y = corrupt_batch_seeded(x, name, args.severity, [position])
                folder = args.out / "imagenet-c" / name / str(args.severity) / wnid
                folder.mkdir(parents=True, exist_ok=True)
                Image.fromarray(y[0].permute(1, 2, 0).numpy()).save(folder / src.name, "JPEG", quality=85)
            position += 1
    print(f"{position} images x {len(corruptions)} corruptions (severity {args.severity}) in {args.out}")


if __name__ == "__main__":
    main()
