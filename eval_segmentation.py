"""Unsupervised segmentation on PASCAL VOC 2012 (Naseer et al. 2021, Table 4): Jaccard of attention masks.

python eval_segmentation.py --models paper --data-path /path/to/VOC --input-size 512
python eval_segmentation.py --models vit_small_patch16_224.dino --threshold 0.6 --paper-compat
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("segmentation"))
