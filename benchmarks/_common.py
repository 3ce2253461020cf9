"""Shared helpers for the benchmark scripts: test songs and result lines."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def installed_env(**extra: str) -> dict[str, str]:
    """The environment for a timed `davis` child process, as a user's install has it:
    Python may read and write its bytecode cache (pip compiles it at install time), even
    where this shell sets PYTHONDONTWRITEBYTECODE; time a warm-up run first."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


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


def onset_strength(samples: np.ndarray, sample_rate: int, fps: float) -> np.ndarray:
    """librosa's onset strength (mean positive change of a 128-band mel spectrogram in dB,
    2048-sample windows, lag 1) on a grid of `fps` frames, frame i centred at i / fps s.

    The reference the A/V benchmarks compare with; davis itself never computes it.
    """
    import librosa

    n_fft = 2048
    centres = np.round(np.arange(max(1, round(len(samples) * fps / sample_rate)))
                       * (sample_rate / fps)).astype(np.int64)
    padded = np.pad(samples.astype(np.float32), (n_fft // 2, n_fft - n_fft // 2))
    taper = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    basis = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=128).astype(np.float32)
    power = []
    for start in range(0, len(centres), 2048):
        windows = padded[centres[start:start + 2048, None] + np.arange(n_fft)] * taper
        power.append((np.abs(np.fft.rfft(windows, axis=1)) ** 2).astype(np.float32) @ basis.T)
    decibels = librosa.power_to_db(np.concatenate(power).T, ref=np.max)
    return librosa.onset.onset_strength(S=decibels, sr=sample_rate, lag=1, max_size=1,
                                        center=False)[:len(centres)]


def heldout_recordings(folder: Path, count: int | None) -> list[Path]:
    """`count` held-out recordings spread evenly over the folder (all when None), or exit
    with the command that builds them."""
    from encoder.audio import find_songs

    songs, problems = find_songs([folder])
    if problems:
        raise SystemExit(f"{problems[0]}\nBuild the corpus first: python3 scripts/build_recordings.py")
    if count is None or count >= len(songs):
        return songs
    return [songs[round(i * len(songs) / count)] for i in range(count)]


def rendered_i420_frames(ctx, features, animation: str, size: tuple[int, int], fps: int,
                         start_s: float, count: int, seed: int = 0) -> tuple[list, float]:
    """`count` consecutive frames of `animation` as `davis render` makes them (the renderer,
    then the GPU-side I420 conversion and readback), and the frames per second of making
    them. The frames are copies, ready for an encoder."""
    import random
    import time

    from visualizer.mapping import Mapping
    from visualizer.renderer import Renderer
    from visualizer.video.readback import I420Readback

    renderer = Renderer(ctx, size, animation, Mapping.random(random.Random(seed)), seed=seed)
    readback = I420Readback(ctx, size)
    try:
        renderer.set_features(features)
        renderer.render(start_s)  # compiles and warms up; not counted
        readback.submit(renderer.texture)
        readback.collect()
        ctx.finish()
        frames = []
        started = time.perf_counter()
        for index in range(count):
            renderer.render(start_s + index / fps)
            frame = readback.submit(renderer.texture)
            if frame is not None:
                frames.append(frame.copy())
        frames.append(readback.collect().copy())
        return frames, count / (time.perf_counter() - started)
    finally:
        readback.release()
        renderer.release()


def encode_frames(frames: list, size: tuple[int, int], fps: int, path: Path, *, crf: int,
                  codec_options: dict | None = None) -> float:
    """Encode I420 `frames` to `path` (no audio) as `davis render` would; frames per second
    from the first frame handed over to the finished file."""
    import time

    from visualizer.video.encoding import VideoFile

    video = VideoFile(path, size, fps, crf=crf, codec_options=codec_options).open()
    started = time.perf_counter()
    for frame in frames:
        video.add(frame)
    video.finish()
    return len(frames) / (time.perf_counter() - started)
