"""``intriguing shape-bias``: texture-vs-shape cue conflict (Geirhos et al., ICLR 2019) and 16-class accuracy.

Every model's 1000 ImageNet probabilities are mapped to the 16 entry-level categories (mean probability of each
category's classes, the authors' rule: :mod:`.categories`). On cue-conflict stimuli (``<shape><i>-<texture><j>``
file names) it records shape bias = shape / (shape + texture) decisions over the stimuli whose cues differ; on
any other 16-category folder (filled silhouettes, edges) the 16-class accuracy. Records get per-category columns;
``per_category.csv`` and the per-category plot are drawn from them.
"""
