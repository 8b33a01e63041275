"""Golden records: every command's records.csv (and per_image.csv.gz) on tiny models and synthetic data.

``tests/test_records_golden.py`` runs each case below with the working tree and compares the bytes with the files in
this folder, which were written from the code of commit fadc865 (before the core v3 refactor, issue 26).
Regenerate them (only when a change of records is intended) with the pristine tree first on the path:

    rm -rf /tmp/pristine && mkdir -p /tmp/pristine && git -C /work/main archive fadc865 | tar -x -C /tmp/pristine
    cd /work/main && OMP_NUM_THREADS=1 .venv/bin/python tests/golden/make_golden.py /tmp/pristine [case ...]

The argument is the source root whose ``intriguing`` is imported (``.`` for the working tree). Data are built here
(no ../shared), the torch thread count is pinned to 1 (CPU float sums depend on it), and the temporary folder is
replaced by ``<WORK>`` in the outputs.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent

# Columns that legitimately differ between two runs of the same code: dropped before the comparison, nothing else.
VOLATILE = ("seconds", "probe_s", "extract_s")  # wall-clock timings

BASE = ["--workers", "0", "--no-progress", "--no-plot", "--device", "cpu"]
TWO = "test_tiny_vit,test_tiny_cnn"
CAL = ["--metrics", "topk,calibration"]
WNIDS = ["n01440764", "n02102040", "n02979186"]  # tench, springer, cassette player


# ---- synthetic data (seeded, small) ---------------------------------------------------------------------------------


def image_folder(root: Path) -> Path:
    """3 ImageNet wnid folders x 2 random-noise JPEGs of varied sizes."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for w in WNIDS:
        (root / w).mkdir(parents=True)
        for i in range(2):
            arr = rng.integers(0, 255, size=(70 + 10 * i, 90, 3), dtype=np.uint8)
            Image.fromarray(arr).save(root / w / f"img_{i}.JPEG")
    return root


def split_folder(root: Path) -> Path:
    """A transfer data set: train/ and val/ with 3 classes of distinct colours (4 train, 2 val images each)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    colours = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
    for split, n in (("train", 4), ("val", 2)):
        for name, rgb in colours.items():
            (root / split / name).mkdir(parents=True)
            for i in range(n):
                arr = np.clip(np.array(rgb) + rng.normal(0, 20, (40, 40, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(arr).save(root / split / name / f"{i}.png")
    return root


def voc_folder(root: Path) -> Path:
    """A VOC 2012 devkit of 3 images with palette masks (a class rectangle, a void border)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    base = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / sub).mkdir(parents=True)
    names = [f"2007_00000{i}" for i in range(3)]
    palette = [0, 0, 0] + [int(v) for v in rng.integers(0, 255, 3 * 254)] + [224, 224, 192]
    for i, n in enumerate(names):
        h, w = 60 + 8 * i, 72
        Image.fromarray(rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)).save(base / "JPEGImages" / f"{n}.jpg")
        mask = np.zeros((h, w), np.uint8)
        mask[10 + 3 * i : 40, 12 : 50 - 4 * i] = 1 + 5 * i
        mask[9 + 3 * i, 12 : 50 - 4 * i] = 255
        img = Image.fromarray(mask, mode="P")
        img.putpalette(palette)
        img.save(base / "SegmentationClass" / f"{n}.png")
    (base / "ImageSets" / "Segmentation" / "val.txt").write_text("\n".join(names) + "\n")
    return root


def cue_conflict_folder(root: Path) -> Path:
    """Geirhos-style cue-conflict stimuli: <shape>/<shape><i>-<texture><j>.png, noise images."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    for shape, textures in (("cat", ("dog", "car")), ("dog", ("cat", "clock")), ("car", ("cat", "car"))):
        (root / shape).mkdir(parents=True)
        for j, texture in enumerate(textures):
            Image.fromarray(rng.integers(0, 255, size=(64, 64, 3), dtype=np.uint8)).save(
                root / shape / f"{shape}{j + 1}-{texture}1.png"
            )
    return root


def paintings_folder(root: Path) -> Path:
    """Three flat "paintings" for stylize."""
    import numpy as np
    from PIL import Image

    root.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((48, 40, 3), 60 * i, np.uint8)).save(root / f"p{i}.png")
    return root


def adain_weights(root: Path) -> Path:
    """Seeded random AdaIN weights (vgg_normalised.pth, decoder.pth), as the release names them."""
    import torch

    from intriguing.experiments.stylize.adain import decoder, vgg_normalised

    root.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(vgg_normalised().state_dict(), root / "vgg_normalised.pth")
    torch.save(decoder().state_dict(), root / "decoder.pth")
    return root


def empty_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    return root


DATA: dict[str, Callable[[Path], Path]] = {
    "imgs": image_folder,
    "split": split_folder,
    "voc": voc_folder,
    "cue": cue_conflict_folder,
    "paintings": paintings_folder,
    "adain": adain_weights,
    "scratch": empty_folder,
}


# ---- the cases: one command line each (``{imgs}`` etc. are the data folders above) -----------------------------------

CASES: dict[str, list[str]] = {
    "occlusion-random": [
        "occlusion",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--drop",
        "random",
        "random-offset",
        "--ratios",
        "0",
        "0.5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "occlusion-saliency": [
        "occlusion",
        "--models",
        "test_tiny_vit,test_tiny_vit=random",
        "--data-path",
        "{imgs}",
        "--drop",
        "salient",
        "non-salient",
        "--saliency-model",
        "test_tiny_vit",
        "--ratios",
        "0",
        "0.25",
        "0.5",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "occlusion-grid": [
        "occlusion",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--grid",
        "2x2",
        "--fill",
        "mean",
        "--ratios",
        "0",
        "0.5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
    ],
    "occlusion-tokens": [
        "occlusion",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{imgs}",
        "--drop-mode",
        "tokens",
        "--ratios",
        "0",
        "0.5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "shuffle": [
        "shuffle",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--grids",
        "1x1",
        "2x2",
        "4x4",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "validate": ["validate", "--models", TWO, "--sets", "val={imgs}", "--batch-size", "4", "--per-image", *CAL],
    "fourier": ["fourier", "--models", TWO, "--data-path", "{imgs}", "--batch-size", "4"],
    "freq-noise": [
        "freq-noise",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--freqs",
        "0.1",
        "0.9",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "corruption": [
        "corruption",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--corruptions",
        "contrast,fog",
        "--severities",
        "1,5",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "segmentation": [
        "segmentation",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{voc}",
        "--input-size",
        "64",
        "--batch-size",
        "2",
        "--per-image",
    ],
    "lesion": [
        "lesion",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--fractions",
        "0",
        "0.5",
        "--stages",
        "2",
        "5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "per-block": [
        "per-block",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{imgs}",
        "--ratios",
        "0.5",
        "--grids",
        "2x2",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    # one model, the pass state saved after every batch (per-image rows are appended at each save, so their order
    # depends on it): the reference of the interrupt-and-resume test
    "occlusion-resume": [
        "occlusion",
        "--models",
        "test_tiny_cnn",
        "--data-path",
        "{imgs}",
        "--drop",
        "random",
        "random-offset",
        "--ratios",
        "0",
        "0.5",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "transfer-linear": [
        "transfer",
        "--models",
        TWO,
        "--data-path",
        "{split}",
        "--dataset",
        "folder",
        "--batch-size",
        "8",
        "--cache-dir",
        "{scratch}",
        "--epochs",
        "4",
        "--lrs",
        "1e-2",
        "--weight-decays",
        "1e-4",
        "--probe-batch-size",
        "8",
        "--blocks",
        "last1",
        "all",
    ],
    "transfer-fewshot": [
        "transfer",
        "--models",
        TWO,
        "--data-path",
        "{split}",
        "--dataset",
        "folder",
        "--batch-size",
        "8",
        "--cache-dir",
        "",
        "--mode",
        "fewshot",
        "--ways",
        "3",
        "--shots",
        "1",
        "--queries",
        "1",
        "--episodes",
        "5",
        "--blocks",
        "last1",
    ],
    "adversarial": [
        "adversarial",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--attacks",
        "fgsm",
        "pgd",
        "--eps",
        "0",
        "8",
        "--steps",
        "2",
        "--pictures",
        "0",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "patch": [
        "patch",
        "--models",
        "test_tiny_cnn=random,test_tiny_vit=random",
        "--data-path",
        "{imgs}",
        "--train-path",
        "{imgs}",
        "--steps",
        "2",
        "--train-batch",
        "4",
        "--areas",
        "0.1",
        "0.3",
        "--runs",
        "2",
        "--batch-size",
        "4",
        "--per-image",
        *CAL,
    ],
    "segmentation-figures": [
        "segmentation-figures",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{voc}",
        "--limit",
        "2",
        "--input-size",
        "64",
    ],
    "shape-bias": ["shape-bias", "--models", TWO, "--data-path", "{cue}", "--batch-size", "4", "--per-image", *CAL],
    "feature-correlation": [
        "feature-correlation",
        "--models",
        TWO,
        "--data-path",
        "{imgs}",
        "--ratios",
        "0",
        "0.5",
        "--batch-size",
        "4",
    ],
    "landscape": [
        "landscape",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{imgs}",
        "--points",
        "3",
        "--batches",
        "1",
        "--batch-size",
        "4",
        "--data",
        "clean",
        "--weight-decay",
        "0",
    ],
    "hessian": [
        "hessian",
        "--models",
        "test_tiny_vit",
        "--data-path",
        "{imgs}",
        "--batches",
        "1",
        "--batch-size",
        "4",
        "--top-k",
        "2",
        "--lanczos-steps",
        "4",
        "--power-iters",
        "3",
        "--trace-samples",
        "2",
        "--slq-vectors",
        "1",
    ],
    "train": [
        "train",
        "--models",
        "vit_tiny_patch16_224",
        "--data-path",
        "{imgs}",
        "--val-path",
        "{imgs}",
        "--img-size",
        "32",
        "--batch-size",
        "4",
        "--warmup-epochs",
        "1",
        "--epochs",
        "1",
    ],
    "stylize": [
        "stylize",
        "--data-path",
        "{imgs}",
        "--style-path",
        "{paintings}",
        "--target",
        "{scratch}/sin",
        "--content-size",
        "32",
        "--style-size",
        "32",
        "--batch-size",
        "4",
    ],
}
EACH_BATCH = ("occlusion-resume",)  # cases run with engine.core.CHECKPOINT_EVERY = 0
DRAWS_ONLY = ("stylize", "segmentation-figures")  # commands without --no-plot
ENV = {"stylize": {"INTRIGUING_WEIGHTS": "{adain}"}}  # environment of a case while it runs
# a folder of files a case writes besides records: compared by sha256 (after replacing the temporary folder)
WRITTEN = {"stylize": "scratch/sin"}


# ---- running a case and reading back what it wrote ------------------------------------------------------------------


def _unplaced(data: bytes, work: Path) -> bytes:
    """``data`` with the temporary folder ``work`` written as ``<WORK>``."""
    return data.replace(str(work).encode(), b"<WORK>")


def _normalise(data: bytes, work: Path) -> bytes:
    """``data`` with the temporary folder replaced and the VOLATILE columns dropped (bytes kept otherwise)."""
    data = _unplaced(data, work)
    header = data.split(b"\n", 1)[0].decode().rstrip("\r").split(",")
    drop = [i for i, name in enumerate(header) if name in VOLATILE]
    if not drop:
        return data
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(data.decode(), newline="")):
        writer.writerow([v for i, v in enumerate(row) if i not in drop])
    return out.getvalue().encode()


def run_case(case: str, work: Path) -> int:
    """Run ``case`` in ``work`` (the data folders are built there once); returns the exit status."""
    import torch

    from intriguing.cli import run_command
    from intriguing.engine import core

    command, *args = CASES[case]
    env = ENV.get(case, {})
    named = " ".join([*args, *env.values()])
    folders = {name: work / name for name in DATA if "{" + name + "}" in named}
    for name, path in folders.items():
        if not path.exists():
            DATA[name](path)
    base = [a for a in BASE if a != "--no-plot"] if command in DRAWS_ONLY else BASE
    threads, every, environ = torch.get_num_threads(), core.CHECKPOINT_EVERY, dict(os.environ)
    torch.set_num_threads(1)
    os.environ.update({k: v.format(**folders) for k, v in env.items()})
    if case in EACH_BATCH:
        core.CHECKPOINT_EVERY = 0.0
    try:
        return run_command(command, [a.format(**folders) for a in args] + ["--out-dir", str(work / "out"), *base])
    finally:
        torch.set_num_threads(threads)
        core.CHECKPOINT_EVERY = every
        os.environ.clear()
        os.environ.update(environ)


def produce(case: str, work: Path) -> dict[str, bytes]:
    """Run ``case`` in ``work`` (an empty folder); returns {golden file name: normalised bytes}."""
    code = run_case(case, work)
    if code != 0:
        raise RuntimeError(f"{case}: `intriguing {CASES[case][0]}` exited {code}")
    files = outputs(case, work / "out", work)
    if case in WRITTEN:
        root = work / WRITTEN[case]
        lines = [
            f"{p.relative_to(root)},{hashlib.sha256(_unplaced(p.read_bytes(), work)).hexdigest()}\n"
            for p in sorted(root.rglob("*"))
            if p.is_file()
        ]
        files[f"{case}.files.csv"] = ("path,sha256\n" + "".join(lines)).encode()
    return files


def outputs(case: str, out: Path, work: Path) -> dict[str, bytes]:
    """The normalised records (and per-image rows) a run wrote to ``out``."""
    files = {f"{case}.records.csv": _normalise((out / "records.csv").read_bytes(), work)}
    per_image = out / "per_image.csv.gz"
    if per_image.exists():
        files[f"{case}.per_image.csv"] = _normalise(gzip.decompress(per_image.read_bytes()), work)
    return files


def main(argv: list[str]) -> int:
    src = Path(argv[0]).resolve()
    sys.path[:0] = [str(src), str(TESTS)]
    import intriguing

    if not Path(intriguing.__file__).resolve().is_relative_to(src):
        raise SystemExit(f"imported {intriguing.__file__}, not the package under {src}")
    import conftest  # noqa: F401  (registers the tiny test models in the zoo)

    for case in argv[1:] or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in produce(case, Path(tmp)).items():
                (HERE / name).write_bytes(data)
                print(f"{name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
