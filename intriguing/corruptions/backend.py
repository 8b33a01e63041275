"""The ``imagecorruptions`` package (Michaelis et al. 2019), made to import and run with today's libraries.

imagecorruptions 1.1.2 (the last release, 2020) is the maintained re-implementation of the ImageNet-C
corruption code without the Wand/ImageMagick dependency. With numpy 2, scikit-image >= 0.19 and
setuptools without ``pkg_resources`` it breaks in three places; each is patched here by wrapping,
without editing the installed package:

* ``from pkg_resources import resource_filename`` fails at import -> a temporary shim module that
  resolves frost images next to the package (removed from ``sys.modules`` right after the import).
* ``skimage.filters.gaussian(..., multichannel=True)`` was removed (gaussian_blur, glass_blur) ->
  the module's ``gaussian`` is wrapped to pass ``channel_axis=-1`` instead.
* ``np.float_`` was removed in numpy 2 (fog's plasma fractal) -> the module sees a numpy proxy
  that maps ``float_`` to ``float64`` and forwards everything else.

And one for reproducibility: impulse_noise calls ``skimage.util.random_noise`` which, in today's
scikit-image, draws from a fresh unseeded ``default_rng``; the module's ``sk`` is proxied so that
call gets a seed drawn from numpy's (seeded) global RNG.

Randomness: the package draws from numpy's global RNG. :func:`corrupt_uint8` seeds it from an explicit
seed and restores the previous global state afterwards, so results are reproducible and callers' RNG
is untouched.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import types
import warnings

import numpy as np

from intriguing.errors import UserError


class _NumpyCompat(types.ModuleType):
    """numpy as the package expects it: ``np.float_`` is ``np.float64``."""

    def __init__(self) -> None:
        super().__init__("numpy_compat")
        self.float_ = np.float64

    def __getattr__(self, name: str):
        return getattr(np, name)


class _Forward(types.ModuleType):
    """A module proxy: ``overrides`` first, then the wrapped module's attributes."""

    def __init__(self, wrapped: types.ModuleType, **overrides) -> None:
        super().__init__(wrapped.__name__)
        self._wrapped = wrapped
        self.__dict__.update(overrides)

    def __getattr__(self, name: str):
        return getattr(self._wrapped, name)


def _seeded_random_noise(image, *args, **kwargs):
    import skimage.util

    kwargs.setdefault("rng", int(np.random.randint(0, 2**31 - 1)))
    return skimage.util.random_noise(image, *args, **kwargs)


def _resource_filename(package: str, relative: str) -> str:
    spec = importlib.util.find_spec(package)
    return os.path.join(os.path.dirname(spec.origin), relative)


@functools.lru_cache(maxsize=1)
def load() -> types.ModuleType:
    """Import imagecorruptions with the compatibility patches applied; returns the package module."""
    shim = None
    try:
        import pkg_resources  # noqa: F401  (present with setuptools < 81)
    except ImportError:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = _resource_filename
        sys.modules["pkg_resources"] = shim
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # scipy.ndimage.interpolation
            import imagecorruptions
            from imagecorruptions import corruptions as mod
    except ImportError as e:
        raise UserError(
            f"On-the-fly corruptions need the imagecorruptions package ({e}): pip install imagecorruptions"
        ) from None
    finally:
        if shim is not None and sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]
    if not getattr(mod, "_intriguing_patched", False):
        gaussian = mod.gaussian

        def gaussian_compat(image, *args, multichannel=None, **kwargs):
            if multichannel:
                kwargs.setdefault("channel_axis", -1)
            return gaussian(image, *args, **kwargs)

        mod.gaussian = gaussian_compat
        mod.np = _NumpyCompat()
        mod.sk = _Forward(mod.sk, util=_Forward(mod.sk.util, random_noise=_seeded_random_noise))
        mod._intriguing_patched = True
    return imagecorruptions


def corrupt_uint8(image: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """Corrupt one HxWx3 uint8 image (H, W >= 32) with a seeded global numpy RNG; returns HxWx3 uint8."""
    ic = load()
    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = ic.corrupt(image, corruption_name=name, severity=int(severity))
    finally:
        np.random.set_state(state)
    return out


def corrupt_array(images: np.ndarray, name: str, severity: int, seeds) -> np.ndarray:
    """Corrupt (N, H, W, 3) uint8 images, image i seeded by ``seeds[i]``; numpy only, so it runs in worker
    processes without touching torch."""
    return np.stack(
        [corrupt_uint8(np.ascontiguousarray(img), name, severity, int(seed)) for img, seed in zip(images, seeds)]
    )
