"""Attention maps and masks per image (Naseer et al. 2021, Fig. 5 style), from VOC or any image folder.

python visualize_segmentation.py --models deit_small_patch16_224 --data-path data/VOCdevkit --limit 8
"""

from intriguing.cli import run_command

if __name__ == "__main__":
    raise SystemExit(run_command("segmentation-figures"))
