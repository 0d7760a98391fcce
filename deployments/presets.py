"""The paper's settings per dataset, as `pipeline` parameters (also written out in `prefect.yaml`).

Paper, "Implementation details": AdamW, lr 1e-4, batch 4, 100 epochs; inputs 480 px for SCCM-2022
and 512 px for the 2D datasets; amplification method 4 with N1 = 2025 (SCCM-2022), 2000 (ISIC2017)
and 576 (Lungs CT) pixels, N2 from Eq. 2; BUID-S uses the automatic thresholds (Eq. 1).
Sources are placeholders to edit in the run form or with `--param` (a folder, .zip or s3:// prefix).
"""

from __future__ import annotations

from typing import Any

PAPER_TRAINING: dict[str, Any] = {"epochs": 100, "batch_size": 4, "lr": 0.0001, "seed": 2021}


def _preset(name: str, source: str | None, size: int, n1: int | None) -> dict[str, Any]:
    amplification: dict[str, Any] = {"method": "method4"}
    if n1 is not None:
        amplification.update(thresholds="fixed", n1=n1)
    return {
        "dataset": {"name": name, "source": source, "size": size},
        "amplification": amplification,
        "model": {"name": "sts-net"},
        "training": dict(PAPER_TRAINING),
    }


DATASET_PRESETS: dict[str, dict[str, Any]] = {
    "sccm2022": _preset("sccm2022", "s3://stsnet-datasets/sccm2022/", 480, 2025),
    "buid-s": _preset("buid-s", "s3://stsnet-datasets/Dataset_BUSI_with_GT.zip", 512, None),
    "isic2017": _preset("isic2017", "s3://stsnet-datasets/isic2017/", 512, 2000),
    "lungs-ct": _preset("lungs-ct", "s3://stsnet-datasets/lungs-ct/", 512, 576),
}

# The embedded default: synthetic SCCM-like volumes, sized for a 2-core CPU in a few minutes.
DEMO_PARAMETERS: dict[str, Any] = {
    "dataset": {"name": "synthetic-sccm", "size": 128, "synthetic_count": 12, "synthetic_lesion_scale": 40},
    "amplification": {"method": "method4"},
    "model": {"name": "sts-net"},
    "training": {"epochs": 6, "batch_size": 8, "lr": 0.001, "loss": "dice_ce", "max_steps_per_epoch": 25},
    "scaling": {"cpus_per_worker": 2},
}
