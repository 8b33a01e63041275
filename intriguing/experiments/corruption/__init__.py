"""``intriguing corruption``: accuracy and mCE under ImageNet-C corruptions (on the fly or pre-rendered sets)."""
