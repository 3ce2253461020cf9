"""Shared helpers for build_corpus.py and make_demo_song.py.

Both scripts turn public-domain scores from music21's bundled corpus into audio:
a score is reduced to plain note lists (``extract_piece``), arranged (GM
programs, velocities, generated drums and bass), written as a Standard MIDI
file (``write_midi``) and rendered with the FluidSynth command line
(``render_midi``).
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

# The demo song's source piece (1899, public domain). build_corpus.py never puts it in either split.
DEMO_PIECE = "joplin/maple_leaf_rag.mxl"
DEMO_WORK = "joplin/maple_leaf_rag"  # corpus path without extension: excludes every format of it
DEMO_TITLE = "Maple Leaf Rag"
DEMO_COMPOSER = "Scott Joplin"

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
DEBIAN_PACKAGES = "fluidsynth fluid-soundfont-gm"
DRUM_CHANNEL = 9  # MIDI channel 10, zero-based
TICKS_PER_QUARTER = 480

# General MIDI percussion keys (channel 10).
KICK, SIDE_STICK, SNARE, CLAP = 36, 37, 38, 39
CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 42, 44, 46
CRASH, RIDE, TAMBOURINE, SHAKER = 49, 51, 54, 70
TOMS = (50, 48, 47, 45, 43)  # high to low

# General MIDI drum kits (program numbers on channel 10, FluidR3 bank 128).
DRUM_KITS = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr808": 25, "jazz": 32, "brush": 40}


class ToolError(RuntimeError):
    """FluidSynth or the GM soundfont is not installed."""


def require_tools(soundfont: Path = SOUNDFONT) -> str:
    """Return the fluidsynth executable, or raise ToolError naming the Debian packages."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise ToolError(f"the fluidsynth command was not found; install it with: apt-get install {DEBIAN_PACKAGES}")
    if not Path(soundfont).is_file():
        raise ToolError(f"soundfont {soundfont} not found; install it with: apt-get install {DEBIAN_PACKAGES}")
    return exe


def rng_for(seed: int, key: str) -> np.random.Generator:
    """A random generator that depends only on (seed, key), not on call order."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


# --------------------------------------------------------------------------- score extraction


@dataclass(frozen=True)
class Note:
    """A sounding note; times are in quarter notes."""

    start: float
    duration: float
    pitch: int
    velocity: int
    channel: int


@dataclass(frozen=True)
class ScoreNote:
    """A note taken from a score: times in quarter notes, loudness 0..1 from its dynamics."""

    start: float
    duration: float
    pitch: int
    loudness: float


@dataclass(frozen=True)
class Bar:
    """One measure: where it starts, how long it is and its beat grid (all in quarters)."""

    number: int
    start: float
    length: float
    beats: int
    beat_length: float

    @property
    def full(self) -> bool:
        """False for pick-up and other short measures."""
        return abs(self.length - self.beats * self.beat_length) < 1e-6

    @property
    def end(self) -> float:
        return self.start + self.length


@dataclass
class Voice:
    """One part of a score as a plain note list."""

    name: str
    notes: list[ScoreNote]

    @property
    def mean_pitch(self) -> float:
        return float(np.mean([n.pitch for n in self.notes])) if self.notes else 60.0


@dataclass
class Piece:
    """A score reduced to voices, a bar grid and a tempo."""

    voices: list[Voice]
    bars: list[Bar]
    bpm: float
    title: str = ""
    composer: str = ""
    tonic: int = 60  # MIDI pitch class of the key's tonic, as C4..B4

    @property
    def length(self) -> float:
        """Length in quarters: the later of the last bar line and the last note end."""
        ends = [n.start + n.duration for v in self.voices for n in v.notes]
        return max([0.0, *ends, *(b.end for b in self.bars)])

    @property
    def note_count(self) -> int:
        return sum(len(v.notes) for v in self.voices)

    @property
    def end(self) -> float:
        """Where the next section would start: the last bar line (or the last note end without bars)."""
        return self.bars[-1].end if self.bars else self.length

    def window(self, start: float, end: float) -> Piece:
        """The notes starting in [start, end) and the bars starting there, shifted to 0."""
        voices = [
            Voice(v.name, [replace(n, start=n.start - start) for n in v.notes if start <= n.start < end])
            for v in self.voices
        ]
        bars = [replace(b, start=b.start - start) for b in self.bars if start <= b.start < end]
        return replace(self, voices=voices, bars=bars)

    def bars_between(self, first: int, last: int) -> Piece:
        """The measures numbered first..last (inclusive), shifted to start at 0."""
        chosen = [b for b in self.bars if first <= b.number <= last]
        if not chosen:
            raise ValueError(f"no measures {first}..{last}")
        return self.window(chosen[0].start, chosen[-1].end)

    def then(self, other: Piece) -> Piece:
        """This piece followed by another (same voices, in order)."""
        offset = self.end
        voices = [
            Voice(a.name, a.notes + [replace(n, start=n.start + offset) for n in b.notes])
            for a, b in zip(self.voices, other.voices, strict=True)
        ]
        bars = self.bars + [replace(b, start=b.start + offset) for b in other.bars]
        return replace(self, voices=voices, bars=bars)


def load_score(piece_id: str) -> Any:
    """Parse 'path' or 'path#number' from music21's core corpus into a Score."""
    from music21 import corpus, stream

    path, _, number = piece_id.partition("#")
    parsed = corpus.parse(path, number=int(number)) if number else corpus.parse(path)
    if isinstance(parsed, stream.Opus):
        parsed = parsed.scores[0]
    return parsed


def meter_grid(time_signature: Any) -> tuple[int, float]:
    """(beats per bar, quarters per beat) for a music21 TimeSignature (compound meters in dotted beats)."""
    if time_signature is None:
        return 4, 1.0
    num, den = int(time_signature.numerator), int(time_signature.denominator)
    if den == 8 and num % 3 == 0 and num >= 6:
        return num // 3, 1.5
    return max(1, num), 4.0 / den


def extract_bars(part: Any) -> list[Bar]:
    """The measure grid of one part."""
    from music21 import stream

    bars: list[Bar] = []
    time_signature = None
    for number, measure in enumerate(part.getElementsByClass(stream.Measure)):
        if measure.timeSignature is not None:
            time_signature = measure.timeSignature
        beats, beat_length = meter_grid(time_signature)
        length = float(measure.duration.quarterLength) or beats * beat_length
        bar_number = measure.number if measure.number is not None else number
        bars.append(Bar(int(bar_number), float(measure.offset), length, beats, beat_length))
    return bars


def extract_voice(part: Any) -> Voice:
    """Notes (chords split into pitches, ties merged, grace notes dropped) of one part."""
    from music21 import chord, dynamics, note

    flat = part.flatten()
    try:
        flat = flat.stripTies()
    except Exception:  # noqa: BLE001 - some corpus files have broken ties; keep them unmerged
        pass
    loudness = 0.7
    notes: list[ScoreNote] = []
    for element in flat.getElementsByClass([note.Note, chord.Chord, dynamics.Dynamic]):
        if isinstance(element, dynamics.Dynamic):
            loudness = float(element.volumeScalar or loudness)
            continue
        duration = float(element.duration.quarterLength)
        if duration <= 0:
            continue
        level = loudness
        if element.hasVolumeInformation() and element.volume.velocity is not None:
            level = element.volume.velocity / 127
        for pitch in element.pitches:
            notes.append(ScoreNote(float(element.offset), duration, int(pitch.midi), level))
    return Voice(str(part.partName or part.id or "part"), notes)


def first_tempo(score: Any, default: float = 96.0) -> float:
    """The quarter-note tempo of the first metronome mark that has a number."""
    from music21 import tempo

    for mark in score.flatten().getElementsByClass(tempo.MetronomeMark):
        try:
            bpm = mark.getQuarterBPM()
        except Exception:  # noqa: BLE001
            bpm = None
        if bpm:
            return float(bpm)
    return default


def key_tonic(score: Any) -> int:
    """Tonic of the first key signature (major reading) as a pitch in C4..B4; C if none."""
    from music21 import key

    for signature in score.flatten().getElementsByClass(key.KeySignature):
        tonic = signature.asKey("major").tonic if not isinstance(signature, key.Key) else signature.tonic
        return 60 + tonic.pitchClass
    return 60


def extract_piece(score: Any) -> Piece:
    """Reduce a music21 score to voices, bars, tempo, title and composer."""
    parts = list(score.parts) or [score]
    voices = [v for v in (extract_voice(p) for p in parts) if v.notes]
    bars = extract_bars(parts[0])
    metadata = score.metadata
    piece = Piece(
        voices=voices,
        bars=bars,
        bpm=first_tempo(score),
        title=str(getattr(metadata, "title", None) or getattr(metadata, "movementName", None) or ""),
        composer=str(getattr(metadata, "composer", None) or ""),
        tonic=key_tonic(score),
    )
    if not piece.bars:
        piece.bars = regular_bars(piece.length)
    return piece


def regular_bars(length: float, beats: int = 4, beat_length: float = 1.0) -> list[Bar]:
    """A plain 4/4 grid for scores without measures."""
    size = beats * beat_length
    return [Bar(i + 1, i * size, size, beats, beat_length) for i in range(math.ceil(length / size))]


# --------------------------------------------------------------------------- generated parts


@dataclass(frozen=True)
class DrumStyle:
    """How a generated drum part plays each bar."""

    kick: str = "rock"  # rock | four | half | none
    snare: str = "backbeat"  # backbeat | half | none
    snare_key: int = SNARE
    hat_key: int = CLOSED_HAT
    hat_hits: int = 2  # hi-hat hits per beat (3 for compound or swung beats)
    swing: bool = False
    open_hat_offbeat: bool = False
    fill_every: int = 8  # bars between fills, 0 for none


DRUM_STYLES: dict[str, DrumStyle] = {
    "rock": DrumStyle(),
    "pop16": DrumStyle(hat_hits=4),
    "disco": DrumStyle(kick="four", snare_key=CLAP, open_hat_offbeat=True),
    "halftime": DrumStyle(kick="half", snare="half", hat_hits=4),
    "shuffle": DrumStyle(swing=True, hat_hits=2),
    "jazz": DrumStyle(kick="half", snare="none", hat_key=RIDE, swing=True, fill_every=0),
    "sparse": DrumStyle(kick="half", snare_key=SIDE_STICK, hat_key=SHAKER, fill_every=0),
    "hats": DrumStyle(kick="none", snare="none", fill_every=0),
}


def _beat_grid(bar: Bar, bpm: float) -> tuple[int, float]:
    """Beats and beat length for drums, halving/doubling so one beat lasts about 0.33-0.9 s."""
    beats, beat_length = bar.beats, bar.beat_length
    while beat_length * 60 / bpm > 0.9 and beat_length > 0.25:
        beats, beat_length = beats * 2, beat_length / 2
    while beat_length * 60 / bpm < 0.33 and beats % 2 == 0 and beats > 2:
        beats, beat_length = beats // 2, beat_length * 2
    return beats, beat_length


def _kick_beats(style: DrumStyle, beats: int) -> set[int]:
    if style.kick == "none":
        return set()
    if style.kick == "four":
        return set(range(beats))
    if style.kick == "half" or beats < 4:
        return {0}
    return {0, beats // 2}


def _snare_beats(style: DrumStyle, beats: int) -> set[int]:
    if style.snare == "none" or beats < 2:
        return set()
    if beats % 2 == 1:
        return {beats - 1}
    if style.snare == "half" and beats >= 4:
        return {beats // 2}
    return set(range(1, beats, 2))


def _hat_offsets(style: DrumStyle, beat_length: float) -> list[float]:
    hits = 3 if math.isclose(beat_length, 1.5) else style.hat_hits
    if style.swing and hits == 2:
        return [0.0, beat_length * 2 / 3]
    return [beat_length * k / hits for k in range(hits)]


def _fill(start: float, span: float, velocity: float, rng: np.random.Generator) -> list[tuple[float, int, float]]:
    """Sixteenth-note snare/tom run over [start, start + span) with a crescendo."""
    steps = max(2, int(round(span / 0.25)))
    keys = [SNARE, SNARE, *TOMS] if rng.random() < 0.6 else [SNARE] * steps
    hits = []
    for i in range(steps):
        key = keys[min(len(keys) - 1, i * len(keys) // steps)]
        hits.append((start + i * span / steps, key, velocity * (0.65 + 0.35 * i / steps)))
    return hits


def drum_part(
    bars: list[Bar],
    bpm: float,
    style: DrumStyle,
    rng: np.random.Generator,
    *,
    velocity: float = 100,
    active: Iterable[bool] | None = None,
    crash_first: bool = True,
) -> list[Note]:
    """A kick/snare/hi-hat part that follows the bar and beat grid, with fills and crashes."""
    flags = list(active) if active is not None else [True] * len(bars)
    hits: list[tuple[float, int, float]] = []
    syncopate = rng.random() < 0.4
    index = -1  # counts full bars, so phrases start after a pick-up
    for bar, on in zip(bars, flags, strict=True):
        index += bar.full
        if not on:
            continue
        beats, beat_length = _beat_grid(bar, bpm)
        bar_start = bar.end - beats * beat_length  # align pick-up bars to their end
        fill = bool(style.fill_every) and bar.full and (index + 1) % style.fill_every == 0
        fill_from = beats - (2 if beats >= 4 and rng.random() < 0.5 else 1) if fill else beats
        kicks, snares = _kick_beats(style, beats), _snare_beats(style, beats)
        for beat in range(fill_from):
            t = bar_start + beat * beat_length
            if t < bar.start - 1e-6:
                continue
            accent = 1.0 if beat == 0 else 0.9
            if beat in kicks:
                hits.append((t, KICK, velocity * accent))
            if beat in snares:
                hits.append((t, style.snare_key, velocity * 0.95))
            offsets = _hat_offsets(style, beat_length)
            for k, offset in enumerate(offsets):
                key = OPEN_HAT if style.open_hat_offbeat and k == len(offsets) // 2 else style.hat_key
                hits.append((t + offset, key, velocity * (0.72 if k == 0 else 0.55)))
        if syncopate and style.kick == "rock" and beats >= 4 and fill_from > beats // 2:
            hits.append((bar_start + (beats // 2 - 0.5) * beat_length, KICK, velocity * 0.8))
        if fill:
            hits += _fill(bar_start + fill_from * beat_length, (beats - fill_from) * beat_length, velocity, rng)
        after_fill = bool(style.fill_every) and index > 0 and index % style.fill_every == 0
        if bar.full and ((index == 0 and crash_first) or after_fill):
            hits.append((bar.start, CRASH, velocity * 0.9))
            if style.kick != "none":
                hits.append((bar.start, KICK, velocity))
    return [
        Note(t, 0.25, key, _velocity(v + rng.normal(0, 5)), DRUM_CHANNEL)
        for t, key, v in sorted(set(hits))
    ]


def sounding_bass(voices: list[Voice], t: float) -> int | None:
    """The lowest pitch sounding at time t (or starting within a sixteenth after it)."""
    pitches = [n.pitch for v in voices for n in v.notes if n.start <= t + 0.25 and t < n.start + n.duration]
    return min(pitches) if pitches else None


def fold_to_range(pitch: int, low: int = 28, high: int = 43) -> int:
    """Move a pitch by octaves into [low, high]."""
    while pitch > high:
        pitch -= 12
    while pitch < low:
        pitch += 12
    return pitch


def bass_line(
    voices: list[Voice],
    bars: list[Bar],
    bpm: float,
    rng: np.random.Generator,
    *,
    channel: int,
    velocity: float = 95,
    pattern: str = "beats",
) -> list[Note]:
    """A bass part on the lowest sounding pitch of each beat.

    pattern: 'beats' (one note per beat), 'strong' (first and middle beat),
    'octaves' (eighth notes alternating root and octave).
    """
    notes: list[Note] = []
    for bar in bars:
        beats, beat_length = _beat_grid(bar, bpm)
        chosen = range(beats) if pattern != "strong" else sorted({0, beats // 2})
        for beat in chosen:
            t = bar.end - (beats - beat) * beat_length
            if t < bar.start - 1e-6:
                continue
            pitch = sounding_bass(voices, t)
            if pitch is None:
                continue
            root = fold_to_range(pitch)
            accent = 1.0 if beat == 0 else 0.88
            if pattern == "octaves":
                half = beat_length / 2
                notes.append(Note(t, half * 0.9, root, _velocity(velocity * accent), channel))
                notes.append(Note(t + half, half * 0.9, root + 12, _velocity(velocity * 0.8), channel))
            else:
                length = beat_length * (0.9 if pattern == "beats" else beats / len(chosen) * 0.9)
                notes.append(Note(t, length, root, _velocity(velocity * accent + rng.normal(0, 3)), channel))
    return notes


def _velocity(value: float) -> int:
    return int(np.clip(round(value), 1, 127))


# --------------------------------------------------------------------------- MIDI and rendering


def _vlq(value: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def remove_overlaps(notes: list[Note]) -> list[Note]:
    """Shorten notes that would still hold when the same key on the same channel strikes again."""
    by_key: dict[tuple[int, int], list[Note]] = {}
    for n in sorted(notes, key=lambda n: (n.channel, n.pitch, n.start)):
        by_key.setdefault((n.channel, n.pitch), []).append(n)
    result: list[Note] = []
    for group in by_key.values():
        for current, following in zip(group, [*group[1:], None], strict=True):
            if following is not None and current.start + current.duration > following.start:
                if following.start - current.start < 1e-6:
                    continue  # unison doubling: keep one
                current = replace(current, duration=following.start - current.start)
            result.append(current)
    return result


@dataclass
class MidiSong:
    """Notes plus per-channel programs and controllers, at one tempo."""

    notes: list[Note]
    bpm: float
    programs: dict[int, int] = field(default_factory=dict)
    controls: dict[int, dict[int, int]] = field(default_factory=dict)  # channel -> {cc: value}
    tail: float = 2.0  # seconds of silence kept after the last note for release and reverb


def write_midi(song: MidiSong, path: Path) -> None:
    """Write a format-0 Standard MIDI File."""
    events: list[tuple[int, int, bytes]] = []
    tempo_us = int(round(60_000_000 / song.bpm))
    events.append((0, 0, b"\xff\x51\x03" + tempo_us.to_bytes(3, "big")))
    for channel, program in sorted(song.programs.items()):
        events.append((0, 1, bytes([0xC0 | channel, program & 0x7F])))
    for channel, controls in sorted(song.controls.items()):
        for number, value in sorted(controls.items()):
            events.append((0, 1, bytes([0xB0 | channel, number & 0x7F, value & 0x7F])))
    end = 0
    for n in remove_overlaps(song.notes):
        on = max(0, int(round(n.start * TICKS_PER_QUARTER)))
        off = max(on + 1, int(round((n.start + n.duration) * TICKS_PER_QUARTER)))
        events.append((on, 3, bytes([0x90 | n.channel, n.pitch & 0x7F, n.velocity])))
        events.append((off, 2, bytes([0x80 | n.channel, n.pitch & 0x7F, 0])))
        end = max(end, off)
    events.sort(key=lambda e: (e[0], e[1]))
    track = bytearray()
    last = 0
    for tick, _, data in events:
        track += _vlq(tick - last) + data
        last = tick
    tail_ticks = int(song.tail * song.bpm / 60 * TICKS_PER_QUARTER)
    track += _vlq(end + tail_ticks - last) + b"\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    header += TICKS_PER_QUARTER.to_bytes(2, "big")
    Path(path).write_bytes(header + b"MTrk" + len(track).to_bytes(4, "big") + bytes(track))


@dataclass(frozen=True)
class RenderSettings:
    """FluidSynth options for one render."""

    sample_rate: int = 22050
    gain: float = 0.6
    reverb: bool = True
    room_size: float = 0.4
    reverb_level: float = 0.6
    chorus: bool = True


def render_midi(midi_path: Path, wav_path: Path, settings: RenderSettings, soundfont: Path = SOUNDFONT) -> np.ndarray:
    """Render a MIDI file with the fluidsynth CLI; returns float32 audio shaped (frames, 2)."""
    command = [
        require_tools(soundfont),
        "-ni", "-q",
        "-g", f"{settings.gain:g}",
        "-r", str(settings.sample_rate),
        "-R", "1" if settings.reverb else "0",
        "-C", "1" if settings.chorus else "0",
        "-o", f"synth.reverb.room-size={settings.room_size:.2f}",
        "-o", f"synth.reverb.level={settings.reverb_level:.2f}",
        "-T", "wav", "-O", "float",
        "-F", str(wav_path),
        str(soundfont), str(midi_path),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0 or not Path(wav_path).is_file():
        raise RuntimeError(f"fluidsynth failed ({result.returncode}): {result.stderr.strip()[-300:]}")
    audio, _ = sf.read(wav_path, dtype="float32", always_2d=True)
    return audio


# --------------------------------------------------------------------------- audio helpers


def trim_silence(audio: np.ndarray, sample_rate: int, threshold_db: float = -55.0, pad: float = 0.15) -> np.ndarray:
    """Drop leading and trailing audio quieter than threshold_db below the peak (keeping a little padding)."""
    level = np.abs(audio).max(axis=1) if audio.ndim == 2 else np.abs(audio)
    peak = float(level.max()) if level.size else 0.0
    if peak <= 0:
        return audio[:0]
    loud = np.flatnonzero(level > peak * 10 ** (threshold_db / 20))
    first = max(0, loud[0] - int(0.02 * sample_rate))
    last = min(len(audio), loud[-1] + int(pad * sample_rate))
    return audio[first:last]


def fade_out(audio: np.ndarray, sample_rate: int, seconds: float) -> np.ndarray:
    """Linear fade over the last `seconds`."""
    count = min(len(audio), int(seconds * sample_rate))
    if count <= 0:
        return audio
    ramp = np.linspace(1.0, 0.0, count, dtype=np.float32)
    out = audio.copy()
    out[-count:] *= ramp[:, None] if out.ndim == 2 else ramp
    return out


def normalize_peak(audio: np.ndarray, peak: float) -> np.ndarray:
    """Scale so the largest absolute sample equals `peak`."""
    current = float(np.abs(audio).max()) if audio.size else 0.0
    return audio if current == 0 else (audio * (peak / current)).astype(np.float32)


def rms(audio: np.ndarray) -> float:
    """Root mean square over all samples."""
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
