"""``intriguing per-block``: every block's class token read by the model's own final norm + head, on clean,
PatchDropped and shuffled images (the original's ``--cascade``). CNNs have no class token per block: they are
reported as not applicable, not as failures.
"""
