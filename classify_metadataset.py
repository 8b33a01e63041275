"""Off-the-shelf transfer of frozen backbones (Naseer et al. 2021, Sec. 3.6): linear probe, few-shot, per-block.

python classify_metadataset.py --models deit_small_patch16_224 --dataset aircraft --data-path /data/aircraft
python classify_metadataset.py --models deit_small_patch16_224 --dataset cub --mode fewshot --shots 1 5
python classify_metadataset.py --models deit_small_patch16_224 --mode per-block --data-path /data/imagenet/val
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("transfer"))
