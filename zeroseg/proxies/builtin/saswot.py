"""SasWOT (Zhu et al., AAAI 2024, Eq. 3): AVT(SasWOT−) + AVT(NWOT), with each proxy's min/max
estimated beforehand from a random sample of networks of the same setup (Eq. 4; ``avt.py``)."""

from zeroseg.proxies.avt import avt_combination
from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context

COMPONENTS = ("saswot_minus", "nwot")


@register_proxy("saswot", needs=("labels", "gradients", "stats"), bn="train", sign=1, kind="builtin",
                provenance="SasWOT (Zhu et al., AAAI 2024) Eq. 3-4; AVT min/max in zeroseg/proxies/data/avt.json "
                           "or estimated into the user cache",
                components=COMPONENTS)
def saswot(ctx: Context) -> float:
    return avt_combination(ctx, COMPONENTS)
