"""Filter-normalised loss landscapes (Li et al. 2018; Park & Kim 2022, Fig. 1a): NLL + L2 around each model.

python plot_landscape.py --models cifar10_resnet20,cifar10_resnet56 --data-path data/cifar10/train --points 21
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("landscape"))
