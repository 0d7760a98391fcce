"""The model registry: names, errors, and config + weights round trips."""

import pytest
import torch

from stsnet.models import create_model, list_models, load_model_file, register_model, save_model
from stsnet.models.registry import model_from_payload


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown model 'no-such-net'.*sts-net"):
        create_model("no-such-net")


def test_duplicate_registration_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        register_model("sts-net")(lambda **_: torch.nn.Identity())


def test_sts_net_is_registered():
    assert "sts-net" in list_models()


def test_saved_model_is_rebuilt_with_identical_outputs(tmp_path):
    model = create_model("sts-net", in_chans=1, classes=3, attention="eca").eval()
    save_model(model, tmp_path / "model.pt")
    rebuilt = load_model_file(tmp_path / "model.pt").eval()
    x = torch.randn(1, 1, 40, 56)
    with torch.no_grad():
        torch.testing.assert_close(model(x), rebuilt(x))
    assert rebuilt.stsnet_config == {"name": "sts-net", "in_chans": 1, "classes": 3, "attention": "eca"}


def test_weights_of_another_architecture_are_refused():
    weights = create_model("sts-net", classes=2).state_dict()
    payload = {"config": {"name": "sts-net", "classes": 3}, "state_dict": weights}
    with pytest.raises(ValueError, match="weights do not fit"):
        model_from_payload(payload, source="other.pt")
