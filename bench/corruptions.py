"""Benchmark of on-the-fly ImageNet-C corruptions. Prints measured figures (nothing is asserted):

(a) seconds per image for each of the 15 corruptions at one severity and image size, in this process;
(b) wall time to corrupt one batch with every corruption (the work of one batch of the corruption
    sweep) serially vs. in N worker processes, as evaluate_corruptions.py does with --workers N.

    python bench/corruptions.py --size 224 --severity 3 --batch 8 --workers 4
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intriguing.corruptions import CORRUPTIONS  # noqa: E402
from intriguing.corruptions.backend import corrupt_array, load  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--severity", type=int, default=3)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    load()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(args.batch, args.size, args.size, 3), dtype=np.uint8)
    seeds = list(range(args.batch))
    print(f"{args.batch} random {args.size}x{args.size} images, severity {args.severity}")
    total = 0.0
    for name in CORRUPTIONS:
        t = time.perf_counter()
        corrupt_array(images, name, args.severity, seeds)
        dt = time.perf_counter() - t
        total += dt
        print(f"  {name:18s} {1000 * dt / args.batch:8.1f} ms/image")
    print(f"(a) all 15, serial: {total:.2f} s for the batch")
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for _ in range(args.workers):  # warm the workers' imports
            pool.submit(corrupt_array, images[:1], "contrast", 1, [0]).result()
        t = time.perf_counter()
        chunk = -(-args.batch // args.workers)  # one chunk of images per worker, as the sweep splits them
        jobs = [
            pool.submit(corrupt_array, images[i : i + chunk], name, args.severity, seeds[i : i + chunk])
            for name in CORRUPTIONS
            for i in range(0, args.batch, chunk)
        ]
        [j.result() for j in jobs]
        par = time.perf_counter() - t
    print(f"(b) all 15 in {args.workers} worker processes: {par:.2f} s (x{total / par:.1f} vs serial)")


if __name__ == "__main__":
    main()
