"""The song's audio for the span of a render, decoded through `encoder.audio`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visualizer.video.containers import Container, audio_rate_for


def soundtrack_rate(song: Path, container: Container) -> int:
    """The song's own sample rate where the container's audio codec takes it, else the
    codec's first rate."""
    import soundfile

    try:
        native = soundfile.info(str(song)).samplerate
    except Exception:  # unreadable: `soundtrack` reports what is wrong with the file
        native = container.audio_rates[0]
    return audio_rate_for(container, native)


def soundtrack(song: Path, start_s: float, duration_s: float, rate: int) -> np.ndarray:
    """The song's audio from `start_s` for `duration_s` at `rate`: (channels, samples)
    float32, mono or stereo, padded with silence to exactly round(duration_s * rate).

    Raises:
        AudioError: the song cannot be decoded.
    """
    from encoder.audio import load_span

    data = load_span(song, start_s, duration_s, rate, max_channels=2)
    wanted = int(round(duration_s * rate))
    clip = np.zeros((wanted, data.shape[1]), dtype=np.float32)
    clip[:min(wanted, len(data))] = data[:wanted]
    return np.ascontiguousarray(clip.T)
