"""Clean-vs-occluded feature correlation per block (ViT class token / mean patch token, CNN pooled maps).

python evaluate_feature_correlation.py --models deit_small_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("feature-correlation"))
