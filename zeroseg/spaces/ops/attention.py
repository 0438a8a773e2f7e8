"""Attention blocks: AttNAS's 13 candidates (AttNAS Table 1) and RTSeg's patch MHSA (RTSeg Eq. 1-2).

Every AttNAS candidate maps C → C channels at the same resolution, so any of them can sit in
either attention layer. Resizes go to the input's exact size (``resize_like``), so odd feature
sizes work.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.flop_count import register_flops
from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.resize import resize_like


class PoolConv(nn.Module):
    """Att1–Att5: adaptive pool to p×p → 1×1 conv-BN → upsample (PSPNet's pyramid bins)."""

    def __init__(self, c: int, bins: int) -> None:
        super().__init__()
        self.bins = bins
        self.conv = ConvBNReLU(c, c, 1, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resize_like(self.conv(F.adaptive_avg_pool2d(x, self.bins)), x)


class AtrousConv(nn.Module):
    """Att6–Att9: one ASPP branch — 1×1 (rate 1) or 3×3 atrous conv-BN-ReLU."""

    def __init__(self, c: int, rate: int) -> None:
        super().__init__()
        self.conv = ConvBNReLU(c, c, 1 if rate == 1 else 3, dilation=rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class StripPooling(nn.Module):
    """Att10: horizontal + vertical strip pools → 3×1 / 1×3 convs → fused 3×3 conv-BN gate (Hou et al.)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv_h = nn.Sequential(nn.Conv2d(c, c, (1, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(c))
        self.conv_w = nn.Sequential(nn.Conv2d(c, c, (3, 1), padding=(1, 0), bias=False), nn.BatchNorm2d(c))
        self.fuse = ConvBNReLU(c, c, 3, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        s_h = self.conv_h(F.adaptive_avg_pool2d(x, (1, w))).expand(-1, -1, h, w)
        s_w = self.conv_w(F.adaptive_avg_pool2d(x, (h, 1))).expand(-1, -1, h, w)
        return x * torch.sigmoid(self.fuse(F.relu(s_h + s_w)))


class PooledSelfAttention(nn.Module):
    """Att11–Att12: pool to p×p → non-local self-attention over the p² tokens → upsample (OCNet-style)."""

    def __init__(self, c: int, bins: int, reduction: int = 8) -> None:
        super().__init__()
        self.bins = bins
        self.qk = nn.Conv2d(c, 2 * max(1, c // reduction), 1)
        self.value = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = F.adaptive_avg_pool2d(x, self.bins)
        q, k = self.qk(p).flatten(2).chunk(2, dim=1)                   # B × d × N
        attn = torch.softmax(q.transpose(1, 2) @ k / q.shape[1] ** 0.5, dim=-1)  # B × N × N
        v = self.value(p).flatten(2)                                    # B × C × N
        return resize_like((v @ attn.transpose(1, 2)).view_as(p), x)


@register_flops(PooledSelfAttention)
def _pooled_self_attention_flops(m: PooledSelfAttention, args: tuple, _out: torch.Tensor) -> int:
    """Its two matmuls over the p² pooled tokens: qᵀ·k (N×d·d×N) and v·attnᵀ (C×N·N×N)."""
    batch, tokens = args[0].shape[0], m.bins * m.bins
    return 2 * batch * tokens * tokens * (m.qk.out_channels // 2 + m.value.out_channels)


class SqueezeExcite(nn.Module):
    """Att13: global pool → FC-ReLU-FC-sigmoid → channel re-weighting (Hu et al.)."""

    def __init__(self, c: int, reduction: int = 16) -> None:
        super().__init__()
        mid = max(1, c // reduction)
        self.fc = nn.Sequential(nn.Conv2d(c, mid, 1), nn.ReLU(inplace=True), nn.Conv2d(mid, c, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(F.adaptive_avg_pool2d(x, 1))


# AttNAS Table 1, indexed 1..13 as the paper does.
ATTNAS_CANDIDATES: dict[int, tuple[str, object]] = {
    1: ("pool1_conv", lambda c: PoolConv(c, 1)),
    2: ("pool2_conv", lambda c: PoolConv(c, 2)),
    3: ("pool3_conv", lambda c: PoolConv(c, 3)),
    4: ("pool6_conv", lambda c: PoolConv(c, 6)),
    5: ("pool9_conv", lambda c: PoolConv(c, 9)),
    6: ("atrous1", lambda c: AtrousConv(c, 1)),
    7: ("atrous6", lambda c: AtrousConv(c, 6)),
    8: ("atrous12", lambda c: AtrousConv(c, 12)),
    9: ("atrous18", lambda c: AtrousConv(c, 18)),
    10: ("strip_pool", StripPooling),
    11: ("pool6_selfattn", lambda c: PooledSelfAttention(c, 6)),
    12: ("pool9_selfattn", lambda c: PooledSelfAttention(c, 9)),
    13: ("se", SqueezeExcite),
}


def attnas_candidate(index: int, channels: int) -> nn.Module:
    """Build AttNAS attention ``index`` (1..13, Table 1) at ``channels`` width."""
    if index not in ATTNAS_CANDIDATES:
        raise ValueError(f"AttNAS attention index must be 1..13, got {index}")
    return ATTNAS_CANDIDATES[index][1](channels)  # type: ignore[operator]


class PatchMHSA(nn.Module):
    """RTSeg's MHSA path: (B,C,H,W) → P×P patches (B,N,P²C) → pre-LN MHSA + MLP → back to 4D.

    Odd sizes are zero-padded to a multiple of P and cropped back afterwards.
    """

    def __init__(self, c: int, mlp_ratio: float = 2.0, patch: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.patch = patch
        dim = c * patch * patch
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(round(dim * mlp_ratio))
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        p = self.patch
        hp, wp = -(-h // p), -(-w // p)
        y = F.pad(x, (0, wp * p - w, 0, hp * p - h))
        t = y.view(b, c, hp, p, wp, p).permute(0, 2, 4, 1, 3, 5).reshape(b, hp * wp, c * p * p)
        n = self.norm1(t)
        t = t + self.attn(n, n, n, need_weights=False)[0]
        t = t + self.mlp(self.norm2(t))
        y = t.view(b, hp, wp, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, hp * p, wp * p)
        return y[:, :, :h, :w]
