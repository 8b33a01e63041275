"""Off-the-shelf transfer of frozen backbones (Naseer et al. 2021, Sec. 3.6 and the per-block CLS study).

Modules: ``datasets`` (transfer datasets and their on-disk layouts), ``features`` (per-block CLS /
pooled features), ``cache`` (fp16 on-disk feature cache), ``probe`` (linear probe with an honest
validation protocol), ``fewshot`` (seeded N-way K-shot episodes), ``per_block`` (the model's own
norm + head on every block's CLS token). Importing the package does no work.
"""
