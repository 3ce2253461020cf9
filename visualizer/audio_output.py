"""Playing the song with pygame.mixer, and the song clock that follows what is heard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from visualizer.clock import Clock, WallClock

MIXER_FREQUENCY = 44100
MIXER_BUFFER = 1024  # samples per mixer buffer; SDL keeps about two of them queued
RESYNC_S = 0.05      # re-anchor the smooth clock when it drifts this far from the mixer


class AudioUnavailable(Exception):
    """No audio device could be opened."""


class AudioOutput(Clock, Protocol):
    """A song clock that also plays the song: `MixerAudio`, or `SilentAudio` without a device."""

    latency_s: float   # how long after `time_s()` the sound is heard
    volume: float      # 0..1
    muted: bool

    def load(self, path: Path, duration_s: float) -> None: ...
    def finished(self) -> bool: ...
    def set_volume(self, volume: float) -> None: ...
    def set_muted(self, muted: bool) -> None: ...
    def close(self) -> None: ...


class MixerAudio:
    """Song playback through pygame.mixer.music, with a smooth, pause- and seek-aware clock.

    `get_pos()` advances in mixer-buffer steps and ignores seeks, so the clock keeps its own
    offset and interpolates between steps with the wall clock.
    """

    def __init__(self, volume: float = 1.0) -> None:
        import pygame

        self._music = None
        try:
            pygame.mixer.pre_init(MIXER_FREQUENCY, -16, 2, MIXER_BUFFER)
            pygame.mixer.init()
        except pygame.error as error:
            raise AudioUnavailable(str(error)) from None
        self._music = pygame.mixer.music
        frequency, _, _ = pygame.mixer.get_init()
        self.latency_s = 2 * MIXER_BUFFER / frequency
        self.paused = False
        self.muted = False
        self.volume = volume
        self._offset_s = 0.0
        self._anchor: tuple[float, float] | None = None  # (song time, wall time)
        self._apply_volume()

    def load(self, path: Path, duration_s: float) -> None:
        self._music.load(str(path))
        self._music.play()
        self._offset_s = 0.0
        self._anchor = None
        if self.paused:
            self._music.pause()

    def _mixer_time_s(self) -> float:
        position_ms = self._music.get_pos()
        return self._offset_s + max(position_ms, 0) / 1000.0

    def time_s(self) -> float:
        mixer = self._mixer_time_s()
        now = time.perf_counter()
        if self.paused:
            self._anchor = (mixer, now)
            return mixer
        if self._anchor is None:
            self._anchor = (mixer, now)
            return mixer
        estimate = self._anchor[0] + (now - self._anchor[1])
        if abs(estimate - mixer) > RESYNC_S:
            self._anchor = (mixer, now)
            return mixer
        return estimate

    def pause(self, paused: bool) -> None:
        if paused and not self.paused:
            self._music.pause()
        elif self.paused and not paused:
            self._music.unpause()
        self.paused = paused
        self._anchor = None

    def seek(self, time_s: float) -> None:
        time_s = max(0.0, time_s)
        self._music.play(start=time_s)
        if self.paused:
            self._music.pause()
        self._offset_s = time_s
        self._anchor = None

    def finished(self) -> bool:
        return not self.paused and not self._music.get_busy()

    def set_volume(self, volume: float) -> None:
        self.volume = min(max(volume, 0.0), 1.0)
        self._apply_volume()

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._apply_volume()

    def _apply_volume(self) -> None:
        self._music.set_volume(0.0 if self.muted else self.volume)

    def close(self) -> None:
        import pygame

        if self._music is not None:
            self._music.stop()
            pygame.mixer.quit()


class SilentAudio(WallClock):
    """The same interface on a wall clock, for machines without an audio device."""

    latency_s = 0.0

    def __init__(self, volume: float = 1.0, duration_s: float = 0.0) -> None:
        super().__init__()
        self.volume = volume
        self.muted = False
        self.duration_s = duration_s

    def load(self, path: Path, duration_s: float) -> None:
        self.seek(0.0)
        self.duration_s = duration_s

    def finished(self) -> bool:
        return self.time_s() >= self.duration_s

    def set_volume(self, volume: float) -> None:
        self.volume = min(max(volume, 0.0), 1.0)

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    def close(self) -> None:
        pass


def open_audio(volume: float) -> tuple[AudioOutput, str | None]:
    """Mixer playback when a device opens; otherwise silence on a wall clock and a reason."""
    try:
        return MixerAudio(volume), None
    except AudioUnavailable as error:
        return SilentAudio(volume), str(error) or "no audio device"
