"""``intriguing validate``: clean top-1 / top-5 (+ calibration) of several models on several ImageNet-style test
sets (ImageNet val, -A, -R, -Sketch, -V2, Stylized-ImageNet, ImageNet-C) in one command, one table."""
