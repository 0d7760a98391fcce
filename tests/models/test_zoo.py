"""One base tester and a short subclass per registered network (as smp's tests do)."""

from __future__ import annotations

import pytest
import torch

from stsnet.models import create_model, list_models, load_model_file, save_model
from stsnet.models.complexity import measure
from stsnet.models.outputs import main_logits
from stsnet.models.registry import model_info
from stsnet.paper import paper_table

PAPER = {row["model"]: row for row in paper_table(1) if row["amplified"] == "false"}


class ModelTester:
    """Forward/backward, shapes, channels, classes, determinism, registry round trip, complexity."""

    name: str
    paper_name: str | None = None
    params_match: bool = False  # BASELINES.md marks the parameter count reproducible
    flops_match: bool = False  # ... and the paper-convention FLOPs (✓)
    size: tuple[int, int] = (64, 96)
    meta_ok: bool = True  # False where building or running needs real data (smp's MiT and PAN)

    @pytest.fixture(scope="class")
    def model(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return create_model(self.name, in_chans=1, classes=3)

    def test_forward_backward_non_square(self, model: torch.nn.Module) -> None:
        model.train()
        out = model(torch.randn(2, 1, *self.size))
        logits = main_logits(out)
        assert logits.shape == (2, 3, *self.size)
        logits.float().mean().backward()
        assert any(p.grad is not None for p in model.parameters())

    def test_default_channels_shape_on_meta(self) -> None:
        """Where the meta device works, shapes are checked there; elsewhere it must fail loudly,
        so that `measure` knows to fall back to the CPU."""
        with torch.device("meta"):
            if not self.meta_ok:
                with pytest.raises((RuntimeError, NotImplementedError)):
                    create_model(self.name, in_chans=3, classes=2).eval()(torch.zeros(2, 3, 64, 64))
                return
            model = create_model(self.name, in_chans=3, classes=2).eval()
            assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 2, 64, 64)

    def test_eval_is_deterministic_and_round_trips(self, model: torch.nn.Module, tmp_path) -> None:
        model.eval()
        x = torch.randn(1, 1, *self.size)
        with torch.no_grad():
            # oneDNN may pick another convolution algorithm for a later call or a rebuilt module:
            # equal up to float rounding (dropout or batch statistics would differ by far more).
            first, second = model(x), model(x)
            torch.testing.assert_close(first, second, rtol=1e-4, atol=1e-4)
            save_model(model, tmp_path / "m.pt")
            rebuilt = load_model_file(tmp_path / "m.pt").eval()
            torch.testing.assert_close(rebuilt(x), first, rtol=1e-4, atol=1e-4)

    def test_wrong_channel_count_is_rejected(self, model: torch.nn.Module) -> None:
        with pytest.raises(ValueError, match="expects"):
            model(torch.zeros(1, 2, 64, 64))

    @pytest.mark.slow
    def test_complexity_against_table_1(self) -> None:
        """Reproducible counts match Table 1; a count that does not is stated in the model's note."""
        if self.paper_name is None:  # an ablation variant: Table 1 has no row for it
            assert self.paper_name not in PAPER
            return
        counted = measure(self.name, size=480)
        paper = PAPER[self.paper_name]
        params_close = counted.params_m == pytest.approx(float(paper["params_m"]), rel=0.012)
        flops_close = counted.paper_flops_g == pytest.approx(float(paper["flops_g"]), rel=0.02)
        assert params_close or not self.params_match
        assert flops_close or not self.flops_match
        if not (params_close and flops_close):
            assert model_info(self.name).note, f"{self.name} differs from Table 1 without a note"


class TestSTSNet(ModelTester):
    name, paper_name, params_match, flops_match = "sts-net", "STS-Net", True, True


class TestUNet(ModelTester):
    name, paper_name, params_match, flops_match = "u-net", "U-Net", True, True


class TestUNetPlusPlus(ModelTester):
    name, paper_name, params_match, flops_match = "unet++", "UNet++", True, True


class TestR2UNet(ModelTester):
    name, paper_name, params_match, flops_match = "r2u-net", "R2U-Net", True, True


class TestCentroidNetV2(ModelTester):
    name, paper_name, params_match, flops_match = "centroidnetv2", "CentroidNetV2", True, True


class TestDeepLabV3(ModelTester):
    name, paper_name = "deeplabv3", "DeepLabV3"


class TestDeepLabV3AFMA(ModelTester):
    name, paper_name, params_match = "deeplabv3-afma", "DeepLabV3AFMA", True


class TestDenseASPP(ModelTester):
    name, paper_name, size = "denseaspp", "DenseASPP", (64, 88)


class TestUMNet(ModelTester):
    name, paper_name, params_match, flops_match = "um-net", "UM-Net", True, True


class TestI2UNet(ModelTester):
    name, paper_name, params_match, flops_match = "i2u-net", "I2U-Net", True, True


class TestCaraNet(ModelTester):
    name, paper_name, params_match, flops_match = "caranet", "CaraNet", True, True


class TestM2SNet(ModelTester):
    name, paper_name, params_match, flops_match = "m2snet", "M2SNet", True, True


class TestEHFormer(ModelTester):
    name, paper_name, params_match, flops_match = "eh-former", "EH-former", True, True
    meta_ok = False


class TestMSGSENet(ModelTester):
    name, paper_name = "msgse-net", "MSGSE-Net"


class TestSTSNetDPN68(ModelTester):
    name = "sts-net-dpn68"


class TestSTSNetPAN(ModelTester):
    name, meta_ok, size = "sts-net-pan", False, (128, 160)  # PAN's pyramid pools 128 px down to 1


def test_every_registered_name_builds_and_runs() -> None:
    """On the meta device (shapes only) where possible, else on the CPU."""
    for name in list_models():
        try:
            with torch.device("meta"):
                shape = create_model(name).eval()(torch.zeros(1, 3, 64, 64)).shape
        except (RuntimeError, NotImplementedError):  # PAN's pyramid needs at least 128×128
            with torch.no_grad():
                shape = create_model(name).eval()(torch.zeros(1, 3, 128, 128)).shape[:2]
        assert shape[:2] == (1, 2), name


def test_unknown_model_lists_known_names() -> None:
    with pytest.raises(ValueError, match=r"known models: .*u-net"):
        create_model("no-such-net")


@pytest.mark.parametrize("name", ["u-net", "sts-net", "caranet", "sts-net-unet"])
def test_classes_below_one_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="classes must be >= 1"), torch.device("meta"):
        create_model(name, classes=0)


def test_variant_rejects_overriding_its_fixed_setting() -> None:
    with pytest.raises(ValueError, match="fixed by this STS-Net variant"):
        create_model("sts-net-se", attention="cbam")
