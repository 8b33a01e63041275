"""``intriguing transfer`` (classify_metadataset.py): off-the-shelf transfer of frozen backbones.

Modes: ``linear`` (linear probe on cached CLS-token features of block sets), ``fewshot`` (seeded N-way K-shot
episodes), ``per-block`` (every block's class token with the model's own head, or a probe per block).
Sub-modules: ``config`` (options), ``datasets``/``layouts`` (transfer datasets on disk), ``features``/``extract``/
``cache`` (per-block features, fp16 cache), ``probe``, ``fewshot``, ``modes`` (the runs), ``report``,
``experiment`` (the command's class).
"""
