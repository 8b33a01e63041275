"""Attack throughput: images/s of PGD-10 (L-inf, eps 4/255) per model, fp32 gradients as the command runs them.
Prints measured figures only; speed does not depend on the weights, so random-init models are the default.

    python bench/attack_throughput.py --models deit_small_patch16_224=random,resnet50.tv_in1k=random --device cuda
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intriguing.attacks import attack_mode, pgd  # noqa: E402
from intriguing.device import resolve_device  # noqa: E402
from intriguing.zoo import load_model  # noqa: E402


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="deit_tiny_patch16_224=random,resnet18=random")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--batches", type=int, default=3, help="timed batches (after one warm-up batch)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    device = resolve_device(a.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(
        f"torch {torch.__version__}, device {device} "
        f"({name}),"
        f" PGD-{a.steps} L-inf eps 4/255, batch {a.batch_size}, fp32 gradients"
    )
    for spec in a.models.split(","):
        b = load_model(spec, device=device)
        size = tuple(b.input_size)
        x = torch.rand(a.batch_size, 3, *size, generator=torch.Generator().manual_seed(0)).to(device)
        y = torch.randint(0, 1000, (a.batch_size,), generator=torch.Generator().manual_seed(1)).to(device)
        with attack_mode(device):
            pgd(b, x, y, 4 / 255, 1 / 255, a.steps)  # warm-up
            sync(device)
            t = time.perf_counter()
            for _ in range(a.batches):
                pgd(b, x, y, 4 / 255, 1 / 255, a.steps)
            sync(device)
        sec = time.perf_counter() - t
        n = a.batches * a.batch_size
        print(f"{spec:40s} {n / sec:9.1f} images/s ({n * a.steps / sec:9.1f} forward+backward passes/s)")


if __name__ == "__main__":
    main()
