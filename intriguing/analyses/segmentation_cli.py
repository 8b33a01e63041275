"""Command lines of eval_segmentation.py and visualize_segmentation.py.

They share the common parser (intriguing.cli) but read PASCAL VOC / image folders instead of
ImageNet class folders, so they run their own short orchestration: parse -> config -> device ->
models (each loaded once, failures reported) -> data -> RunDir -> run -> report.
Exit status as every entry script: 0 ok, 1 a model failed, 2 bad input, 130 interrupted.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from typing import List, Optional

import numpy as np

from ..cli import common_parser, load_bundles
from ..errors import UserError

COMMON_IDENTITY = ("data_path", "limit", "seed", "paper_compat")


def expand_presets(models: str, presets: dict) -> str:
    """'paper' (or any preset name in the comma list) -> its model specs."""
    return ",".join(presets.get(m.strip(), m.strip()) for m in models.split(",") if m.strip())


def spaced_indices(n: int, limit: Optional[int]) -> List[int]:
    """All indices, or ``limit`` evenly spaced ones (deterministic quick runs)."""
    if not limit or limit >= n:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, num=limit).round().astype(int).tolist()))


def _voc_root(args) -> str:
    from ..data import default_data_root
    return args.data_path or str(default_data_root())


def eval_main(argv: Optional[List[str]] = None) -> int:
    from . import segmentation as seg
    try:
        parser = common_parser(seg.__doc__.splitlines()[0], seg.DEFAULT_MODELS)
        parser.set_defaults(batch_size=16)
        seg.add_arguments(parser)
        args = parser.parse_args(argv)
        return _eval(seg, args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _eval(seg, args) -> int:
    import torch
    from vit_models import resolve_model_specs

    from ..device import resolve_device
    from ..records import RunDir
    from ..segmentation.voc import VOCSegmentationSet

    if args.batch_size < 1:
        raise UserError("--batch-size must be at least 1.")
    config = seg.make_config(args)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)  # random-init rows are reproducible
    specs = resolve_model_specs(expand_presets(args.models, seg.PRESETS))
    dataset = VOCSegmentationSet(_voc_root(args), image_set=config.image_set, size=config.input_size,
                                 paper_compat=config.at_input_size)
    indices = spaced_indices(len(dataset), args.limit)
    out_dir = args.out_dir or os.path.join("results", "segmentation")
    common = {k: getattr(args, k) for k in ("models", "data_path", "limit", "seed", "paper_compat", "batch_size",
                                             "workers", "device", "precision")}
    run_dir = RunDir(out_dir, {**common, **asdict(config)}, identity=list(asdict(config)) + list(COMMON_IDENTITY))
    print(f"segmentation: {len(indices)} VOC {config.image_set} images at {config.input_size}px, "
          f"{len(specs)} model(s), device {device}, results in {run_dir.path}")
    bundles, failed = load_bundles(specs, device)
    run_dir.write_manifest(analysis="segmentation", device=str(device),
                           dataset={"root": str(dataset.voc.root), "image_set": config.image_set,
                                    "images": len(indices)},
                           models={**run_dir.manifest["models"],
                                   **{b.name: {"source": b.source, "data_config": b.data_config} for b in bundles}})
    started = time.time()
    try:
        _, run_failed = seg.run(config, bundles, dataset, indices, run_dir, args.batch_size, args.workers, device,
                                args.precision, progress=not args.no_progress) if bundles else ([], {})
    except KeyboardInterrupt:
        run_dir.write_manifest(status="interrupted")
        print(f"\ninterrupted: progress saved in {run_dir.path}; rerun the same command to resume.", file=sys.stderr)
        return 130
    failed.update(run_failed)
    records = run_dir.records()
    if records:
        print(seg.report(records, run_dir.path, plot=not args.no_plot))
    run_dir.write_manifest(status="failed" if failed else "complete", failed_models=failed,
                           seconds=round(time.time() - started, 1), finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    for name, msg in failed.items():
        print(f"failed: {name}: {msg}", file=sys.stderr)
    return 1 if failed else 0


def visualize_main(argv: Optional[List[str]] = None) -> int:
    from . import segmentation_vis as vis
    try:
        parser = common_parser(vis.__doc__.splitlines()[0], vis.DEFAULT_MODELS)
        parser.set_defaults(batch_size=8, limit=8)
        vis.add_arguments(parser)
        args = parser.parse_args(argv)
        return _visualize(vis, args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _visualize(vis, args) -> int:
    import torch
    from vit_models import resolve_model_specs

    from ..device import resolve_device

    config = vis.make_config(args)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    specs = resolve_model_specs(args.models)
    images = vis.image_source(_voc_root(args), config, args.limit)
    out_dir = args.out_dir or os.path.join("results", "visualize_segmentation")
    print(f"visualize: {len(images)} image(s), {len(specs)} model(s), device {device}, figures in {out_dir}")
    bundles, failed = load_bundles(specs, device)
    written = vis.run(config, bundles, images, out_dir, args.batch_size, device, progress=not args.no_progress)
    print(f"wrote {len(written)} figure(s) under {out_dir}")
    for name, msg in failed.items():
        print(f"failed: {name}: {msg}", file=sys.stderr)
    return 1 if failed else 0
