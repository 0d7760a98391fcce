"""Data tasks: ingest the raw dataset, convert it to (2.5D) slices, amplify the small targets."""

from __future__ import annotations

from prefect import task
from prefect.tasks import exponential_backoff

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.data import stages
from stsnet.data.stages import StageOutput
from tasks.caching import AMPLIFY_CODE, CONVERT_CODE, INGEST_CODE, RawFiles, code_policy, code_version

REMOTE_IO = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=5),
    "retry_jitter_factor": 0.5,
}


@task(name="ingest", cache_policy=code_policy(INGEST_CODE) + RawFiles(), persist_result=True, **REMOTE_IO)
def ingest(dataset: DatasetSettings, root: str) -> StageOutput:
    """Bring the raw dataset to a local folder (download, extract or generate) and fingerprint it."""
    return stages.ingest(dataset, root)


@task(name="convert_slices", cache_policy=code_policy(CONVERT_CODE), persist_result=True, **REMOTE_IO)
def convert_slices(dataset: DatasetSettings, raw: StageOutput, root: str) -> StageOutput:
    """Convert the ingested cases into a store of 2D / 2.5D samples, without amplification."""
    return stages.convert_slices(dataset, raw, root, code_version=code_version(CONVERT_CODE))


@task(name="amplify", cache_policy=code_policy(AMPLIFY_CODE), persist_result=True, **REMOTE_IO)
def amplify(converted: StageOutput, amplification: AmplificationSettings, root: str) -> StageOutput:
    """Add the amplification blocks' copies of small-target training images (a new store)."""
    return stages.amplify(converted, amplification, root, code_version=code_version(AMPLIFY_CODE))
