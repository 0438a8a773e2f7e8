"""Parsing and validation of TransNAS-Bench-101 ``net_code`` strings.

The bench names every encoder by one string (Duan et al., CVPR 2021, Sec. 3; code
``yawen-d/TransNASBench``, ``lib/models/net_infer/net_macro.py``):

* micro (cell-level) space: ``64-41414-a_bc_def`` — base width, macro skeleton, and the
  ops of the 4-node cell grouped by destination node (node 1 ← 0; node 2 ← 0,1; node 3 ← 0,1,2).
* macro (skeleton-level) space: ``64-<digits>-basic`` — one digit per layer of two ResNet
  basic blocks: 1 keep width, 2 double width, 3 keep width + stride 2, 4 double width + stride 2.

Digits of the cell: 0 zero, 1 skip (factorised reduce when stride or width changes),
2 ReLU-Conv1×1-BN, 3 ReLU-Conv3×3-BN.
"""

from __future__ import annotations

from dataclasses import dataclass

SPACES = ("micro", "macro")
LAYER_DIGITS = "1234"
CELL_DIGITS = "0123"
MAX_DOWNSAMPLE_LAYERS = 4  # the segmentation decoder supports 2..6 upsamplings (stem gives 2)


@dataclass(frozen=True)
class NetCode:
    """A parsed ``net_code``: ``cell`` is ``None`` for the macro (ResNet basic block) space."""

    text: str
    base: int
    layers: str
    cell: tuple[str, str, str] | None

    @property
    def space(self) -> str:
        return "macro" if self.cell is None else "micro"

    @property
    def num_downsample_layers(self) -> int:
        """Layers with stride 2 (digits 3 and 4); the stem adds two more halvings."""
        return sum(d in "34" for d in self.layers)

    @property
    def num_halvings(self) -> int:
        """log2 of the encoder's total downsampling (stem 2 + stride-2 layers); also the
        number of upsamplings of the segmentation decoder."""
        return 2 + self.num_downsample_layers

    @property
    def output_stride(self) -> int:
        """Total downsampling of the encoder: input H and W must be multiples of it."""
        return 2**self.num_halvings


def _fail(code: object, why: str) -> ValueError:
    return ValueError(
        f"invalid TransNAS-Bench-101 net_code {code!r}: {why} "
        "(expected micro '64-41414-a_bc_def' with cell digits 0-3, or macro '64-<digits 1-4>-basic')"
    )


def _parse_cell(code: str, cell: str) -> tuple[str, str, str]:
    groups = cell.split("_")
    if [len(g) for g in groups] != [1, 2, 3]:
        raise _fail(code, f"cell part {cell!r} must be three groups of 1, 2 and 3 digits joined by '_'")
    for g in groups:
        bad = [c for c in g if c not in CELL_DIGITS]
        if bad:
            raise _fail(code, f"cell op {bad[0]!r} in {cell!r} is not one of {', '.join(CELL_DIGITS)}")
    return groups[0], groups[1], groups[2]


def parse(code: str) -> NetCode:
    """Parse and validate ``code``; raise ``ValueError`` saying which part is wrong."""
    if not isinstance(code, str):
        raise _fail(code, f"expected a str, got {type(code).__name__}")
    parts = code.split("-")
    if len(parts) != 3:
        raise _fail(code, f"expected 3 parts separated by '-', got {len(parts)}")
    base_s, layers, last = parts
    if not base_s.isdigit() or int(base_s) < 2 or int(base_s) % 2:
        raise _fail(code, f"base width {base_s!r} must be an even integer >= 2")
    if not layers or any(d not in LAYER_DIGITS for d in layers):
        raise _fail(code, f"layer part {layers!r} must be a non-empty string of digits 1-4")
    cell = None if last == "basic" else _parse_cell(code, last)
    net = NetCode(code, int(base_s), layers, cell)
    if net.num_downsample_layers > MAX_DOWNSAMPLE_LAYERS:
        raise _fail(
            code,
            f"{net.num_downsample_layers} stride-2 layers (digits 3/4); the segmentation decoder "
            f"supports at most {MAX_DOWNSAMPLE_LAYERS}",
        )
    return net


def check_num_classes(num_classes: object) -> int:
    """``num_classes`` if it is a positive int, else ``ValueError``."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    return num_classes


def space_of(net_code: str) -> str:
    """``"micro"`` or ``"macro"``: the TNB101 search space ``net_code`` belongs to."""
    return parse(net_code).space
