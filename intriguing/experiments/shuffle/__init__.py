"""``intriguing shuffle``: top-1 vs. the grid an image is cut into and randomly rearranged.

Each image gets its own permutation (the original used one per batch; ``--paper-compat`` or
``--perm-per-batch`` reproduces it). Grids are keyed ``HxW``; ``1x1`` is the unshuffled image.
"""
