"""Imported first by the commands that print a summary (`make demo`, the overhead benchmark).

Sets, before Prefect, MLflow and Ray are imported (Ray's processes inherit the environment): no
telemetry (offline it only logs errors), Prefect at WARNING (no line per task), MLflow at ERROR
(no progress bars), a longer ephemeral-server start on a loaded machine, and no library warnings —
otherwise they bury the table the command exists to print. Explicit settings in the environment win.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

QUIET_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "RAY_USAGE_STATS_ENABLED": "0",
    "MLFLOW_LOGGING_LEVEL": "ERROR",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "PYTHONWARNINGS": "ignore",
}


def _drop_warning(*args: Any, **kwargs: Any) -> None:
    """`warnings.showwarning` that shows nothing: filters alone do not last, as an import in MLflow's
    dependency tree resets them."""


for name, value in QUIET_ENVIRONMENT.items():
    os.environ.setdefault(name, value)
warnings.simplefilter("ignore")
warnings.showwarning = _drop_warning
