"""CPU and CUDA give the same features (only where a CUDA GPU is present)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from encoder.features import BLUR_LEVELS, Features

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


@pytest.mark.parametrize("make", ["sweep", "clicks"])
def test_cpu_and_cuda_features_agree(cli, songs, tiny_model, tmp_path, make):
    if make == "sweep":
        song = songs.sweep("sweep.wav", seconds=8.0, rate=44100)
    else:
        song = songs.clicks("clicks.wav", seconds=8.0, times=(1.0, 2.5, 4.0, 6.5),
                            background=0.2 * np.sin(np.arange(8 * 22050) / 9.0))
    results = {}
    for device in ("cpu", "cuda"):
        out = tmp_path / f"{device}.npz"
        result = cli("encode", song, "--model", tiny_model, "--device", device, "--force",
                     "--out", out)
        assert result.exit_code == 0, result.output
        results[device] = Features.load_npz(out)
    assert results["cpu"].n_frames == results["cuda"].n_frames == 480
    for level in BLUR_LEVELS:
        np.testing.assert_allclose(results["cuda"].blur(level), results["cpu"].blur(level),
                                   atol=1e-3, err_msg=f"blur{level}")


def test_auto_picks_the_gpu(tiny_model):
    from encoder.inference import FeatureEncoder

    assert FeatureEncoder(tiny_model, "auto").device == "cuda"
