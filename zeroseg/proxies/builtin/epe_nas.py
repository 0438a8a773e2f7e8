"""epe_nas (Lopes et al. 2021): Σ_c |Σ log(|corr(J_c)| + k)| over the classes c of the batch,
J_c = the input Jacobians of the images of class c (NASLib ``measures/epe_nas.py``, ≤ 100 classes).

Segmentation has a label per pixel; we give each image the class of the majority of its valid
pixels (our adaptation: Suite-Zero's TNB101 column is a constant sentinel, REFERENCES.md).
"""

import torch

from zeroseg.proxies.base import ProxyFailure, register_proxy
from zeroseg.proxies.context import Context
from zeroseg.stats.batch import IGNORE_INDEX

K = 1e-5


def image_classes(labels: torch.Tensor) -> list[int]:
    """The majority non-ignored label of each image (N, H, W) → N ints."""
    out = []
    for lab in labels.reshape(labels.shape[0], -1):
        valid = lab[lab != IGNORE_INDEX]
        if valid.numel() == 0:
            raise ProxyFailure("an image of the batch has no labelled pixel")
        out.append(int(torch.bincount(valid).argmax()))
    return out


@register_proxy("epe_nas", needs=("labels", "input_jacobian"), bn="train", sign=1, kind="builtin",
                provenance="Lopes et al. 2021 (EPE-NAS); NASLib measures/epe_nas.py; per-image majority class")
def epe_nas(ctx: Context) -> float:
    jac = ctx.grad_pass("train", frozenset({"input_jacobian"})).input_jacobian.double()
    classes = torch.tensor(image_classes(ctx.batch()[1]))
    score = 0.0
    for c in classes.unique():
        rows = jac[classes == c]
        corr = torch.corrcoef(rows) if rows.shape[0] > 1 else torch.ones(1, 1, dtype=torch.float64)
        score += abs(float(torch.log(corr.abs() + K).sum()))
    return score
