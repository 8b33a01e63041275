"""``intriguing segmentation`` (eval_segmentation.py): unsupervised segmentation from ViT attention on PASCAL VOC.

Each head's attention (class token, and the distillation token of distilled models) is thresholded to keep
``--threshold`` of its mass; the Jaccard index against VOC ground truth is recorded per image.
"""
