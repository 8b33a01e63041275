"""Residual-stream feature maps after every block of a timm model, collected with forward hooks.

ViT-style blocks (a module with ``attn`` and residual branches ``drop_path1``/``drop_path2``, as in
timm's ``Block``, ``ResPostBlock``, Swin/CaiT-like blocks) are split as Park & Kim do: the stream after
the attention sub-block (block input + attention branch) and after the MLP sub-block (block output).
Other blocks (ResNet, ConvNeXt, EfficientNet stages' blocks, the CIFAR ResNets) give their output.
A ``stem`` entry (the input of the first block) is depth 0, as in the paper's figures.

Token sequences are reshaped back to (B, C, h, w) with prefix tokens (class/distillation/register)
dropped; channels-last maps (Swin) are permuted to channels-first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn

from intriguing.errors import UserError


@dataclass(frozen=True)
class BlockSpec:
    """One residual-stream point: ``kind`` is 'stem', 'attn', 'mlp' or 'block' (conv/other)."""

    name: str
    kind: str


def _is_transformer_block(m: nn.Module) -> bool:
    return hasattr(m, "attn") and hasattr(m, "drop_path1") and hasattr(m, "drop_path2")


def _expand(name: str, seq: nn.Module) -> list[tuple[str, nn.Module]]:
    """Children of a container; nested stage containers (EfficientNet's blocks.N) are flattened."""
    out = []
    for child_name, child in seq.named_children():
        full = f"{name}.{child_name}"
        if isinstance(child, (nn.Sequential, nn.ModuleList)) and not _is_transformer_block(child):
            out.extend(_expand(full, child))
        else:
            out.append((full, child))
    return out


def find_blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Residual blocks of a model in forward order: ``blocks``, ``*.blocks`` (stages), or ``layerN``."""
    if isinstance(getattr(model, "blocks", None), (nn.Sequential, nn.ModuleList)):
        return _expand("blocks", model.blocks)
    staged = [
        (n, m)
        for n, m in model.named_modules()
        if n.endswith(".blocks") and isinstance(m, (nn.Sequential, nn.ModuleList))
    ]
    if staged:
        return [b for n, m in staged for b in _expand(n, m)]
    layers = sorted(
        (n, m)
        for n, m in model.named_children()
        if n.startswith("layer") and n[5:].isdigit() and isinstance(m, nn.Sequential)
    )
    if layers:
        return [b for n, m in sorted(layers, key=lambda nm: int(nm[0][5:])) for b in _expand(n, m)]
    raise UserError(
        f"Cannot find the residual blocks of {type(model).__name__}: expected a 'blocks' "
        "container, stages with '.blocks', or 'layer1..N' sequentials."
    )


def block_specs(model: nn.Module) -> list[BlockSpec]:
    """The residual-stream points :class:`BlockFeatures` records, in depth order."""
    specs = [BlockSpec("stem", "stem")]
    for name, block in find_blocks(model):
        if _is_transformer_block(block):
            specs += [BlockSpec(f"{name}.attn", "attn"), BlockSpec(f"{name}.mlp", "mlp")]
        else:
            specs.append(BlockSpec(name, "block"))
    return specs


def _split_tokens(n: int, num_prefix_tokens: int, grid: Optional[tuple[int, int]]) -> tuple[int, tuple[int, int]]:
    """(prefix count, token grid) for n tokens: the patch grid if it fits, else the declared prefix count,
    else the fewest leading tokens (<= 16) that leave a square (PiT stages, CaiT's token-only blocks)."""
    if grid is not None and 0 <= n - grid[0] * grid[1] <= 16:
        return n - grid[0] * grid[1], grid
    for p in [num_prefix_tokens] + [p for p in range(17) if p != num_prefix_tokens]:
        side = math.isqrt(max(n - p, 0))
        if side > 0 and side * side == n - p:
            return p, (side, side)
    raise UserError(
        f"Cannot reshape {n} tokens into a square feature map; check num_prefix_tokens or pass the token grid."
    )


def to_feature_map(
    x: torch.Tensor, num_prefix_tokens: int = 0, channels_last: bool = False, grid: Optional[tuple[int, int]] = None
) -> torch.Tensor:
    """(B, N, C) tokens or (B, H, W, C) / (B, C, H, W) maps -> (B, C, H, W), prefix tokens dropped."""
    if x.dim() == 3:
        prefix, (gh, gw) = _split_tokens(x.shape[1], num_prefix_tokens, grid)
        x = x[:, prefix:]
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], gh, gw)
    if x.dim() == 4:
        return x.permute(0, 3, 1, 2) if channels_last else x
    raise UserError(f"Block output of shape {tuple(x.shape)} is not a feature map or token sequence.")


class BlockFeatures:
    """Context manager that hooks a model and stores each residual-stream feature map of one forward.

    >>> with BlockFeatures(model) as feats:
    ...     logits = model(x)
    ... for spec, fmap in feats.items(): ...
    Feature maps are detached (B, C, H, W) tensors on the model's device. With ``on_feature`` each map
    is handed to that callback as soon as it exists and not stored (deep models, big batches).
    """

    def __init__(
        self,
        model: nn.Module,
        detach: bool = True,
        on_feature: Optional[Callable[[BlockSpec, torch.Tensor], None]] = None,
        keep_prefix: bool = False,
    ) -> None:
        self.model = model
        self.keep_prefix = keep_prefix  # also keep token outputs' prefix tokens (B, P, C) in prefix_tokens[name]
        self.prefix_tokens: dict[str, torch.Tensor] = {}
        self.detach = detach
        self.on_feature = on_feature
        self.specs = block_specs(model)
        self._by_name = {s.name: s for s in self.specs}
        self.prefix = int(getattr(model, "num_prefix_tokens", 0) or 0)
        pe = getattr(model, "patch_embed", None)
        self.grid = tuple(pe.grid_size) if pe is not None and getattr(pe, "grid_size", None) else None
        self._handles: list = []
        self._store: dict[str, torch.Tensor] = {}
        self._inputs: dict[str, torch.Tensor] = {}

    def _emit(self, name: str, fmap: torch.Tensor) -> None:
        if self.on_feature is not None:
            self.on_feature(self._by_name[name], fmap)
        else:
            self._store[name] = fmap

    def _map(self, x: torch.Tensor, transformer: bool, name: str = "") -> torch.Tensor:
        x = x.detach() if self.detach else x
        if self.keep_prefix and x.dim() == 3:  # set before the map is emitted, so on_feature can read it
            self.prefix_tokens[name] = x[:, : _split_tokens(x.shape[1], self.prefix, self.grid)[0]]
        # transformer blocks that keep 4-D maps (Swin) are channels-last in timm
        return to_feature_map(x, self.prefix, channels_last=transformer and x.dim() == 4, grid=self.grid)

    def __enter__(self) -> BlockFeatures:
        blocks = find_blocks(self.model)
        first_name, first = blocks[0]
        first_is_tf = _is_transformer_block(first)
        self._handles.append(
            first.register_forward_pre_hook(lambda m, args: self._emit("stem", self._map(args[0], first_is_tf, "stem")))
        )
        for name, block in blocks:
            if _is_transformer_block(block):
                self._hook_transformer(name, block)
            else:
                self._handles.append(
                    block.register_forward_hook(
                        lambda m, args, out, name=name: self._emit(name, self._map(out, False, name))
                    )
                )
        return self

    def _hook_transformer(self, name: str, block: nn.Module) -> None:
        def pre(m, args):
            self._inputs[name] = args[0]

        def attn_branch(m, args, out):  # drop_path1 output = the attention branch added to the stream
            self._emit(f"{name}.attn", self._map(self._inputs.pop(name) + out, True, f"{name}.attn"))

        def post(m, args, out):
            self._emit(f"{name}.mlp", self._map(out, True, f"{name}.mlp"))

        self._handles += [
            block.register_forward_pre_hook(pre),
            block.drop_path1.register_forward_hook(attn_branch),
            block.register_forward_hook(post),
        ]

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self._inputs.clear()

    def clear(self) -> None:
        self._store.clear()
        self.prefix_tokens.clear()

    def items(self) -> Iterator[tuple[BlockSpec, torch.Tensor]]:
        for spec in self.specs:
            if spec.name in self._store:
                yield spec, self._store[spec.name]


def normalized_depths(specs: Sequence[BlockSpec]) -> list[float]:
    """Depth of each spec in [0, 1] (stem = 0, last block = 1), as on the paper's x-axes."""
    d = max(len(specs) - 1, 1)
    return [i / d for i in range(len(specs))]
