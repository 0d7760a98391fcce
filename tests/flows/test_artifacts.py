"""The evaluation figure's preview must fit in one Prefect event, or the UI never shows it."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image
from prefect.settings import get_current_settings

from tasks.evaluation import PREVIEW_WIDTH, preview_data_uri


def test_a_large_figure_is_previewed_small_enough_for_an_event(tmp_path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    figure = tmp_path / "figure.png"
    Image.fromarray(noise).save(figure)
    limit = get_current_settings().server.events.maximum_size_bytes
    assert figure.stat().st_size > limit  # the PNG itself would be refused

    uri = preview_data_uri(figure)

    header, encoded = uri.split(",", 1)
    assert header == "data:image/jpeg;base64" and len(uri) < limit / 2
    preview = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert preview.size == (PREVIEW_WIDTH, 720)  # aspect ratio kept
