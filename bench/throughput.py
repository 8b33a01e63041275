"""Throughput of the random PatchDrop sweep against the forward-pass limit. Prints measured figures only.

On the same model and images:
(a) timm-style bare forward passes on pre-decoded, pre-normalised tensors (the limit), images/s, and the matrix
    FLOP/s they reach (torch's FlopCounterMode count per image x images/s; against the device's peak);
(b) our full random sweep (--ratios x --runs through the engine: decode once, every condition), counted in forward
    passes per second; the ratio (b)/(a) is how close the sweep runs to the limit;
(c) the original protocol: for every ratio and run, reload the model and the data loader, re-decode every image,
    one fp32 pass; the ratio (b)/(c) is our speed-up over it;
(d) for a ViT, --drop-mode tokens vs pixel drop at 50%: one forward pass each, and the sweep's own evaluation of
    the 50% conditions (--runs of them per batch; token drop embeds each batch's patches once for all of them);
(e) on CUDA, the host syncs torch reports inside the sweep (torch.cuda.set_sync_debug_mode): each one makes the GPU
    wait for Python.

    python bench/throughput.py --images 256 --model deit_small_patch16_224=random --runs 5 --device cuda
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from intriguing.data import limit_samples, make_loader, scan_folder
from intriguing.data.views import MultiViewDataset, collate
from intriguing.device import autocast, resolve_device
from intriguing.engine import EngineOptions, run_sweep
from intriguing.experiments.occlusion.config import Config
from intriguing.experiments.occlusion.sweep import OcclusionSweep, forward_kept_tokens
from intriguing.perturb import drop_pixels, random_drop_mask
from intriguing.records import RunDir
from intriguing.runner import fast_path
from intriguing.seeding import generator
from intriguing.zoo import load_model

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imagenette" / "val"


def timed(fn) -> float:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t


def original(spec, images, ratios, runs, bs, workers, device) -> None:
    """The original's structure: per ratio and run, a fresh model, a fresh plain DataLoader (one worker decodes a
    whole batch, as torchvision's ImageFolder loader does), a full decode, fp32."""
    for r in ratios:
        for _ in range(runs if r > 0 else 1):
            b = load_model(spec, device=device)
            ds = MultiViewDataset(images.samples, [b.geometry])
            for batch in torch.utils.data.DataLoader(
                ds, batch_size=bs, num_workers=workers, collate_fn=collate(ds.geometries)
            ):
                x = batch.views[b.geometry].to(device).float().div_(255)
                g = x.shape[-1] // (b.patch_size or 16)
                with torch.inference_mode():
                    b(drop_pixels(x, random_drop_mask(len(batch), (g, g), r, generator(0), per_image=False).to(device)))


def ours(bundle, images, ratios, runs, bs, workers, device, precision, stack=1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(ratios=tuple(ratios), runs=runs, stack_conditions=stack)
        run_sweep(
            OcclusionSweep(config),
            [bundle],
            images,
            RunDir(tmp, {}),
            EngineOptions(batch_size=bs, workers=workers, device=device, precision=precision, progress=False),
        )


def bare(model, decoded, n_forwards, device, precision) -> None:
    with torch.inference_mode(), autocast(device, precision):
        for _ in range(n_forwards):
            for x in decoded:
                model(x)


def flops_per_image(model, x) -> float:
    """Matrix FLOPs of one forward of one image (torch.utils.flop_counter: matmuls, convolutions, attention)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(x)
    return counter.get_total_flops()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="deit_small_patch16_224=random")
    p.add_argument("--data-path", default=str(DEFAULT_DATA))
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--ratios", type=float, nargs="+", default=[round(0.1 * i, 1) for i in range(10)])
    p.add_argument("--runs", type=int, default=5, help="runs per ratio (the use case: 10 ratios x 5 runs)")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="auto", choices=["auto", "amp", "fp32"])
    p.add_argument("--compile", action="store_true", help="torch.compile the model for (a) and (b)")
    p.add_argument("--stack", type=int, default=1, help="--stack-conditions of the sweep (b): conditions per forward")
    p.add_argument("--skip-original", action="store_true", help="skip (c), the slowest part")
    a = p.parse_args()
    device = resolve_device(a.device)
    torch.set_grad_enabled(False)
    images = limit_samples(scan_folder(a.data_path), a.images)
    bundle = load_model(a.model, device=device)
    flops = flops_per_image(bundle.model, torch.rand(1, *bundle.data_config["input_size"], device=device))
    bundle = fast_path(bundle, device, a.compile)  # counted before compiling: same operations
    decoded = [
        bundle.normalize(batch.views[bundle.geometry].to(device).float().div_(255))
        for batch in make_loader(images, [bundle.geometry], a.batch_size, a.workers)
    ]
    bare(bundle.model, decoded[:1], 2, device, a.precision)  # warm-up (and compilation)
    n_fwd = len([r for r in a.ratios if r > 0]) * a.runs + (1 if 0 in a.ratios else 0)
    print(
        f"model {a.model}, {len(images)} images, {len(a.ratios)} ratios x {a.runs} run(s) = {n_fwd} forwards per "
        f"image, device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}), "
        f"precision {a.precision}, compile {a.compile}, conditions per forward {a.stack}, "
        f"threads {torch.get_num_threads()}"
    )
    t_bare = timed(lambda: bare(bundle.model, decoded, n_fwd, device, a.precision))
    t_ours = timed(
        lambda: ours(bundle, images, a.ratios, a.runs, a.batch_size, a.workers, device, a.precision, a.stack)
    )
    total = n_fwd * len(images)
    print(
        f"(a) bare forwards: {total / t_bare:.1f} img/s ({flops / 1e9:.2f} GFLOP/image: "
        f"{total / t_bare * flops / 1e12:.2f} TFLOP/s)"
    )
    print(f"(b) our sweep: {total / t_ours:.1f} forwards/s = {100 * t_bare / t_ours:.1f}% of the bare-forward limit")
    if not a.skip_original:
        t_orig = timed(lambda: original(a.model, images, a.ratios, a.runs, a.batch_size, a.workers, device))
        print(f"(c) original protocol: {total / t_orig:.1f} forwards/s; our sweep is {t_orig / t_ours:.2f}x faster")
    if bundle.is_vit:
        g = tuple(bundle.model.patch_embed.grid_size)
        batches = list(make_loader(images, [bundle.geometry], a.batch_size, a.workers))
        x01 = [batch.views[bundle.geometry].to(device).float().div_(255) for batch in batches]
        masks = [random_drop_mask(len(x), g, 0.5, generator(i)).to(device) for i, x in enumerate(x01)]
        k = int(masks[0][0].sum())  # the sweep knows the count per image from the condition
        with torch.inference_mode(), autocast(device, a.precision):

            def pixels():
                return [bundle(drop_pixels(x, m)) for x, m in zip(x01, masks)]

            def tokens():
                return [forward_kept_tokens(bundle, x, m, k) for x, m in zip(x01, masks)]

            pixels(), tokens()  # warm-up on every batch shape
            t_pix = sorted(timed(pixels) for _ in range(5))[2]  # medians of 5
            t_tok = sorted(timed(tokens) for _ in range(5))[2]
        print(
            f"(d) 50% drop, {len(images)} images, one forward pass: pixels {len(images) / t_pix:.0f} img/s, tokens "
            f"{len(images) / t_tok:.0f} img/s: tokens {t_pix / t_tok:.2f}x faster"
        )
        t_sweep = {
            mode: sweep_evaluation(bundle, batches, x01, mode, a.runs, device, a.precision)
            for mode in ("pixels", "tokens")
        }
        n = len(images) * a.runs
        print(
            f"(d) 50% drop, {len(images)} images x {a.runs} run(s), the sweep's evaluation: pixels "
            f"{n / t_sweep['pixels']:.0f} img/s, tokens {n / t_sweep['tokens']:.0f} img/s: tokens "
            f"{t_sweep['pixels'] / t_sweep['tokens']:.2f}x faster"
        )
    if device.type == "cuda":
        print(f"(e) host syncs inside the sweep ({len(images)} images): {count_syncs(bundle, images, a, device)}")


def sweep_evaluation(bundle, batches, x01, mode, runs, device, precision) -> float:
    """Median seconds of the occlusion sweep's evaluate() over pre-decoded batches at ratio 0.5 x ``runs``."""
    sweep = OcclusionSweep(Config(ratios=(0.5,), runs=runs, drop_mode=mode))
    conditions = sweep.conditions(bundle)  # planned once, as the engine does

    def once():
        with torch.inference_mode(), autocast(device, precision):
            for batch, x in zip(batches, x01):
                sweep.prepare(batch)
                sweep.forget()  # what the conditions share is per (model, batch)
                for cond in conditions:
                    sweep.evaluate(bundle, cond, x, batch)

    once()  # warm-up
    return sorted(timed(once) for _ in range(5))[2]


def count_syncs(bundle, images, a, device) -> int:
    """Syncs torch warns about (set_sync_debug_mode) in a short sweep, final reads of the results included."""
    import warnings

    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours(bundle, images, [0.0, 0.5], 1, a.batch_size, a.workers, device, a.precision)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


if __name__ == "__main__":
    main()
