"""Patch-shuffle sweep (Naseer et al. 2021, Fig. 9): top-1 vs. shuffle grid.

python evaluate_shuffle.py --models deit_small_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val --runs 5
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("shuffle"))
