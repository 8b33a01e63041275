"""White-box adversarial robustness (FGSM, PGD, AutoAttack) over an epsilon sweep, transfer matrix, pictures.

python evaluate_adversarial.py --models deit_small_patch16_224,resnet50.tv_in1k --attacks fgsm pgd --transfer
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("adversarial"))
