"""Command line of visualize_segmentation.py (figures only: no records, so it needs no run folder).

It shares the common parser (intriguing.cli.common) and reads PASCAL VOC or a plain image folder.
Exit status as every entry script: 0 ok, 1 a model failed, 2 bad input.
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional

from intriguing.cli.common import common_parser, load_bundles
from intriguing.errors import UserError


def visualize_main(argv: Optional[List[str]] = None) -> int:
    from intriguing.experiments.segmentation_figures import figures as vis
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
    from intriguing.zoo import resolve_model_specs

    from intriguing.device import resolve_device
    from intriguing.experiments.segmentation.sweep import voc_root

    config = vis.make_config(args)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    specs = resolve_model_specs(args.models)
    images = vis.image_source(voc_root(args), config, args.limit)
    out_dir = args.out_dir or os.path.join("results", "visualize_segmentation")
    print(f"visualize: {len(images)} image(s), {len(specs)} model(s), device {device}, figures in {out_dir}")
    bundles, failed = load_bundles(specs, device)
    written = vis.run(config, bundles, images, out_dir, args.batch_size, device, progress=not args.no_progress)
    print(f"wrote {len(written)} figure(s) under {out_dir}")
    for name, msg in failed.items():
        print(f"failed: {name}: {msg}", file=sys.stderr)
    return 1 if failed else 0
