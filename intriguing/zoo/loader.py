"""``load_model``: any zoo or timm model by name, with its weights and its own preprocessing.

A model spec is ``name`` or ``name=SOURCE`` where SOURCE is a checkpoint path, a URL, or
``random`` (random initialisation, e.g. the paper's random-init rows). Wildcards expand over the
zoo and timm's pretrained names.
"""

from __future__ import annotations

import fnmatch
from typing import Optional

import timm
import torch
from timm.data import resolve_data_config

from intriguing.errors import UserError, did_you_mean
from intriguing.seeding import derive_seed
from intriguing.zoo.bundle import ZOO, ModelBundle
from intriguing.zoo.trained import build_trained, read_trained, registered
from intriguing.zoo.weights import (
    fetch_url,
    find_local,
    first_paragraph,
    host_reachable,
    load_into,
    load_state_dict,
    offline_message,
)

HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "open_clip_pytorch_model.bin")


def parse_spec(spec: str) -> tuple[str, Optional[str]]:
    """'name=source' -> (name, source); 'name' -> (name, None)."""
    name, _, source = spec.partition("=")
    return name.strip(), (source.strip() or None)


def _timm_exists(name: str) -> bool:
    arch, _ = timm.models.split_model_name_tag(name)
    return timm.is_model(arch)


def resolve_model_specs(specs: str | list[str]) -> list[str]:
    """Expand a comma list (or list) of specs; wildcards match zoo names and timm's pretrained models."""
    items = [s for part in ([specs] if isinstance(specs, str) else specs) for s in part.split(",") if s.strip()]
    out: list[str] = []
    for item in items:
        name, source = parse_spec(item)
        if any(c in name for c in "*?["):
            matches = fnmatch.filter(ZOO.names(), name) + timm.list_models(name, pretrained=True)
            if not matches:
                raise UserError(f"No model matches {name!r}.{did_you_mean(name.strip('*?'), all_names())}")
            out += [m + (f"={source}" if source else "") for m in matches]
        else:
            if name not in ZOO and not _timm_exists(name) and registered(name) is None:
                raise UserError(
                    f"Unknown model {name!r}.{did_you_mean(name, all_names())} "
                    f"`intriguing list-models` lists the zoo (`intriguing list-models 'PATTERN'` adds "
                    f"timm names)."
                )
            out.append(item.strip())
    return list(dict.fromkeys(out))  # keep order, drop repeats


def all_names() -> list[str]:
    return ZOO.names() + timm.list_models()


def _hf_cached(hf_hub_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return any(isinstance(try_to_load_from_cache(hf_hub_id, f), str) for f in HF_WEIGHT_FILES)


def _load_timm(name: str, source: Optional[str]) -> tuple[torch.nn.Module, str]:
    if source == "random":
        return timm.create_model(name, pretrained=False), "random init"
    local = source or find_local(name, release_filename(name))
    if local is not None:
        path = fetch_url(name, local) if str(local).startswith(("http://", "https://")) else local
        try:  # timm's own filter converts original-repo checkpoints (DeiT, DINO, ...)
            model = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(path)))
        except Exception:  # unreadable or not fitting: our loader says which, in one sentence
            model = timm.create_model(name, pretrained=False)
            load_into(model, load_state_dict(path), name, str(path))
        return model, str(path)
    cfg = timm.models.get_pretrained_cfg(name).to_dict()  # the release's config, without building the model
    hf_id, url = cfg.get("hf_hub_id"), cfg.get("url")
    cached = bool(hf_id) and _hf_cached(hf_id)
    reachable = cached or host_reachable("https://huggingface.co" if hf_id else (url or ""))
    if not reachable:
        raise UserError(
            offline_message(
                name, f"the Hugging Face hub ({hf_id})" if hf_id else url or "its host", release_filename(name)
            )
        )
    try:
        return timm.create_model(name, pretrained=True), f"hf-hub:{hf_id}" if hf_id else url
    except RuntimeError as e:
        raise UserError(f"Could not load pretrained weights for {name!r}: {first_paragraph(e)}") from None


def release_filename(name: str) -> str:
    """The file name the offline message asks for in pretrained/ (and the loader looks for there): the
    release URL's file name, or ``<name>.pth`` for hub-only weights."""
    cfg = timm.models.get_pretrained_cfg(name)
    url = cfg.to_dict().get("url") if cfg is not None else None
    return url.rsplit("/", 1)[-1] if url else f"{name}.pth"


def load_model(spec: str, device: str | torch.device = "cpu", seed: int = 0) -> ModelBundle:
    """Load one model spec in eval mode on ``device`` with its data config. Random initialisation draws from a
    generator seeded by (seed, spec) alone, so ``NAME=random`` weights never depend on the other models loaded."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "init", spec) % (1 << 63))
        return _load_model(spec, device)


def _load_model(spec: str, device: str | torch.device) -> ModelBundle:
    name, source = parse_spec(spec)
    trained = read_trained(source) if source not in (None, "random") else read_trained(registered(name) or "")
    if trained is not None:  # a model trained by `intriguing train`, by path or registered name
        model, data_config = build_trained(trained)
        origin = str(source or registered(name))
    elif name in ZOO:
        entry = ZOO.get(name)
        pretrained = source != "random"
        model = entry.build(None if source == "random" else source, pretrained)
        data_config = dict(entry.data_config)
        origin = "random init" if not pretrained else (source or entry.url or "packaged")
    elif _timm_exists(name):
        model, origin = _load_timm(name, source)
        data_config = resolve_data_config({}, model=model)
    else:
        raise UserError(f"Unknown model {name!r}.{did_you_mean(name, all_names())}")
    model = model.eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    return ModelBundle(
        name=spec if source == "random" else name, model=model, data_config=data_config, source=str(origin)
    )
