"""RTSeg (Li et al., "Towards Real-Time Segmentation on the Edge"): the dual-branch edge space.

Detail branch (§Supernet Design): 8 plain 3×3 conv layers in 3 stages (BiSeNetV2's 2+3+3, each
stage opening with stride 2 → H/8), every layer with its own width (RTSeg's per-layer width
search, §Width Search). Semantic branch: BiSeNetV2 stem (H/4), then three stages (H/8, H/16,
H/32) of one downsample block (Fig. 2a) and 2/2/4 mixed blocks (Fig. 2b), each block choosing
skip / LIR (expansion 2,4,6) / MHSA (MLP ratio 1,2,4) (§Differentiable Block Search); stage
widths are searched too. Context embedding, BGA (128 ch) and a light decoder (3×3 conv 64 +
1×1 classifier) follow, then a bilinear resize to the input.
Text: ``detail widths | stage widths | blocks``, blocks as ``s`` / ``l4`` / ``m2``, e.g.
``32,32,48,48,48,96,96,128|24,48,96|l4,s,m2,l6,s,s,m4,l2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from torch import nn

from zeroseg.latency.spec import BlockSpec, Resized
from zeroseg.spaces.base import InvalidGenotype, SearchSpace, register_space
from zeroseg.spaces.catalog.rtseg_net import BGA, ContextEmbedding, RTSegBody, StemBlock
from zeroseg.spaces.ops.attention import PatchMHSA
from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.head import SegHead, Segmenter
from zeroseg.spaces.ops.mobilenet import DownsampleIR, InvertedResidual

DETAIL_CHOICES: tuple[tuple[int, ...], ...] = ((32, 48, 64),) * 5 + ((64, 96, 128),) * 3
DETAIL_STRIDES = (2, 1, 2, 1, 1, 2, 1, 1)
STAGE_CHOICES: tuple[tuple[int, ...], ...] = ((16, 24, 32), (32, 48, 64), (64, 96, 128))
STAGE_BLOCKS = (2, 2, 4)
RATIOS = {"s": (0,), "l": (2, 4, 6), "m": (1, 2, 4)}  # skip / LIR expansion / MHSA MLP ratio
STEM_C, BGA_C, DEC_C = 16, 128, 64
_TEXT = re.compile(r"^([0-9,]+)\|([0-9,]+)\|([slm0-9,]+)$")


@dataclass(frozen=True)
class RTSegGenotype:
    """detail: 8 layer widths; stages: 3 stage widths; blocks: 8 (op, ratio), op in s/l/m, skip ratio 0."""

    detail: tuple[int, ...]
    stages: tuple[int, ...]
    blocks: tuple[tuple[str, int], ...]


def _down(n: int, s: int) -> int:
    return -(-n // s)


@register_space
class RTSegSpace(SearchSpace):
    """Dual-branch edge network: per-layer widths + skip/LIR/MHSA mixed blocks (RTSeg)."""

    name: ClassVar[str] = "rtseg"
    description: ClassVar[str] = ("Dual-branch (detail + semantic) edge net, skip/LIR/MHSA blocks, "
                                  "per-layer widths (RTSeg)")
    paper: ClassVar[str] = "Towards Real-Time Segmentation on the Edge (RTSeg)"

    # -- genotypes -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> RTSegGenotype:
        return RTSegGenotype(tuple(int(rng.choice(c)) for c in DETAIL_CHOICES),
                             tuple(int(rng.choice(c)) for c in STAGE_CHOICES),
                             tuple(self._rand_block(rng) for _ in range(sum(STAGE_BLOCKS))))

    @staticmethod
    def _rand_block(rng: np.random.Generator) -> tuple[str, int]:
        op = str(rng.choice(list(RATIOS)))
        return op, int(rng.choice(RATIOS[op]))

    def mutate(self, g: RTSegGenotype, rng: np.random.Generator) -> RTSegGenotype:
        """Re-draw one gene (a detail width, a stage width or a block) to a different value."""
        genes = [("detail", i) for i in range(len(g.detail))] + [("stages", i) for i in range(len(g.stages))] \
            + [("blocks", i) for i in range(len(g.blocks))]
        part, i = genes[int(rng.integers(len(genes)))]
        values = list(getattr(g, part))
        if part == "blocks":
            options = [(op, r) for op, rs in RATIOS.items() for r in rs if (op, r) != values[i]]
            values[i] = options[int(rng.integers(len(options)))]
        else:
            choices = (DETAIL_CHOICES if part == "detail" else STAGE_CHOICES)[i]
            values[i] = int(rng.choice([c for c in choices if c != values[i]]))
        return RTSegGenotype(**{**g.__dict__, part: tuple(values)})

    def crossover(self, a: RTSegGenotype, b: RTSegGenotype, rng: np.random.Generator) -> RTSegGenotype:
        """Uniform crossover gene by gene (every gene's choices are independent)."""
        def mix(x: tuple, y: tuple) -> tuple:
            return tuple(u if m else v for u, v, m in zip(x, y, rng.random(len(x)) < 0.5))
        return RTSegGenotype(mix(a.detail, b.detail), mix(a.stages, b.stages), mix(a.blocks, b.blocks))

    def validate(self, g: RTSegGenotype) -> None:
        if not isinstance(g, RTSegGenotype):
            raise InvalidGenotype(f"rtseg: expected RTSegGenotype, got {type(g).__name__}")
        for part, choices in (("detail", DETAIL_CHOICES), ("stages", STAGE_CHOICES)):
            values = getattr(g, part)
            if len(values) != len(choices):
                raise InvalidGenotype(f"rtseg: {part} needs {len(choices)} widths, got {len(values)}")
            for i, (v, c) in enumerate(zip(values, choices)):
                if v not in c:
                    raise InvalidGenotype(f"rtseg: {part} width {i + 1} must be one of {c}, got {v!r}")
        if len(g.blocks) != sum(STAGE_BLOCKS):
            raise InvalidGenotype(f"rtseg: needs {sum(STAGE_BLOCKS)} mixed blocks, got {len(g.blocks)}")
        for i, blk in enumerate(g.blocks):
            if not (isinstance(blk, tuple) and len(blk) == 2 and blk[0] in RATIOS):
                raise InvalidGenotype(f"rtseg: block {i + 1} must be (op in s/l/m, ratio), got {blk!r}")
            if blk[1] not in RATIOS[blk[0]]:
                raise InvalidGenotype(
                    f"rtseg: block {i + 1} op {blk[0]!r} takes ratio in {RATIOS[blk[0]]}, got {blk[1]!r}")

    def encode(self, g: RTSegGenotype) -> str:
        self.validate(g)
        blocks = ",".join(op if op == "s" else f"{op}{r}" for op, r in g.blocks)
        return f"{','.join(map(str, g.detail))}|{','.join(map(str, g.stages))}|{blocks}"

    def decode(self, text: str) -> RTSegGenotype:
        m = _TEXT.match(text.strip())
        blocks = [re.fullmatch(r"(s)|([lm])([0-9]{1,9})", t) for t in m.group(3).split(",")] if m else []
        if not m or not all(blocks):
            raise InvalidGenotype(
                f"rtseg: cannot parse {text!r}; expected 'detail widths|stage widths|blocks' like "
                "'32,32,48,48,48,96,96,128|24,48,96|l4,s,m2,l6,s,s,m4,l2'")
        try:
            detail, stages = (tuple(int(v) for v in m.group(i).split(",")) for i in (1, 2))
        except ValueError:
            raise InvalidGenotype(f"rtseg: widths in {text!r} must be comma-separated integers") from None
        g = RTSegGenotype(detail, stages,
                          tuple(("s", 0) if b.group(1) else (b.group(2), int(b.group(3))) for b in blocks))
        self.validate(g)
        return g

    # -- networks --------------------------------------------------------------------------
    def build(self, g: RTSegGenotype, num_classes: int) -> nn.Module:
        self.validate(g)
        specs = self.blocks(g, (64, 64), num_classes)
        mods = {k: [self.make_block(s) for s in specs if s.op in k] for k in (("conv",), ("down", "lir", "mhsa"))}
        return Segmenter(RTSegBody(
            nn.Sequential(*mods[("conv",)]), StemBlock(STEM_C), nn.Sequential(*mods[("down", "lir", "mhsa")]),
            ContextEmbedding(g.stages[-1]), BGA(g.detail[-1], g.stages[-1], BGA_C),
            SegHead(BGA_C, num_classes, DEC_C)))

    # -- latency block protocol (zeroseg.latency.spec) -------------------------------------
    def blocks(self, g: RTSegGenotype, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]:
        """Detail convs, stem, downsample and non-skip mixed blocks, CE, BGA, head — in build order."""
        self.validate(g)
        H, W = input_size
        spec = lambda op, ci, co, h, w, **kw: BlockSpec(self.name, op, ci, co, h, w, **kw)  # noqa: E731
        out, c, h, w = [], 3, H, W
        for width, s in zip(g.detail, DETAIL_STRIDES):
            out.append(spec("conv", c, width, h, w, stride=s, kernel=3))
            c, h, w = width, _down(h, s), _down(w, s)
        detail_shape = (c, h, w)
        out.append(spec("stem", 3, STEM_C, H, W, stride=4, kernel=3))
        c, h, w = STEM_C, _down(_down(H, 2), 2), _down(_down(W, 2), 2)
        blocks = iter(g.blocks)
        for width, n in zip(g.stages, STAGE_BLOCKS):
            out.append(spec("down", c, width, h, w, stride=2, kernel=3, expand=6))
            c, h, w = width, _down(h, 2), _down(w, 2)
            for op, r in (next(blocks) for _ in range(n)):
                if op != "s":
                    out.append(spec("lir" if op == "l" else "mhsa", c, c, h, w, kernel=3, expand=r))
        out.append(spec("ce", c, c, h, w, kernel=3))
        out.append(spec("bga", detail_shape[0], BGA_C, *detail_shape[1:], kernel=3, extra=((c, h, w),)))
        out.append(spec("head", BGA_C, num_classes, *detail_shape[1:], kernel=3, out_h=H, out_w=W))
        return out

    def make_block(self, spec: BlockSpec) -> nn.Module:
        ci, co = spec.c_in, spec.c_out
        makers = {
            "conv": lambda: ConvBNReLU(ci, co, 3, spec.stride),
            "stem": lambda: StemBlock(co),
            "down": lambda: DownsampleIR(ci, co, spec.expand),
            "lir": lambda: InvertedResidual(ci, co, 3, spec.expand),
            "mhsa": lambda: PatchMHSA(ci, spec.expand),
            "ce": lambda: ContextEmbedding(ci),
            "bga": lambda: BGA(ci, spec.extra[0][0], co),
            "head": lambda: Resized(SegHead(ci, co, DEC_C), (spec.out_h, spec.out_w)),
        }
        if spec.op not in makers:
            raise ValueError(f"rtseg: unknown block op {spec.op!r}; known {sorted(makers)}")
        return makers[spec.op]()

