"""Pydantic models of every setting, with the paper's values as defaults.

Flows take these models as parameters, so the Prefect UI renders them as forms and bad values are
refused before any work starts. Each area keeps its settings in its own module.
"""

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.config.model import ModelSettings
from stsnet.config.scaling import ScalingSettings
from stsnet.config.training import TrainingSettings

__all__ = ["AmplificationSettings", "DatasetSettings", "ModelSettings", "ScalingSettings", "TrainingSettings"]
