"""Train timm models with DeiT's recipe (and a distillation / shape token), e.g. on Stylized ImageNet.

python train.py --models deit_tiny_patch16_224 --data-path data/sin/train --val-path data/sin/val --epochs 300
"""

from intriguing.cli import run_command

if __name__ == "__main__":
    raise SystemExit(run_command("train"))
