"""Unsupervised segmentation from ViT attention: thresholded attention masks scored by the Jaccard index.

``masks`` turns per-head attention into binary masks, ``jaccard`` scores them against ground truth
(void pixels excluded, or counted in the union as the original code did), ``voc`` reads PASCAL VOC
2012 through torchvision with a common input size for batching.
"""
