"""Figures of each head's attention and attention mask over the image (Naseer et al. 2021, Fig. 7).

    python visualize_segmentation.py --models deit_small_patch16_224 --data-path my_images/ --threshold 0.9
"""
from intriguing.experiments.segmentation_figures.cli import visualize_main

if __name__ == "__main__":
    raise SystemExit(visualize_main())
