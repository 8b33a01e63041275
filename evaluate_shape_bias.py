"""Shape bias on texture-shape cue-conflict stimuli (Geirhos et al., ICLR 2019), and 16-class accuracy.

    python evaluate_shape_bias.py --models deit_small_patch16_224,resnet50.tv_in1k \
        --data-path texture-vs-shape/stimuli/style-transfer-preprocessed-512
    python evaluate_shape_bias.py --data-path texture-vs-shape/stimuli/filled-silhouettes   # 16-class accuracy
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("shape-bias"))
