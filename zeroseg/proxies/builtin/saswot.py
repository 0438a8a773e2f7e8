"""SasWOT (Zhu et al., AAAI 2024, Eq. 3): AVT(SasWOT−) + AVT(NWOT), with each proxy's min/max
estimated beforehand from a random sample of archs of the same space (Eq. 4; ``avt.py``)."""

from zeroseg.proxies.avt import avt_bounds, normalize
from zeroseg.proxies.base import ProxyFailure, register_proxy
from zeroseg.proxies.context import ArchContext

COMPONENTS = ("saswot_minus", "nwot")


@register_proxy("saswot", needs=("labels", "gradients", "stats"), bn="train", sign=1, kind="builtin",
                provenance="SasWOT (Zhu et al., AAAI 2024) Eq. 3-4; AVT min/max in zeroseg/proxies/data/avt.json",
                components=COMPONENTS)
def saswot(ctx: ArchContext) -> float:
    total = 0.0
    for name in COMPONENTS:
        part = ctx.value(name)
        if not part.ok:
            raise ProxyFailure(f"{name}: {part.invalid}")
        total += normalize(part.value, *avt_bounds(name, ctx.space, ctx.resolution, ctx.batch_size))
    return total
