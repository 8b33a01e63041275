"""Clean accuracy of several models on distribution-shift test sets (ImageNet-A/-R/-Sketch/-V2/-C, Stylized).

    python validate.py --models deit_small_patch16_224,resnet50.tv_in1k --sets val=/data/imagenet/val \
        imagenet-a=/data/imagenet-a imagenet-r=/data/imagenet-r sketch=/data/sketch imagenet-v2=/data/v2 \
        stylized=/data/stylized/val imagenet-c=/data/imagenet-c
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("validate"))
