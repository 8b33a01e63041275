"""``intriguing segmentation-figures`` (visualize_segmentation.py): attention maps and masks drawn per image.

Reads a PASCAL VOC devkit (ground truth drawn as a contour) or any folder of images. Records list the figures
written per (model, token, image); the drawing runs as an engine pass (a rerun skips the (model, weights, token)
already drawn; torchrun splits the images).
"""
