"""``intriguing lesion``: feature-drop lesion, top-1 when a fraction of intermediate features is dropped.

ViTs (T2T-ViT, and TNT, whose dropped patches lose their inner pixel tokens too): patch tokens entering block K
are removed (default) or zeroed, prefix tokens kept; CNNs: the same
fraction of spatial positions of stage s's output zeroed. Every block / stage, fraction and run in one pass.
"""
