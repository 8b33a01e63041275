"""Annotations of the ImageNet val images, keyed on their file names (``ILSVRC2012_val_00000293.JPEG``).

Both sets ship in the optional PyPI package ``imagenet-x`` (``pip install 'intriguing[factors]'``); its files are
read where the package installed them, never copied into this repository:

* :mod:`.real`: ImageNet-ReaL (Beyer et al. 2020), the re-assessed multi-label sets (``--metrics real``);
* :mod:`.imagenet_x`: ImageNet-X (Idrissi et al., ICLR 2023), 16 human-annotated factors of variation per image,
  and the error ratios of ``intriguing factors`` (:mod:`.factors`).
"""
