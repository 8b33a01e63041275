"""Fourier analysis of feature maps (Park & Kim 2022, Fig. 2a-b, 8, 9): Δ log amplitude and variance per block.

python analyze_fourier.py --models vit_tiny_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val --limit 1000
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("fourier"))
