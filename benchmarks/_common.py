"""Shared helpers for the benchmark scripts: test songs and result lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def make_song(path: Path, minutes: float, sample_rate: int = 44100) -> Path:
    """Loop the bundled demo song (stereo, `sample_rate`) to `minutes` and save it as WAV or OGG."""
    import soundfile
    import soxr

    from encoder.audio import DEMO_SONG

    demo, rate = soundfile.read(DEMO_SONG, dtype="float32", always_2d=True)
    if rate != sample_rate:
        demo = soxr.resample(demo, rate, sample_rate)
    if demo.shape[1] == 1:
        demo = np.repeat(demo, 2, axis=1)
    n = int(minutes * 60 * sample_rate)
    song = np.tile(demo, (n // len(demo) + 1, 1))[:n]
    with soundfile.SoundFile(path, "w", sample_rate, 2) as handle:
        for start in range(0, n, sample_rate * 10):  # libsndfile's Vorbis writer wants blocks
            handle.write(song[start:start + sample_rate * 10])
    return path


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value < target if lower_is_better else value > target
    return f"[green]PASS[/] (target {'<' if lower_is_better else '>'} {target:g})" if ok \
        else f"[red]FAIL[/] (target {'<' if lower_is_better else '>'} {target:g})"
