"""Universal adversarial patches: learn one per model and area, evaluate fooling rate and transfer between models.

python evaluate_patch.py --models deit_small_patch16_224,resnet50.tv_in1k --train-path data/imagenet/train --transfer
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("patch"))
