"""``intriguing fourier``: relative log amplitude and variance of feature maps per block (Park & Kim 2022).

Spectra need no labels, so a 1000-class model may run on any image folder (``uses_labels = False``); the
command takes no ``--runs`` or ``--metrics`` (nothing random, no predictions scored).
"""
