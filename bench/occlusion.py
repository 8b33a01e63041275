"""Benchmark of the occlusion sweep. Prints measured figures (nothing is asserted):

(a) speed-up of our one-pass sweep over a naive loop that, like the original code, rebuilds the
    model and the data loader and re-decodes every image for each drop ratio;
(b) overhead of our sweep over the bare forward passes it needs (same images, same count of
    forwards on pre-decoded tensors, no masking, no bookkeeping);
(c) --drop-mode tokens vs. pixel drop at 50% for a ViT (DeiT-S by default; random init, since speed
    does not depend on the weights).

    python bench/occlusion.py --images 64 --model deit_small_patch16_224=random
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intriguing.experiments.occlusion.sweep import Config, OcclusionSweep, forward_kept_tokens  # noqa: E402
from intriguing.data import limit_samples, make_loader, scan_folder  # noqa: E402
from intriguing.device import autocast, resolve_device  # noqa: E402
from intriguing.engine.core import EngineOptions, run_sweep  # noqa: E402
from intriguing.perturb import drop_pixels, random_drop_mask  # noqa: E402
from intriguing.records import RunDir  # noqa: E402
from intriguing.seeding import generator  # noqa: E402
from intriguing.zoo import load_model  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imagenette" / "val"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t


def naive(spec, images, ratios, bs, workers, device) -> None:
    """The original's structure: per ratio, a fresh model, a fresh loader, a full decode."""
    for r in ratios:
        b = load_model(spec, device=device)
        for batch in make_loader(images, [b.geometry], bs, workers):
            x = batch.views[b.geometry].to(device).float().div_(255)
            g = x.shape[-1] // (b.patch_size or 16)
            with torch.inference_mode(), autocast(device):
                b(drop_pixels(x, random_drop_mask(len(batch), (g, g), r, generator(0), per_image=False).to(device)))


def ours(bundle, images, ratios, bs, workers, device) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(OcclusionSweep(Config(ratios=tuple(ratios))), [bundle], images, RunDir(tmp, {}),
                  EngineOptions(batch_size=bs, workers=workers, device=device, progress=False))


def bare(bundle, decoded, n_forwards, device) -> None:
    with torch.inference_mode(), autocast(device):
        for _ in range(n_forwards):
            for x in decoded:
                bundle(x)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="deit_small_patch16_224=random")
    p.add_argument("--data-path", default=str(DEFAULT_DATA))
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--ratios", type=float, nargs="+", default=[round(0.1 * i, 1) for i in range(10)])
    p.add_argument("--device", default="auto")
    a = p.parse_args()
    device = resolve_device(a.device)
    torch.set_grad_enabled(False)
    images = limit_samples(scan_folder(a.data_path), a.images)
    bundle = load_model(a.model, device=device)
    decoded = [batch.views[bundle.geometry].to(device).float().div_(255)
               for batch in make_loader(images, [bundle.geometry], a.batch_size, a.workers)]
    bare(bundle, decoded[:1], 1, device)  # warm-up
    n_fwd = len([r for r in a.ratios if r > 0]) + (1 if 0 in a.ratios else 0)
    print(f"model {a.model}, {len(images)} images, {len(a.ratios)} ratios, device {device}, "
          f"threads {torch.get_num_threads()}")
    t_naive = timed(lambda: naive(a.model, images, a.ratios, a.batch_size, a.workers, device))
    t_ours = timed(lambda: ours(bundle, images, a.ratios, a.batch_size, a.workers, device))
    t_bare = timed(lambda: bare(bundle, decoded, n_fwd, device))
    print(f"(a) naive per-ratio loop {t_naive:.1f} s, our one-pass sweep {t_ours:.1f} s: "
          f"speed-up {t_naive / t_ours:.2f}x")
    print(f"(b) bare forwards {t_bare:.1f} s ({n_fwd * len(images) / t_bare:.1f} img/s): "
          f"sweep overhead {100 * (t_ours / t_bare - 1):.1f}%")
    if bundle.is_vit:
        g = tuple(bundle.model.patch_embed.grid_size)
        masks = [random_drop_mask(len(x), g, 0.5, generator(i)).to(device) for i, x in enumerate(decoded)]
        with torch.inference_mode(), autocast(device):
            t_pix = timed(lambda: [bundle(drop_pixels(x, m)) for x, m in zip(decoded, masks)])
            t_tok = timed(lambda: [forward_kept_tokens(bundle, x, m) for x, m in zip(decoded, masks)])
        print(f"(c) 50% drop: pixels {t_pix:.2f} s, tokens {t_tok:.2f} s: tokens {t_pix / t_tok:.2f}x faster")


if __name__ == "__main__":
    main()
