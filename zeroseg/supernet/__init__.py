"""One-shot weight-sharing supernet for any registered space (SPOS, Guo et al. ECCV 2020).

``store`` keeps the shared tensors (keyed by module path + classes + shape) and binds them into
plain ``space.build(g)`` networks; ``train`` trains it by uniform single-path sampling; ``checkpoint``
saves/loads it under a settings digest; ``candidate`` scores one genotype (inherit → fine-tune →
val mIoU). The ``supernet`` scorer (``zeroseg.scorers.supernet``) puts them together.
"""

from zeroseg.supernet.checkpoint import DEFAULT_DIR, SupernetCheckpointError, checkpoint_path, load, save
from zeroseg.supernet.store import WeightStore, slots
from zeroseg.supernet.train import SupernetSettings, train_supernet

__all__ = ["DEFAULT_DIR", "SupernetCheckpointError", "SupernetSettings", "WeightStore", "checkpoint_path", "load",
           "save", "slots", "train_supernet"]
