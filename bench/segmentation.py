"""Benchmark of the attention tools. Prints measured figures (nothing is asserted):

(a) segmentation throughput: images/s of the full eval_segmentation scoring (attention forward at
    --input-size, per-head masks, Jaccard at the ground truth's resolution) for several batch sizes, and the
    matrix FLOP/s that makes (torch's FlopCounterMode count per image x images/s): set against the device's peak it
    says how much of the gap to a target is left to the code; the original scored one image per forward whatever
    --batch_size said;
(b) the original's batch-1 loop (one forward per image, a Python loop over classes with a GPU sync each, fp32), the
    reference of the scale-out issue's "batch 32 >= 10x the original batch-1 loop" target, and each batch size's
    ratio to it;
(c) saliency reuse: salient + non-salient masks for every PatchDrop level from ONE saliency forward
    per batch (what the occlusion sweep does) vs. recomputing the saliency forward for each level
    (what the original's loop over lambda did).

Real PASCAL VOC samples from ../shared are used when present (else --data-path). Speed does not
depend on the weights, so random-init models are the default.

    python bench/segmentation.py --model deit_small_patch16_224=random --input-size 512 --batch-sizes 1 32 --device cuda
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intriguing.device import resolve_device  # noqa: E402
from intriguing.engine.accumulate import Output, RowReduction  # noqa: E402
from intriguing.engine.host import SETTLE_LAG, HostCopy, Landing  # noqa: E402
from intriguing.experiments.segmentation import sweep as seg  # noqa: E402
from intriguing.features.saliency import SaliencySpec, drop_masks, saliency_scores  # noqa: E402
from intriguing.segmentation.voc import VOCSegmentationSet, collate  # noqa: E402
from intriguing.zoo import load_model  # noqa: E402

SHARED_VOC = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "voc2012-samples"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, repeats: int):
    """(median seconds of ``fn()`` over ``repeats`` runs after one warm-up, its last result)."""
    out = fn()
    sync(device)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def flops_per_image(config, bundle, item, device, precision: str) -> float:
    """Matrix FLOPs of scoring one image (torch.utils.flop_counter counts matmuls, convolutions and attention)."""
    from torch.utils.flop_counter import FlopCounterMode

    b = collate([item])
    with FlopCounterMode(display=False) as counter:
        seg.launch_batch(config, bundle, b, device, precision, {"cls": set(b["index"])})  # reading rows adds none
    return counter.get_total_flops()


def bench_segmentation(args, device) -> dict:
    """images/s per batch size."""
    bundle = load_model(args.model, device=device)
    ds = VOCSegmentationSet(args.data_path or SHARED_VOC, size=args.input_size)
    items = [ds[i % len(ds)] for i in range(args.images)]  # decoded up front: time the scoring only
    config = seg.Config(input_size=args.input_size, tokens=("cls",))
    flops = flops_per_image(config, bundle, items[0], device, args.precision)
    print(
        f"(a) segmentation scoring, {bundle.name} at {args.input_size}px, {args.images} VOC images, {device}, "
        f"{args.precision}; {flops / 1e9:.1f} GFLOP/image"
    )
    speed = {}
    for bs in args.batch_sizes:
        batches = [collate(items[i : i + bs]) for i in range(0, len(items), bs)]

        def score():  # as the engine runs it: each batch's IoUs are read two batches later
            rows, landing = RowReduction(), Landing()
            for b in batches:  # noqa: B023 (score runs inside this iteration)
                landing.push(
                    [
                        (rows, HostCopy(Output(scored)), None, None)
                        for scored in seg.launch_batch(
                            config, bundle, b, device, args.precision, {"cls": set(b["index"])}
                        )
                    ]
                )
                landing.settle(keep=SETTLE_LAG)
            landing.settle()

        sec, _ = timed(score, device, args.repeats)
        speed[bs] = args.images / sec
        print(
            f"    batch {bs:>3}: {speed[bs]:8.1f} images/s ({sec * 1000 / args.images:.1f} ms/image, "
            f"{speed[bs] * flops / 1e12:.2f} TFLOP/s)"
        )
    return speed


def original_loop(model, items, device, threshold: float = 0.9) -> float:
    """The original evaluate_segmentation.py's protocol, restated (not imported): one image per forward, the
    sort-based mass mask, nearest upsampling by the patch size, then a Python loop over ``torch.unique`` classes
    with one ``.item()`` per class; the target resized to the input size (its --paper-compat scoring)."""
    from intriguing.features.attention import patch_size, token_attention
    from intriguing.features.saliency import normalize
    from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD

    ph = patch_size(model)[0]
    total = 0.0
    for item in items:
        x = normalize(item["image"][None].to(device), IMAGENET_MEAN, IMAGENET_STD)
        with torch.inference_mode():
            att = token_attention(model, x, ("cls",))["cls"][0]  # [heads, h, w]
        nh, h, w = att.shape
        val, idx = torch.sort(att.reshape(nh, -1))
        val /= val.sum(1, keepdim=True)
        th = torch.cumsum(val, 1) > (1 - threshold)
        th = torch.gather(th, 1, torch.argsort(idx)).reshape(nh, h, w).float()
        pred = F.interpolate(th[None], scale_factor=ph, mode="nearest")[0]
        target = F.interpolate(item["target"][None, None].float(), size=pred.shape[-2:], mode="nearest")[0, 0]
        target = target.to(device)
        jac, n = 0.0, 0
        for c in torch.unique(target):
            if c in (0, 255):
                continue
            cur = target == c
            inter = (cur * pred).sum((1, 2))
            union = ((cur + pred) > 0).sum((1, 2))
            jac += (inter / union).max().item()
            n += 1
        total += jac / max(n, 1)
    return total


def bench_original(args, device, speed: dict) -> None:
    bundle = load_model(args.model, device=device)
    ds = VOCSegmentationSet(args.data_path or SHARED_VOC, size=args.input_size)
    items = [ds[i % len(ds)] for i in range(args.images)]
    sec, _ = timed(lambda: original_loop(bundle.model, items, device), device, args.repeats)
    print(
        f"(b) the original's batch-1 loop (restated, fp32), {bundle.name} at {args.input_size}px: "
        f"{args.images / sec:8.1f} images/s ({sec * 1000 / args.images:.1f} ms/image)"
    )
    print("    (a)/(b): " + ", ".join(f"batch {bs} {v * sec / args.images:.2f}x" for bs, v in speed.items()))


def bench_saliency(args, device) -> None:
    sal = load_model(args.saliency_model, device=device)
    levels = [round(0.1 * i, 1) for i in range(1, args.levels + 1)]
    x = torch.rand(args.saliency_batch, 3, 224, 224, generator=torch.Generator().manual_seed(0)).to(device)
    mean, std = sal.data_config["mean"], sal.data_config["std"]
    spec = SaliencySpec(head="mean")

    def reuse():  # one forward, every level from one sort
        s = saliency_scores(sal.model, x, mean, std, spec)
        return drop_masks(s.flatten(1), levels, "rank")

    def recompute():  # the original: a fresh saliency forward inside the loop over levels
        out = []
        for lv in levels:
            s = saliency_scores(sal.model, x, mean, std, spec)
            out.append(drop_masks(s.flatten(1), [lv], "rank"))
        return out

    (a, once), (b, each) = timed(reuse, device, args.repeats), timed(recompute, device, args.repeats)
    same = all(
        torch.equal(once[k][:, i], each[i][k][:, 0]) for i in range(len(levels)) for k in ("salient", "non-salient")
    )
    print(f"(c) saliency masks for {len(levels)} levels x 2 drops, {sal.name}, batch {args.saliency_batch} at 224px")
    print(f"    reuse (1 forward):        {a * 1000:8.1f} ms/batch")
    print(f"    recompute per level:      {b * 1000:8.1f} ms/batch")
    print(f"    speed-up {b / a:.1f}x; masks identical: {same}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="deit_tiny_patch16_224=random")
    p.add_argument("--saliency-model", default="vit_small_patch16_224=random", help="DINO ViT-S/16 architecture")
    p.add_argument("--data-path", default=None, help="folder holding VOCdevkit (default: ../shared samples)")
    p.add_argument("--input-size", type=int, default=512)
    p.add_argument("--images", type=int, default=8)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    p.add_argument("--saliency-batch", type=int, default=8)
    p.add_argument("--levels", type=int, default=10)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument(
        "--precision",
        choices=("fp32", "amp"),
        default="fp32",
        help="of (a), as the command's --precision (segmentation runs fp32 unless amp is asked for)",
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s), device {device}")
    speed = bench_segmentation(args, device)
    bench_original(args, device, speed)
    bench_saliency(args, device)


if __name__ == "__main__":
    main()
