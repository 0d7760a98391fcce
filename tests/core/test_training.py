"""The per-worker loop learns, checkpoints and resumes without training an epoch twice."""

import io
import math

from torch.utils.data import DataLoader

from stsnet.config.training import TrainingSettings
from stsnet.data.sources.synthetic import Synthetic2DSpec, synthetic_cases_2d
from stsnet.demo import tensors_from_cases
from stsnet.models import create_model
from stsnet.train.loop import fit
from stsnet.train.numerics import choose_numerics, seed_everything

SPEC = Synthetic2DSpec(
    count=16, size=(64, 64), area_fraction=(0.02, 0.06), contrast=(0.5, 0.7), empty_fraction=0.0, seed=7
)


def _data():
    return tensors_from_cases(list(synthetic_cases_2d(SPEC)))


def test_a_few_dozen_steps_beat_the_best_constant_prediction():
    dataset = _data()
    lesion_share = dataset.tensors[1].float().mean().item()
    # Cross-entropy of the best constant prediction (the lesion prior everywhere) = the label entropy.
    constant_loss = -(lesion_share * math.log(lesion_share) + (1 - lesion_share) * math.log(1 - lesion_share))
    settings = TrainingSettings(epochs=6, batch_size=4, lr=2e-3)
    generator = seed_everything(settings.seed)
    numerics = choose_numerics()
    model = numerics.prepare_model(create_model("sts-net"))
    loader = DataLoader(dataset, batch_size=4, shuffle=True, generator=generator)
    state = fit(model, loader, None, settings, numerics, log=None)
    losses = [h["train_loss"] for h in state.history]
    assert losses[-1] < 0.6 * constant_loss < losses[0]


def test_resume_continues_after_the_last_checkpoint():
    dataset = _data()
    settings = TrainingSettings(epochs=2, batch_size=8, max_steps_per_epoch=1)
    numerics = choose_numerics()
    loader = DataLoader(dataset, batch_size=8)
    checkpoints = []

    def keep(record, payload):
        checkpoints.append(payload())

    model = numerics.prepare_model(create_model("sts-net"))
    first = fit(
        model,
        loader,
        loader,
        TrainingSettings(epochs=1, batch_size=8, max_steps_per_epoch=1),
        numerics,
        on_epoch_end=keep,
        log=None,
    )
    assert first.epochs_done == 1 and len(checkpoints) == 1
    log = io.StringIO()
    resumed_model = numerics.prepare_model(create_model("sts-net"))
    resumed = fit(resumed_model, loader, loader, settings, numerics, resume_from=checkpoints[0], log=log)
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    assert "epoch   1/" not in log.getvalue() and "epoch   2/2" in log.getvalue()
    assert set(resumed.history[1]["val"]) == {"mdice", "miou", "jaccard", "recall", "precision"}
