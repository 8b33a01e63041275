"""Hessian spectra (Park & Kim 2022, Fig. 1b / 4): top-k eigenvalues, max-eigenvalue spectrum over
mini-batches, Hutchinson trace and SLQ density of each model's loss.

    python analyze_hessian.py --models cifar10_resnet20,cifar10_resnet56 --data-path data/cifar10/train
"""

from intriguing.cli import run_command as main

if __name__ == "__main__":
    raise SystemExit(main("hessian"))
