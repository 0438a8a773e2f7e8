"""Supernet scoring: val mIoU of a candidate with inherited one-shot weights after k fine-tuning steps.

The costlier, stronger scorer of the segmenter search (issue 5; SPOS, Guo et al. ECCV 2020 §3):
``calibrate`` trains a weight-sharing supernet of ``setup.space`` by uniform single-path sampling
for ``supernet_steps`` steps on the train split at the search's input size and batch — or reuses
the checkpoint an earlier search with the same settings left in ``supernet_dir``; ``score`` builds
the candidate, inherits the supernet's tensors, fine-tunes ``finetune_steps`` SGD steps and returns
the mIoU on ``supernet_val_images`` val images. The machinery is ``zeroseg.supernet``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from zeroseg.scorers.base import ScoreResult, ScoringSetup, register_scorer
from zeroseg.spaces import create_space
from zeroseg.supernet import checkpoint_path, load, save, train_supernet
from zeroseg.supernet.candidate import score_candidate
from zeroseg.supernet.checkpoint import DEFAULT_DIR
from zeroseg.supernet.data import finetune_batches, val_subset
from zeroseg.supernet.train import SupernetSettings


@register_scorer("supernet", needs=("dataset", "training"), training=True,
                 cost="one supernet training per settings (cached on disk), then per candidate k SGD steps "
                      "and a forward pass over the val subset",
                 smoke={"supernet_steps": 2, "finetune_steps": 1, "supernet_val_images": 2},
                 flags={"supernet_steps": "single-path training steps of the supernet",
                        "finetune_steps": "SGD steps per candidate on inherited weights",
                        "supernet_val_images": "val images of the candidate's mIoU",
                        "supernet_dir": "folder of reusable supernet checkpoints"})
class SupernetScorer:
    """Scores genotypes of ``setup.space`` by fine-tuned val mIoU with weights from a shared supernet."""

    def __init__(self, setup: ScoringSetup, supernet_steps: int = 300, finetune_steps: int = 20,
                 supernet_val_images: int = 24, supernet_dir: str = DEFAULT_DIR,
                 lr: float = 0.02, finetune_lr: float = 0.01, checkpoint: str | None = None):
        if finetune_steps < 0 or supernet_val_images < 1 or not finetune_lr > 0:
            raise ValueError(f"finetune_steps must be >= 0, supernet_val_images >= 1 and finetune_lr > 0, got "
                             f"{finetune_steps}, {supernet_val_images}, {finetune_lr}")
        self.setup, self.supernet_dir, self.checkpoint = setup, str(supernet_dir), checkpoint
        self.finetune_steps, self.val_images = int(finetune_steps), int(supernet_val_images)
        self.finetune_lr = float(finetune_lr)
        self.settings = SupernetSettings(setup.space, setup.dataset, setup.num_classes, setup.input_size,
                                         setup.batch_size, int(supernet_steps), setup.seed, float(lr))

    def options(self) -> dict[str, Any]:
        s = self.settings
        return {"supernet_steps": s.steps, "finetune_steps": self.finetune_steps,
                "supernet_val_images": self.val_images, "supernet_dir": self.supernet_dir, "lr": s.lr,
                "finetune_lr": self.finetune_lr, "checkpoint": self.checkpoint}

    @cached_property
    def space(self):
        return create_space(self.setup.space)

    def calibrate(self, log: Callable[[str], None] = print) -> dict[str, Any]:
        """Load the supernet of these settings if one was saved, else train and save it."""
        path = Path(self.checkpoint) if self.checkpoint else checkpoint_path(self.supernet_dir, self.settings)
        if path.is_file():
            store, doc = load(path, self.settings, self.setup.device)
            log(f"[supernet] reusing {path}")
            summary, trained = doc.get("summary", {}), False
        else:
            store, summary = train_supernet(self.settings, self.setup.data_root, self.setup.device, log=log)
            save(path, store, self.settings, summary)
            log(f"[supernet] saved {path}")
            trained = True
        self.checkpoint = str(path)
        self.__dict__["store"] = store
        return {"checkpoint": self.checkpoint, "trained": trained, "settings": self.settings.to_dict(), **summary}

    @cached_property
    def store(self):
        if self.checkpoint is None:
            raise RuntimeError("the supernet scorer has no checkpoint: call calibrate() once per search first")
        return load(Path(self.checkpoint), self.settings, self.setup.device)[0]

    def score(self, g: Any) -> ScoreResult:
        s = self.setup
        batches = finetune_batches(s.dataset, s.data_root, s.input_size, s.batch_size, self.finetune_steps, s.seed + 1)
        val = val_subset(s.dataset, s.data_root, s.input_size, self.val_images)
        return score_candidate(self.store, self.space, g, s.num_classes, batches, val, self.finetune_lr, s.seed,
                               s.batch_size)
