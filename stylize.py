"""Make a Stylized-ImageNet folder with AdaIN (Geirhos et al. 2019), e.g. to train shape-biased models.

python stylize.py --data-path data/imagenet/train --style-path data/paintings --target data/sin/train
"""

from intriguing.cli import run_command

if __name__ == "__main__":
    raise SystemExit(run_command("stylize"))
