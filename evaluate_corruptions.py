"""ImageNet-C corruptions (15 x 5, on the fly or from ImageNet-C / CIFAR-10-C folders): error, mCE, relative mCE.

    python evaluate_corruptions.py --models deit_small_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val \
        --metrics topk,calibration
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("corruption"))
