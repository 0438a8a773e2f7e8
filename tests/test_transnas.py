"""TransNAS-Bench-101 tables and networks: fidelity to the bench (params_m, flops_m) and behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import zeroseg.transnas as tn
from zeroseg.transnas.decoder import ConvLayer


COLUMNS = ["arch", "net_code", "val_acc", "params_m", "flops_m", "snip", "grasp", "fisher",
           "grad_norm", "jacov", "nwot", "epe_nas", "plain", "l2_norm"]


@pytest.mark.parametrize(("space", "rows", "extra"), [("micro", 711, ["zen"]), ("macro", 500, [])])
def test_load_table_shape(space: str, rows: int, extra: list[str]) -> None:
    df = tn.load_table(space)
    assert list(df.columns) == COLUMNS + extra
    assert len(df) == rows and df.net_code.is_unique
    assert all(tn.space_of(c) == space for c in df.net_code)
    df.loc[0, "params_m"] = -1.0  # callers get a copy: the cached table is unchanged
    assert tn.load_table(space).loc[0, "params_m"] > 0


def test_load_table_unknown_space() -> None:
    with pytest.raises(ValueError, match="valid spaces: micro, macro"):
        tn.load_table("nano")


@pytest.mark.parametrize("space", ["micro", "macro"])
def test_params_parity_every_row(space: str) -> None:
    df = tn.load_table(space)
    ours = np.array([round(tn.count_params(c) / 1e6, 6) for c in df.net_code])
    bad = df.net_code[ours != df.params_m.to_numpy()].tolist()
    assert not bad, f"{len(bad)} {space} rows differ from params_m, e.g. {bad[:5]}"


@pytest.mark.parametrize("space", ["micro", "macro"])
def test_count_params_equals_full_build(space: str) -> None:
    codes = tn.load_table(space).net_code.sample(8, random_state=0)
    for code in codes:
        model = tn.build(code, device="meta")
        assert tn.count_params(code) == sum(p.numel() for p in model.parameters()), code
    assert tn.count_params(codes.iloc[0], num_classes=5) < tn.count_params(codes.iloc[0])


@pytest.mark.parametrize("code", ["64-41414-1_00_210", "64-41414-0_31_100", "64-3314-basic"])
def test_bench_flops_convention_reproduces_flops_m(code: str) -> None:
    row = tn.load_table(tn.space_of(code)).set_index("net_code").loc[code]
    assert round(tn.count_bench_flops(code) / 1e6, 6) == row.flops_m


@pytest.mark.parametrize(
    ("code", "size"),
    [("64-41414-1_00_210", 64), ("64-41414-0_31_100", 96), ("64-1114-basic", 64), ("64-3334-basic", 64)],
)
def test_forward_backward_real(code: str, size: int) -> None:
    torch.manual_seed(0)
    model = tn.build(code)
    x = torch.randn(2, 3, size, size)
    y = torch.randint(0, 17, (2, size, size))
    out = model(x)
    assert out.shape == (2, 17, size, size)
    F.cross_entropy(out, y).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert model.encoder.stem[0].weight.grad is not None and grads
    assert all(torch.isfinite(g).all() for g in grads)


def test_output_stride_and_decoder_depth_match_reference() -> None:
    # reference: num_upsample = int(log2(256 / w)), w = 224 // 4 halved once per stride-2 layer
    for layers in ["1111", "3111", "3311", "3331", "3333"]:
        net = tn.parse(f"64-{layers}-basic")
        w = 224 // 4
        for _ in range(net.num_downsample_layers):
            w //= 2
        assert net.num_halvings == int(math.log2(256 / w))
        assert tn.build(net.text, device="meta").output_stride == 2**net.num_halvings
    model = tn.build("64-41414-1_00_210", device="meta")
    assert model(torch.zeros(1, 3, 256, 320, device="meta")).shape == (1, 17, 256, 320)
    with pytest.raises(ValueError, match="not a multiple of the output stride 32"):
        model(torch.zeros(1, 3, 256, 240, device="meta"))


def test_initialisation_and_determinism() -> None:
    torch.manual_seed(3)
    a = tn.build("64-1114-basic")
    torch.manual_seed(3)
    b = tn.build("64-1114-basic")
    assert all(torch.equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
    conv = a.encoder.layer0[0].conv_a.ops[1]  # kaiming normal, fan_out, relu
    fan_out = conv.out_channels * conv.kernel_size[0] * conv.kernel_size[1]
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05)
    bns = [m for m in a.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(bool((m.weight == 1).all() and (m.bias == 0).all()) for m in bns)
    first = a.decoder.model[0]
    assert isinstance(first, ConvLayer) and first.conv.bias is not None and first.conv.bias.abs().sum() > 0
    assert {"encoder.stem.2.ops.1.weight", "decoder.model.0.conv.weight"} <= set(a.state_dict())


def test_count_flops_convention_and_side_effects() -> None:
    torch.manual_seed(0)
    model = tn.build("64-1114-basic")
    before = model.encoder.stem[1].running_mean.clone()
    flops = tn.count_flops(model, input_size=(64, 64))
    assert model.training and torch.equal(before, model.encoder.stem[1].running_mean)
    assert flops == tn.count_flops("64-1114-basic", input_size=(64, 64))
    stem = model.encoder.stem[0]  # 2 × MACs of the first conv: 32×32 outputs × 32 ch × 27
    assert flops > 2 * 32 * 32 * stem.out_channels * 27
    assert tn.count_flops("64-1114-basic", (128, 128)) == 4 * flops  # convs scale with area
    with pytest.raises(TypeError):
        tn.count_flops(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("64-41414", "3 parts"),
        ("63-41414-1_00_210", "even integer"),
        ("x-1234-basic", "even integer"),
        ("64-41514-1_00_210", "digits 1-4"),
        ("64--basic", "digits 1-4"),
        ("64-41414-1_00_21", "three groups"),
        ("64-41414-1_04_210", "'4'"),
        ("64-44444-basic", "at most 4"),
        ("64-41414-bottleneck", "three groups"),
    ],
)
def test_bad_net_codes(code: str, fragment: str) -> None:
    for fn in (tn.build, tn.space_of, tn.count_params):
        with pytest.raises(ValueError, match=fragment) as err:
            fn(code)
        assert repr(code) in str(err.value)


def test_bad_num_classes_and_type() -> None:
    with pytest.raises(ValueError, match="num_classes"):
        tn.build("64-1114-basic", num_classes=0)
    with pytest.raises(ValueError, match="expected a str"):
        tn.parse(641414)  # type: ignore[arg-type]
