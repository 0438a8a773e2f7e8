"""Segmentation datasets (CamVid, Cityscapes, folder of pairs) and torch/numpy/PIL augmentation."""

from zeroseg.data.base import IGNORE_INDEX, SegDataset
from zeroseg.data.errors import CorruptFileError, DataError, LabelValueError, MissingFileError
from zeroseg.data.registry import DATASETS, create_dataset, get_dataset, list_datasets, register_dataset
from zeroseg.data.transforms import EvalTransform, TrainTransform

__all__ = [
    "DATASETS", "IGNORE_INDEX", "CorruptFileError", "DataError", "EvalTransform", "LabelValueError",
    "MissingFileError", "SegDataset", "TrainTransform", "create_dataset", "get_dataset",
    "list_datasets", "register_dataset",
]
