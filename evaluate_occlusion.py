"""PatchDrop occlusion sweep (Naseer et al. 2021, Fig. 3): top-1 vs. fraction of patches dropped.

python evaluate_occlusion.py --models deit_small_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val --runs 5
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("occlusion"))
