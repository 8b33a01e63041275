"""``intriguing occlusion``: PatchDrop, top-1 vs. the fraction of image patches dropped.

Conditions: ``random`` (cells aligned with the model's patches), ``random-offset`` (grid shifted by half a
cell, as in the paper), ``salient`` / ``non-salient`` (cells a saliency ViT's attention ranks highest /
lowest). ``--drop-mode tokens`` removes the dropped patch tokens from ViTs instead of blacking pixels.
"""
