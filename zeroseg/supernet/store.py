"""The weight store of a one-shot supernet (SPOS: Guo et al., Single Path One-Shot NAS, ECCV 2020 §3).

No supernet module is ever built: each sampled path is a plain ``space.build(g)`` network whose
parameters and buffers are *bound* to the store's tensors (the same objects, no copies). A tensor's
key is its module path + the classes along that path + its shape, so the same op at the same
position in two genotypes shares one tensor, while another op (another class chain) or another
width (another shape) at that position gets its own. Works for any registered space.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

KINDS = ("param", "buffer", "momentum")


@dataclass(frozen=True)
class Slot:
    """One tensor attribute of one module of a built network, and its store key."""

    module: nn.Module
    attr: str
    is_param: bool
    key: str

    def tensor(self) -> torch.Tensor:
        return getattr(self.module, self.attr)


def tensor_key(path: str, chain: tuple[str, ...], shape: torch.Size) -> str:
    return f"{path}|{'>'.join(chain)}|{'x'.join(map(str, shape)) or 'scalar'}"


def slots(net: nn.Module) -> list[Slot]:
    """Every parameter and persistent buffer of ``net`` with its key (module path + classes + shape)."""
    out: list[Slot] = []

    def walk(m: nn.Module, path: str, chain: tuple[str, ...]) -> None:
        chain = chain + (type(m).__name__,)
        for name, p in m._parameters.items():
            if p is not None:
                out.append(Slot(m, name, True, tensor_key(path + name, chain, p.shape)))
        for name, b in m._buffers.items():
            if b is not None and name not in m._non_persistent_buffers_set:
                out.append(Slot(m, name, False, tensor_key(path + name, chain, b.shape)))
        for name, child in m._modules.items():
            if child is not None:
                walk(child, f"{path}{name}.", chain)

    walk(net, "", ())
    return out


class WeightStore:
    """Shared tensors by key: parameters, buffers (BN running statistics) and SGD momentum buffers."""

    def __init__(self, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.params: dict[str, nn.Parameter] = {}
        self.buffers: dict[str, torch.Tensor] = {}
        self.momentum: dict[str, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self.params) + len(self.buffers)

    def has(self, s: Slot) -> bool:
        return s.key in (self.params if s.is_param else self.buffers)

    def bind(self, net: nn.Module) -> int:
        """Point ``net``'s tensors at the store's; tensors the store lacks join it with the network's
        fresh initialisation. Returns how many joined."""
        new = 0
        for s in slots(net):
            if not self.has(s):
                t = s.tensor().detach().to(self.device)
                if s.is_param:
                    self.params[s.key] = nn.Parameter(t, requires_grad=True)
                else:
                    self.buffers[s.key] = t
                new += 1
            if s.is_param:
                s.module._parameters[s.attr] = self.params[s.key]
            else:
                s.module._buffers[s.attr] = self.buffers[s.key]
        return new

    @torch.no_grad()
    def inherit(self, net: nn.Module) -> tuple[int, int]:
        """Copy the store's tensors into ``net`` (scoring must not change the supernet); the rest keep
        their fresh initialisation. Returns (inherited, total) tensor counts."""
        every = slots(net)
        hits = [s for s in every if self.has(s)]
        for s in hits:
            s.tensor().copy_((self.params if s.is_param else self.buffers)[s.key])
        return len(hits), len(every)

    @torch.no_grad()
    def sgd_step(self, lr: float, momentum: float, weight_decay: float) -> int:
        """``torch.optim.SGD``'s update (dampening 0, no Nesterov) on the tensors that got a gradient
        this step — the sampled path only; weight decay on ≥2-D tensors only, as ``make_sgd``.
        Clears the gradients; returns how many tensors moved."""
        moved = 0
        for key, p in self.params.items():
            if p.grad is None:
                continue
            d = p.grad.add(p, alpha=weight_decay) if p.ndim > 1 and weight_decay else p.grad
            buf = self.momentum.get(key)
            if buf is None:
                buf = self.momentum[key] = d.clone()
            else:
                buf.mul_(momentum).add_(d)
            p.add_(buf, alpha=-lr)
            p.grad = None
            moved += 1
        return moved

    def state_dict(self) -> dict[str, torch.Tensor]:
        """A plain ``{"kind/key": tensor}`` dict on CPU (``torch.load(weights_only=True)`` reads it)."""
        out: dict[str, torch.Tensor] = {}
        for kind, table in zip(KINDS, (self.params, self.buffers, self.momentum)):
            out.update({f"{kind}/{k}": t.detach().cpu().clone() for k, t in table.items()})
        return out

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor], device: str | torch.device = "cpu") -> "WeightStore":
        """Inverse of ``state_dict``; a key without a known ``kind/`` prefix is a ValueError naming it."""
        store = cls(device)
        for name, t in state.items():
            kind, sep, key = name.partition("/")
            if not sep or kind not in KINDS or not isinstance(t, torch.Tensor):
                raise ValueError(f"entry {name!r} is not 'param|buffer|momentum/<key>' → tensor")
            t = t.to(store.device)
            if kind == "param":
                store.params[key] = nn.Parameter(t, requires_grad=True)
            else:
                (store.buffers if kind == "buffer" else store.momentum)[key] = t
        return store
