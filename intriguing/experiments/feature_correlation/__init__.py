"""``intriguing feature-correlation``: per block, the Pearson correlation between a model's features on the clean
and on the PatchDropped image (ViTs: class token and mean patch token; CNNs: globally pooled block output),
per image over feature dimensions, averaged over images; a table like the paper's and a plot vs depth.
"""
