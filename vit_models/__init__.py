"""``vit_models``: kept as an import for users' habit; the model zoo lives in :mod:`intriguing.zoo`.

from vit_models import load_model   # same as: from intriguing.zoo import load_model
"""

from intriguing.zoo import ZOO, ModelBundle, ZooEntry, all_names, load_model, parse_spec, resolve_model_specs

__all__ = ["ZOO", "ModelBundle", "ZooEntry", "load_model", "resolve_model_specs", "parse_spec", "all_names"]
