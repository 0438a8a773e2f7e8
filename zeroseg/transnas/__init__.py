"""TransNAS-Bench-101 (TNB101) semantic segmentation: shipped tables and faithful networks.

``load_table(space)`` returns the bench's rows; ``build(net_code)`` returns the encoder +
segmentation decoder the bench trained (Duan et al., CVPR 2021; code ``yawen-d/TransNASBench``);
``count_params``/``count_flops`` measure it; ``count_bench_flops`` reproduces the
bench's own ``flops_m`` convention. ``parse`` validates a ``net_code``.
"""

from zeroseg.transnas.bench_flops import count_bench_flops
from zeroseg.transnas.build import NUM_CLASSES, Segmentation, build
from zeroseg.transnas.codes import NetCode, parse, space_of
from zeroseg.transnas.flops import count_flops, count_params
from zeroseg.transnas.tables import load_table

__all__ = [
    "NUM_CLASSES",
    "NetCode",
    "Segmentation",
    "build",
    "count_bench_flops",
    "count_flops",
    "count_params",
    "load_table",
    "parse",
    "space_of",
]
