"""jacov (Mellor et al. 2021, v1): −Σ_i [log(λ_i + k) + 1/(λ_i + k)], k = 1e-5, λ = eigenvalues
of the correlation matrix of the per-input Jacobians ∂(Σ logits)/∂x. NASLib ``measures/jacov.py``.
"""

import torch

from zeroseg.proxies.base import ProxyFailure, register_proxy
from zeroseg.proxies.context import Context

K = 1e-5


def jacobian_corr(jac: torch.Tensor) -> torch.Tensor:
    """N × N correlation of the rows of ``jac`` in float64 (NaN rows make the proxy invalid)."""
    corr = torch.corrcoef(jac.double())
    if not torch.isfinite(corr).all():
        raise ProxyFailure("Jacobian correlation is not finite (a constant Jacobian row)")
    return corr


@register_proxy("jacov", needs=("input_jacobian",), bn="train", sign=1, kind="builtin",
                provenance="Mellor et al. 2021 (NASWOT v1); NASLib measures/jacov.py")
def jacov(ctx: Context) -> float:
    jac = ctx.grad_pass("train", frozenset({"input_jacobian"})).input_jacobian
    v = torch.linalg.eigvalsh(jacobian_corr(jac))
    return float(-(torch.log(v + K) + 1.0 / (v + K)).sum())
