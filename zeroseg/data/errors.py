"""Data errors: each names the file (and value) at fault and says how to fix it."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Base of every dataset error (a ``ValueError`` so the CLI prints one clear line)."""


class MissingFileError(DataError, FileNotFoundError):
    """A listed image or label does not exist."""

    def __init__(self, path: Path, fix: str) -> None:
        super().__init__(f"missing file {path}: {fix}")
        self.path = path


class CorruptFileError(DataError):
    """A file exists but PIL cannot decode it (truncated download, wrong format)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"cannot read {path} ({why}): re-download or re-extract this file")
        self.path = path


class LabelValueError(DataError):
    """A label map holds a value that is neither a class of the dataset nor the ignore value."""

    def __init__(self, path: Path, values: list[int], allowed: str) -> None:
        shown = ", ".join(str(v) for v in values[:10])
        super().__init__(
            f"label {path} holds value(s) {shown} outside the class set ({allowed}); "
            "check that this is the right label file (class-index PNG, not a colour PNG)"
        )
        self.path = path
        self.values = values
