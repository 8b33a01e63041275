"""Feature-drop lesion (Naseer et al. 2021): top-1 when 25/50/75% of the tokens entering block K are dropped.

python evaluate_lesion.py --models deit_tiny_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("lesion"))
