"""``intriguing stylize`` (stylize.py): write a Stylized-ImageNet folder with AdaIN, as Geirhos et al. (2019).

Each content image is styled by one painting drawn at random (seeded by image index) from ``--style-path``, with
alpha 1, and written under ``--target`` with the same class folder and file name; ``stylize_index.csv`` there
says which painting styled which image. Weights: the AdaIN release files (``vgg_normalised.pth``, ``decoder.pth``).
"""
