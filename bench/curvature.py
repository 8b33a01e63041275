"""Curvature speed: Hessian-vector products per second and the wall time of a 21x21 loss landscape, on a real
CIFAR-10 ResNet-56 (../shared weights) or any model. Prints measured figures only.

    python bench/curvature.py --device cuda
    python bench/curvature.py --device cpu --sample-points 3   # CPU: time a 3x3 grid, extrapolate to 21x21
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import intriguing  # noqa: E402
from intriguing.curvature.batches import decode, select_images, tensors  # noqa: E402
from intriguing.curvature.hessian import LossHessian, trainable  # noqa: E402
from intriguing.data import scan_folder  # noqa: E402
from intriguing.device import resolve_device  # noqa: E402
from intriguing.zoo import load_model  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
RESNET56 = SHARED / "weights" / "cifar10-resnet" / "resnet56-4bfd9763.th"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=f"cifar10_resnet56={RESNET56}")
    p.add_argument("--data-path", default=str(SHARED / "datasets" / "cifar10" / "test"))
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--batches", type=int, default=4, help="mini-batches in the landscape's fixed set")
    p.add_argument("--hvps", type=int, default=10)
    p.add_argument("--points", type=int, default=21)
    p.add_argument("--device", default="auto")
    p.add_argument(
        "--sample-points",
        type=int,
        default=0,
        help="time a PxP grid instead and extrapolate its mean per-point time to --points (slow devices)",
    )
    a = p.parse_args()
    device = resolve_device(a.device)
    b = load_model(a.model, device=device)
    images = select_images(scan_folder(a.data_path), 1, a.batch_size, 0)
    batches = tensors(decode(images, [b.geometry], a.batch_size, 0), b.geometry, "clean", 0, device)
    op = LossHessian(b, trainable(b.model), batches)
    v = torch.randn(op.n, device=device, generator=torch.Generator(device).manual_seed(0))
    op.matvec(v)  # warm-up
    sync(device)
    t = time.perf_counter()
    for _ in range(a.hvps):
        op.matvec(v)
    sync(device)
    hvp = (time.perf_counter() - t) / a.hvps
    print(
        f"{a.model.split('=')[0]} ({op.n:,} parameters), batch {a.batch_size}, device {device}"
        f"{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else ''}: "
        f"{1 / hvp:.1f} Hessian-vector products/s ({hvp * 1000:.1f} ms each)"
    )
    op.release()
    grid = a.sample_points or a.points
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        recs = intriguing.run(
            "landscape",
            models=a.model,
            data_path=a.data_path,
            points=grid,
            batches=a.batches,
            batch_size=a.batch_size,
            data=("clean",),
            device=str(device),
            workers=0,
            out_dir=tmp,
            no_progress=True,
            no_plot=True,
        )
        sec = time.perf_counter() - t
    per_point = sum(float(r["seconds"]) for r in recs) / len(recs)  # the command's own per-point timing
    print(
        f"{grid}x{grid} landscape on {a.batches} x {a.batch_size} images: {sec:.1f} s "
        f"({per_point * 1000:.0f} ms per grid point; {sec - per_point * len(recs):.1f} s model load and decode)"
    )
    if a.sample_points:
        est = sec - per_point * len(recs) + per_point * a.points**2
        print(
            f"EXTRAPOLATED, not measured: {a.points}x{a.points} = {a.points**2} points x {per_point:.2f} s "
            f"+ load/decode = {est:.0f} s ({est / 60:.1f} min)"
        )


if __name__ == "__main__":
    main()
