"""Prefect tasks: thin wrappers (cache policy, retries, artifacts) over one `stsnet` call each."""

from tasks.data import amplify, convert_slices, ingest
from tasks.evaluation import Evaluation, evaluate
from tasks.prediction import segment
from tasks.registry import RegisteredModel, register
from tasks.report import report
from tasks.training import TrainedModel, train

__all__ = [
    "Evaluation",
    "RegisteredModel",
    "TrainedModel",
    "amplify",
    "convert_slices",
    "evaluate",
    "ingest",
    "register",
    "report",
    "segment",
    "train",
]
