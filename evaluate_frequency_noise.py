"""Frequency-band noise robustness (Park & Kim 2022, Fig. 2c): top-1 drop vs. noise frequency, one pass.

    python evaluate_frequency_noise.py --models deit_small_patch16_224,resnet50.tv_in1k --data-path data/imagenet/val \
        --width 0.2 --metrics topk,calibration
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("freq-noise"))
