"""T2T-ViT-14/19/24 (Yuan et al., ICCV 2021), one of the paper's three ViT families; timm does not have it.

Built from the authors' description (yitu-opensource/T2T-ViT: ``models/t2t_vit.py``, ``token_performer.py``,
``transformer_block.py``) so that their release checkpoints load with ``strict=True``: the tokens-to-token module
(three soft splits, two performer token mixers, a projection), a class token, a fixed sinusoidal position table
(stored in the checkpoint), and timm's ViT blocks without a qkv bias whose attention scale is ``embed_dim ** -0.5``
(the authors' models pass ``qk_scale = embed_dim ** -0.5``, not the usual head-dim scale). The token grid is 14x14
at 224 px (an effective patch of 16), so PatchDrop and shuffle treat it as a 16-px-patch ViT.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
from timm.models.vision_transformer import Block
from torch import nn

from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry
from intriguing.zoo.weights import fetch_url, find_local, load_into, load_state_dict

RELEASE = "https://github.com/yitu-opensource/T2T-ViT/releases/download/main/{file}"
VARIANTS = {  # name: (embed_dim, depth, heads, release file, ImageNet top-1 the authors report)
    "t2t_vit_14": (384, 14, 6, "81.5_T2T_ViT_14.pth.tar", 81.5),
    "t2t_vit_19": (448, 19, 7, "81.9_T2T_ViT_19.pth.tar", 81.9),
    "t2t_vit_24": (512, 24, 8, "82.3_T2T_ViT_24.pth.tar", 82.3),
}
# the authors' eval: timm's default ImageNet config for their models (bicubic, crop 0.9)
DATA_CONFIG = dict(
    input_size=(3, 224, 224),
    interpolation="bicubic",
    mean=IMAGENET_MEAN,
    std=IMAGENET_STD,
    crop_pct=0.9,
    crop_mode="center",
)


def sinusoid_table(positions: int, dim: int) -> torch.Tensor:
    """(1, positions, dim) fixed sinusoidal encoding (sin on even, cos on odd channels)."""
    pos = torch.arange(positions, dtype=torch.float64)[:, None]
    rate = torch.pow(10000.0, 2 * (torch.arange(dim) // 2).double() / dim)[None, :]
    table = pos / rate
    table[:, 0::2], table[:, 1::2] = torch.sin(table[:, 0::2]), torch.cos(table[:, 1::2])
    return table.float()[None]


class TokenPerformer(nn.Module):
    """The T2T token mixer: one-head attention approximated with positive random features (Performer), the
    value as skip connection, then an MLP of width 1x. ``w`` (the random features) is stored in checkpoints."""

    def __init__(self, dim: int, in_dim: int, kernel_ratio: float = 0.5) -> None:
        super().__init__()
        self.emb = in_dim
        self.kqv = nn.Linear(dim, 3 * in_dim)
        self.proj = nn.Linear(in_dim, in_dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(in_dim)
        self.mlp = nn.Sequential(nn.Linear(in_dim, in_dim), nn.GELU(), nn.Linear(in_dim, in_dim), nn.Dropout(0.1))
        self.dp = nn.Dropout(0.1)
        self.m = int(in_dim * kernel_ratio)
        self.w = nn.Parameter(nn.init.orthogonal_(torch.randn(self.m, in_dim)) * math.sqrt(self.m), requires_grad=False)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """exp(w^T x - |x|^2 / 2) / sqrt(m): positive random features of the Gaussian kernel."""
        half_sq = (x * x).sum(-1, keepdim=True) / 2
        return torch.exp(torch.einsum("bti,mi->btm", x.float(), self.w) - half_sq) / math.sqrt(self.m)

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        k, q, v = torch.split(self.kqv(x), self.emb, dim=-1)
        kp, qp = self.features(k), self.features(q)
        norm = torch.einsum("bti,bi->bt", qp, kp.sum(1)).unsqueeze(2)
        kv = torch.einsum("bin,bim->bnm", v.float(), kp)
        y = torch.einsum("bti,bni->btn", qp, kv) / (norm + 1e-8)
        return v + self.dp(self.proj(y.to(v.dtype)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.attend(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TokensToToken(nn.Module):
    """Soft split 7x7/4, performer, re-structurise, soft split 3x3/2, performer, soft split 3x3/2, project."""

    def __init__(self, embed_dim: int, in_chans: int = 3, token_dim: int = 64) -> None:
        super().__init__()
        self.soft_split0 = nn.Unfold(kernel_size=(7, 7), stride=(4, 4), padding=(2, 2))
        self.soft_split1 = nn.Unfold(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
        self.soft_split2 = nn.Unfold(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
        self.attention1 = TokenPerformer(in_chans * 7 * 7, token_dim)
        self.attention2 = TokenPerformer(token_dim * 3 * 3, token_dim)
        self.project = nn.Linear(token_dim * 3 * 3, embed_dim)

    @staticmethod
    def _restructure(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        h, w = (h + 4 - 7) // 4 + 1, (w + 4 - 7) // 4 + 1
        x = self.attention1(self.soft_split0(x).transpose(1, 2))
        x = self.attention2(self.soft_split1(self._restructure(x, h, w)).transpose(1, 2))
        h, w = (h - 1) // 2 + 1, (w - 1) // 2 + 1
        return self.project(self.soft_split2(self._restructure(x, h, w)).transpose(1, 2))


class ScaleQuery(nn.Module):
    """Multiplies the queries so that timm's attention (which scales by head_dim ** -0.5, fused or not) computes
    the authors' ``embed_dim ** -0.5``; no parameters, so the checkpoint keys stay the authors'."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        return q * self.factor


def t2t_block(dim: int, heads: int, mlp_ratio: float) -> Block:
    """timm's pre-norm ViT block (the authors' key names: norm1, attn.qkv, attn.proj, norm2, mlp.fc1/fc2), no qkv
    bias, the attention scaled by ``dim ** -0.5``. Attention readers (segmentation) see a timm block."""
    blk = Block(dim, heads, mlp_ratio=mlp_ratio, qkv_bias=False)
    blk.attn.q_norm = ScaleQuery(dim**-0.5 / (dim // heads) ** -0.5)
    return blk


class T2TViT(nn.Module):
    """The authors' T2T-ViT with the attributes the toolkit's ViT code reads: ``blocks`` (callable), ``_pos_embed``,
    ``norm_pre``, ``forward_head`` and ``patch_embed`` (the tokens-to-token module, not registered twice: its
    ``patch_size`` is the effective 16 px and ``grid_size`` the 14x14 token grid at 224 px)."""

    num_prefix_tokens = 1

    def __init__(
        self,
        embed_dim: int,
        depth: int,
        heads: int,
        mlp_ratio: float = 3.0,
        num_classes: int = 1000,
        img_size: int = 224,
    ) -> None:
        super().__init__()
        self.num_classes, self.embed_dim = num_classes, embed_dim
        self.tokens_to_token = TokensToToken(embed_dim)
        grid = (img_size // 16, img_size // 16)
        self.tokens_to_token.patch_size, self.tokens_to_token.grid_size = (16, 16), grid
        self.tokens_to_token.img_size = (img_size, img_size)
        object.__setattr__(self, "patch_embed", self.tokens_to_token)  # an alias, not a second set of keys
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(sinusoid_table(grid[0] * grid[1] + 1, embed_dim), requires_grad=False)
        self.norm_pre = nn.Identity()
        self.blocks = nn.Sequential(*[t2t_block(embed_dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def _pos_embed(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.blocks(self.norm_pre(self._pos_embed(self.tokens_to_token(x)))))

    def forward_intermediates(
        self,
        x: torch.Tensor,
        indices: Optional[list[int]] = None,
        norm: bool = False,
        return_prefix_tokens: bool = False,
        intermediates_only: bool = True,
        output_fmt: str = "NLC",
        stop_early: bool = True,
    ) -> list:
        """timm's ``forward_intermediates`` contract for the token outputs of ``indices`` (NLC only): each is the
        patch tokens, or (patch tokens, prefix tokens) with ``return_prefix_tokens``; ``norm`` applies the final
        norm. Only the intermediates are returned (``intermediates_only``)."""
        if output_fmt != "NLC" or not intermediates_only:
            raise ValueError("T2T-ViT's forward_intermediates gives NLC intermediates only")
        wanted = set(range(len(self.blocks)) if indices is None else [i % len(self.blocks) for i in indices])
        x = self.norm_pre(self._pos_embed(self.tokens_to_token(x)))
        out = []
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in wanted:
                y = self.norm(x) if norm else x
                out.append((y[:, 1:], y[:, :1]) if return_prefix_tokens else y[:, 1:])
            if stop_early and i >= max(wanted):
                break
        return out

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x[:, 0] if pre_logits else self.head(x[:, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


def build_t2t(name: str, checkpoint: Optional[str] = None, pretrained: bool = True) -> nn.Module:
    """``name``'s architecture; with ``pretrained``, the authors' weights (``checkpoint``, else pretrained/ or the
    release URL), loaded strictly."""
    dim, depth, heads, file, _ = VARIANTS[name]
    model = T2TViT(dim, depth, heads)
    if pretrained:
        path = checkpoint or find_local(name, file) or fetch_url(name, RELEASE.format(file=file))
        load_into(model, load_state_dict(path), name, str(path))
    return model.eval()


def register() -> None:
    for name, (_dim, depth, _, file, top1) in VARIANTS.items():
        ZOO.register(
            name,
            ZooEntry(
                name=name,
                build=lambda ckpt, pre, n=name: build_t2t(n, ckpt, pre),
                data_config=dict(DATA_CONFIG),
                description=f"T2T-ViT-{depth} (Yuan et al. 2021, authors' release, {top1}% top-1)",
                url=RELEASE.format(file=file),
                filename=file,
            ),
        )


__all__ = ["T2TViT", "TokenPerformer", "TokensToToken", "VARIANTS", "build_t2t", "register"]
