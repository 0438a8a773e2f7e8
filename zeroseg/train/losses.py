"""Segmentation losses: OHEM cross-entropy (GAS §4.2) and pixel-wise KL distillation (SasWOT, RTSeg)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.data.base import IGNORE_INDEX


class OhemCrossEntropy(nn.Module):
    """Online bootstrapped CE (Wu et al. 2016, used by GAS and FasterSeg's ProbOhemCrossEntropy2d).

    Pixels whose target-class probability is above ``thresh`` are dropped, but at least
    ``min_kept`` = ``min_kept_ratio`` × pixels of the batch (FasterSeg: B·H·W/16) are kept.
    """

    def __init__(self, thresh: float = 0.7, min_kept_ratio: float = 1 / 16,
                 ignore_index: int = IGNORE_INDEX) -> None:
        super().__init__()
        self.thresh, self.min_kept_ratio, self.ignore_index = thresh, min_kept_ratio, ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logits = logits.float()
        valid = target != self.ignore_index
        n_valid = int(valid.sum())
        if n_valid == 0:
            return logits.sum() * 0.0
        min_kept = int(target.numel() * self.min_kept_ratio)
        if 0 < min_kept < n_valid:
            with torch.no_grad():
                prob = F.softmax(logits, 1).gather(1, target.clamp(max=logits.shape[1] - 1).unsqueeze(1))[:, 0]
                kth = prob[valid].kthvalue(min_kept).values
                keep = valid & (prob <= torch.clamp(kth, min=self.thresh))
            target = torch.where(keep, target, torch.full_like(target, self.ignore_index))
        return F.cross_entropy(logits, target, ignore_index=self.ignore_index)


def pixel_kl(student: torch.Tensor, teacher: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Mean over pixels of KL(teacher ‖ student) on class softmaxes, scaled by T² (Hinton et al.)."""
    if teacher.shape[-2:] != student.shape[-2:]:
        teacher = F.interpolate(teacher, size=student.shape[-2:], mode="bilinear", align_corners=False)
    t = temperature
    log_s = F.log_softmax(student.float() / t, 1)
    log_t = F.log_softmax(teacher.float() / t, 1)
    return (log_t.exp() * (log_t - log_s)).sum(1).mean() * t * t
