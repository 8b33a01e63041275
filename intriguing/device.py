"""Device and precision as parameters: ``--device auto|cpu|cuda:N`` and autocast on GPU."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

import torch

from intriguing.errors import UserError


def resolve_device(spec: str = "auto") -> torch.device:
    """'auto' picks CUDA when available, else CPU; an unavailable CUDA device is a clear error."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(spec)
    except RuntimeError:
        raise UserError(f"Unknown device {spec!r}; use auto, cpu or cuda:N.") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"Device {spec!r} was asked for but CUDA is not available here; use --device cpu.")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UserError(f"Device {spec!r} does not exist: {torch.cuda.device_count()} CUDA device(s) found.")
    return dev


def autocast(device: torch.device, precision: str = "auto"):
    """Mixed precision context: bf16/fp16 autocast on CUDA for 'auto'/'amp', nothing on CPU or 'fp32'."""
    if precision == "fp32" or device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast(device_type="cuda", dtype=dtype)


@functools.lru_cache(maxsize=128)
def _constant(values: tuple[float | int, ...], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    with torch.inference_mode(False):  # an ordinary tensor: attacks differentiate through it later
        return torch.tensor(values, device=device, dtype=dtype)


def constant(values: Sequence[float | int], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """A 1-d tensor of Python numbers on ``device``, built once per (values, device, dtype) and then reused:
    building a CUDA tensor from Python numbers copies from ordinary host memory, which waits for the GPU to
    finish its queued work (once per forward pass, that kept the GPU idle between passes). Never write to it."""
    return _constant(tuple(v if isinstance(v, int) else float(v) for v in values), torch.device(device), dtype)


def channel_stats(
    mean: Sequence[float], std: Sequence[float], device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std as (1, C, 1, 1) tensors on ``device`` (see :func:`constant`)."""
    return constant(mean, device, dtype).view(1, -1, 1, 1), constant(std, device, dtype).view(1, -1, 1, 1)
