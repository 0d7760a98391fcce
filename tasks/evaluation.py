"""The evaluation task: the paper's metrics on the test split, published as Prefect artifacts."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from PIL import Image
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel, ConfigDict

from stsnet.data.stages import StageOutput
from stsnet.paths import data_root
from stsnet.storage import exists, join
from tasks.caching import EVALUATE_CODE, code_policy
from tasks.training import TrainedModel

PREVIEW_WIDTH = 960
PAPER_COLUMNS = ("mdice", "miou", "jaccard", "recall", "precision")


class Evaluation(BaseModel):
    """The evaluation summary and where its files (summary.json, masks, figure) are."""

    model_config = ConfigDict(frozen=True)

    output_dir: str
    summary: dict[str, Any]

    def present(self) -> bool:
        """Whether the summary file is still there."""
        return exists(join(self.output_dir, "summary.json"))

    def paper_metrics(self) -> dict[str, float]:
        """The paper-protocol means (mDice, mIoU, Jaccard, Recall, Precision)."""
        paper = self.summary.get("paper", self.summary)
        return {name: paper[name] for name in PAPER_COLUMNS if name in paper}


@task(name="evaluate", cache_policy=code_policy(EVALUATE_CODE), persist_result=True, retries=1)
def evaluate(trained: TrainedModel, store: StageOutput, root: str) -> Evaluation:
    """Evaluate the best checkpoint on the store's test split; publish metrics and figure as artifacts."""
    from stsnet.evaluate import evaluate as run_evaluation

    output_dir = join(data_root(root), "evaluations", trained.run_name)
    summary = run_evaluation(trained.best_checkpoint, store.location, output_dir)
    evaluation = Evaluation(output_dir=output_dir, summary=summary)
    publish_artifacts(evaluation, trained.run_name)
    return evaluation


def preview_data_uri(figure: Path, width: int = PREVIEW_WIDTH) -> str:
    """The figure as an inline JPEG at most `width` px wide: Prefect refuses events over 1.5 MB, and
    the full-size PNG stays on disk beside the metrics."""
    with Image.open(figure) as image:
        preview = image.convert("RGB")
    preview.thumbnail((width, width * 4))
    encoded = io.BytesIO()
    preview.save(encoded, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(encoded.getvalue()).decode()


def publish_artifacts(evaluation: Evaluation, run: str) -> None:
    """The metrics table, and the figure inlined in markdown (the UI shows no local file by path)."""
    key = "".join(c if c.isalnum() else "-" for c in run.lower())
    metrics = evaluation.paper_metrics()
    create_table_artifact(
        key=f"metrics-{key}"[:100],
        table=[{"metric": name, "value": round(float(value), 4)} for name, value in metrics.items()],
        description=f"Test-split metrics of {run} (paper protocol)",
    )
    figure = Path(evaluation.output_dir) / "figure.png"
    if figure.exists():
        create_markdown_artifact(
            key=f"figure-{key}"[:100],
            markdown=f"### {run}\n\n![predictions]({preview_data_uri(figure)})\n\n`{figure}`",
            description=f"Test images, ground truth and predictions of {run}",
        )
