"""Per-block accuracy under occlusion (the original's --cascade): every block's class token through the model's
own final norm + head, on clean, PatchDropped and shuffled images.

    python evaluate_per_block.py --models deit_small_patch16_224 --data-path data/imagenet/val --ratios 0.25 0.5 0.75
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("per-block"))
