"""STS-Net: shapes, channel counts, complexity against the paper, and ESCA's computation."""

import pytest
import torch
import torch.nn.functional as F

from stsnet.models import create_model
from stsnet.models.attention import ESCA, adaptive_kernel_size, create_attention
from stsnet.models.complexity import measure


@pytest.mark.parametrize("in_chans", [1, 3])
def test_output_has_input_size_for_odd_sizes(in_chans):
    model = create_model("sts-net", in_chans=in_chans).eval()
    with torch.no_grad():
        out = model(torch.randn(1, in_chans, 250, 333))
    assert out.shape == (1, 2, 250, 333)


def test_parameters_and_flops_match_table_1():
    counted = measure("sts-net", size=480)
    assert counted.params_m == pytest.approx(39.10, rel=0.01)
    assert counted.paper_flops_g == pytest.approx(571.35, rel=0.02)


def test_esca_adds_fifteen_parameters_over_no_attention():
    with torch.device("meta"):
        esca = sum(p.numel() for p in create_model("sts-net").parameters())
        none = sum(p.numel() for p in create_model("sts-net", attention="none").parameters())
    assert esca - none == 15


def test_esca_equals_a_hand_written_reference():
    torch.manual_seed(0)
    block = ESCA(channels=6)
    kernel = block.conv.weight.detach().reshape(3)
    x = torch.randn(2, 6, 5, 7)
    pooled = x.mean(dim=(2, 3))  # B×C
    once = torch.zeros_like(pooled)
    twice = torch.zeros_like(pooled)
    for c in range(6):  # zero-padded 3-tap filter across channels, applied twice
        for offset, weight in zip((-1, 0, 1), kernel, strict=True):
            if 0 <= c + offset < 6:
                once[:, c] += weight * pooled[:, c + offset]
    for c in range(6):
        for offset, weight in zip((-1, 0, 1), kernel, strict=True):
            if 0 <= c + offset < 6:
                twice[:, c] += weight * once[:, c + offset]
    expected = x * torch.sigmoid(twice)[:, :, None, None]
    torch.testing.assert_close(block(x), expected)


def test_attention_is_in_the_feature_path():
    model = create_model("sts-net").eval()
    body = model.encoder.body
    x = torch.randn(1, 3, 64, 64)
    stem = F.relu(body.bn1(body.conv1(x)))  # act1 itself carries the attention hook
    with torch.no_grad():
        features = model.encoder(x)
        attended = model.encoder.attentions[0](stem)
        next_stage = body.layer1(body.maxpool(attended))  # layer1's own hook attends its output
    torch.testing.assert_close(features[0], attended)
    torch.testing.assert_close(features[1], next_stage)


def test_adaptive_kernel_follows_eca_rule():
    assert [adaptive_kernel_size(c) for c in (64, 256, 512, 1024, 2048)] == [3, 5, 5, 5, 7]
    model = create_model("sts-net", esca_kernel="adaptive")
    assert [a.conv.kernel_size[0] for a in model.encoder.attentions] == [3, 5, 5, 5, 7]


def test_wrong_channel_count_is_a_clear_error():
    model = create_model("sts-net", in_chans=3)
    with pytest.raises(ValueError, match=r"expects B×3×H×W input, got \(1, 1, 64, 64\)"):
        model(torch.randn(1, 1, 64, 64))


@pytest.mark.parametrize("classes", [0, -1])
def test_classes_below_one_is_refused(classes):
    with pytest.raises(ValueError, match="classes must be >= 1"):
        create_model("sts-net", classes=classes)


def test_unknown_attention_is_refused():
    with pytest.raises(ValueError, match="unknown attention 'magic'"):
        create_attention("magic", 64)
