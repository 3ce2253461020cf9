#!/usr/bin/env python3
"""Make davis' bundled demo song, encoder/assets/demo.ogg.

Scott Joplin's Maple Leaf Rag (1899, public domain, from music21's corpus) is
arranged into a ~50 s piece with clear sections for the visualizer:

    intro   bars 1-8      soft electric piano, hi-hats creeping in
    drop    bars 1-15,17  loud piano, rock drums, finger bass; synth brass joins halfway
    break   bars 18-25    quiet strings and harp, no drums
    colour  bars 26-32,34 saw lead, organ, octave synth bass, four-on-the-floor
    ending  tonic chord   crash, then a ring-out

It is rendered with FluidSynth (44.1 kHz stereo) and saved as tagged OGG Vorbis.
The audio is deterministic; only the Ogg stream serial number differs per run.
Needs the Debian packages fluidsynth and fluid-soundfont-gm, and `pip install music21`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_common import (  # noqa: E402
    CRASH,
    DEMO_COMPOSER,
    DEMO_PIECE,
    DEMO_TITLE,
    DRUM_CHANNEL,
    DRUM_KITS,
    DRUM_STYLES,
    KICK,
    SOUNDFONT,
    Bar,
    MidiSong,
    Note,
    Piece,
    RenderSettings,
    ToolError,
    Voice,
    bass_line,
    drum_part,
    extract_piece,
    fade_out,
    fold_to_range,
    load_score,
    normalize_peak,
    render_midi,
    require_tools,
    rms,
    trim_silence,
    write_midi,
)

SAMPLE_RATE = 44100
BPM = 100.0
SEED = 1899
MAX_BYTES = 1_000_000
WRITE_BLOCK = 8192  # frames per write call
LIMITER_DRIVE_DB = 8.0  # loudness gained by limiting the drum and chord peaks
CEILING = 10 ** (-1.5 / 20)  # peak level before encoding; Vorbis adds a little overshoot
RH, LH = 0, 1  # the two piano staves of the score
SECOND_CRASH = 57


@dataclass(frozen=True)
class Track:
    """One MIDI channel of the arrangement."""

    channel: int
    program: int
    pan: int  # 0 left .. 127 right
    reverb: int  # send, 0..127


TRACKS = {
    "intro_keys": Track(0, 4, 64, 70),  # electric piano
    "piano": Track(1, 0, 64, 40),
    "bass": Track(2, 33, 64, 10),  # finger bass
    "brass": Track(3, 62, 36, 50),  # synth brass
    "strings": Track(4, 48, 86, 100),
    "harp": Track(5, 46, 42, 90),
    "lead": Track(6, 81, 72, 50),  # saw lead
    "organ": Track(7, 16, 52, 40),  # drawbar organ
    "synth_bass": Track(8, 38, 64, 10),
}

Velocity = Callable[[float], float]


def ramp(start: float, end: float, low: float, high: float) -> Velocity:
    """Velocity moving linearly from `low` at `start` to `high` at `end` (quarters)."""
    return lambda t: low + (high - low) * float(np.clip((t - start) / max(end - start, 1e-9), 0, 1))


def steady(value: float) -> Velocity:
    """A constant velocity."""
    return lambda t: value


def play(voice: Voice, track: str, velocity: Velocity, rng: np.random.Generator) -> list[Note]:
    """A voice's notes on one track, with beat accents and a little humanising."""
    channel = TRACKS[track].channel
    notes = []
    for n in voice.notes:
        accent = 1.1 if abs(n.start - round(n.start)) < 1e-6 else 1.0
        value = velocity(n.start) * accent + rng.normal(0, 3)
        notes.append(Note(n.start, n.duration, n.pitch, int(np.clip(value, 1, 127)), channel))
    return notes


def span(piece: Piece, start: float, end: float) -> tuple[Voice, Voice, list[Bar]]:
    """Right hand, left hand and bars of [start, end), in song time."""
    rh, lh = (Voice(v.name, [n for n in v.notes if start <= n.start < end]) for v in piece.voices[:2])
    return rh, lh, [b for b in piece.bars if start <= b.start < end]


def layout(piece: Piece) -> tuple[Piece, list[float]]:
    """The song's bars in order, and where intro, drop, break, colour and ending start."""
    sections = [
        piece.bars_between(1, 8),
        piece.bars_between(1, 15).then(piece.bars_between(17, 17)),
        piece.bars_between(18, 25),
        piece.bars_between(26, 32).then(piece.bars_between(34, 34)),
    ]
    song, starts = sections[0], [0.0]
    for section in sections[1:]:
        starts.append(song.end)
        song = song.then(section)
    starts.append(song.end)
    return song, starts


def ending_chord(tonic: int, start: float) -> list[Note]:
    """A held major tonic chord on piano, strings, organ and bass, with crashes and a kick."""
    chord = [tonic - 24, tonic - 12, tonic - 8, tonic - 5, tonic, tonic + 4]
    notes = [Note(start, 6.0, p, 100, TRACKS["piano"].channel) for p in chord]
    notes += [Note(start, 6.0, p, 70, TRACKS["strings"].channel) for p in chord[1:]]
    notes += [Note(start, 4.0, p, 72, TRACKS["organ"].channel) for p in chord[1:5]]
    notes.append(Note(start, 4.0, fold_to_range(tonic), 105, TRACKS["synth_bass"].channel))
    notes += [Note(start, 0.5, key, v, DRUM_CHANNEL) for key, v in ((CRASH, 115), (SECOND_CRASH, 105), (KICK, 120))]
    return notes


def arrange(piece: Piece) -> MidiSong:
    """Build every section's parts; returns the whole song."""
    rng = np.random.default_rng(SEED)
    song, (t_intro, t_drop, t_break, t_colour, t_end) = layout(piece)
    notes: list[Note] = []

    rh, lh, bars = span(song, t_intro, t_drop)  # intro
    notes += play(rh, "intro_keys", ramp(t_intro, t_drop, 50, 85), rng)
    notes += play(lh, "intro_keys", ramp(t_intro, t_drop, 40, 70), rng)
    notes += drum_part(bars[-2:], BPM, DRUM_STYLES["hats"], rng, velocity=64, crash_first=False)

    rh, lh, bars = span(song, t_drop, t_break)  # drop
    notes += play(rh, "piano", steady(104), rng)
    notes += play(lh, "piano", steady(88), rng)
    second_half = Voice("rh", [n for n in rh.notes if n.start >= (t_drop + t_break) / 2])
    notes += play(second_half, "brass", steady(80), rng)
    notes += drum_part(bars, BPM, DRUM_STYLES["rock"], rng, velocity=108)
    notes += bass_line([lh], bars, BPM, rng, channel=TRACKS["bass"].channel, velocity=102)

    rh, lh, bars = span(song, t_break, t_colour)  # break
    notes += play(rh, "strings", ramp(t_break, t_colour, 60, 48), rng)
    notes += play(lh, "harp", ramp(t_break, t_colour, 54, 44), rng)

    rh, lh, bars = span(song, t_colour, t_end)  # colour
    notes += play(rh, "lead", steady(90), rng)
    notes += play(lh, "organ", steady(74), rng)
    notes += drum_part(bars, BPM, DRUM_STYLES["disco"], rng, velocity=110)
    notes += bass_line([lh], bars, BPM, rng, channel=TRACKS["synth_bass"].channel, velocity=100, pattern="octaves")

    notes += ending_chord(piece.tonic, t_end)
    programs = {t.channel: t.program for t in TRACKS.values()} | {DRUM_CHANNEL: DRUM_KITS["standard"]}
    controls = {t.channel: {10: t.pan, 91: t.reverb} for t in TRACKS.values()} | {DRUM_CHANNEL: {10: 64, 91: 30}}
    return MidiSong(notes, BPM, programs, controls, tail=3.5)


def limit(audio: np.ndarray, drive_db: float, ceiling: float, block: int = 256, release_s: float = 0.15) -> np.ndarray:
    """Boost by drive_db, then a look-ahead peak limiter keeps every sample under `ceiling`."""
    boosted = audio * 10 ** (drive_db / 20)
    blocks = -(-len(boosted) // block)
    padded = np.zeros((blocks * block, boosted.shape[1]), dtype=np.float32)
    padded[: len(boosted)] = boosted
    peaks = np.abs(padded).reshape(blocks, -1).max(axis=1)
    envelope = np.maximum.reduce([np.roll(peaks, k) for k in (-1, 0, 1)])  # one block of look-ahead
    target = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9))
    step = block / (release_s * SAMPLE_RATE)
    gain = target.copy()
    for i in range(1, blocks):  # instant attack, linear release
        gain[i] = min(target[i], gain[i - 1] + step)
    centres = np.arange(blocks) * block + block / 2
    per_sample = np.interp(np.arange(len(boosted)), centres, gain).astype(np.float32)
    return np.clip(boosted * per_sample[:, None], -ceiling, ceiling)


def render(song: MidiSong, soundfont: Path) -> np.ndarray:
    """Stereo float audio: rendered, trimmed, limited to CEILING, faded at the very end."""
    settings = RenderSettings(sample_rate=SAMPLE_RATE, gain=0.5, room_size=0.55, reverb_level=0.7)
    with tempfile.TemporaryDirectory(prefix="davis-demo-") as tmp:
        midi, wav = Path(tmp) / "demo.mid", Path(tmp) / "demo.wav"
        write_midi(song, midi)
        audio = render_midi(midi, wav, settings, soundfont)
    audio = normalize_peak(trim_silence(audio, SAMPLE_RATE, threshold_db=-50, pad=0.3), CEILING)
    return fade_out(limit(audio, LIMITER_DRIVE_DB, CEILING), SAMPLE_RATE, 1.0)


def save_ogg(audio: np.ndarray, path: Path, quality: float) -> None:
    """Write tagged OGG Vorbis under a temporary name, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    # libsndfile maps compression_level 0..1 to Vorbis quality 1..0
    with sf.SoundFile(partial, "w", SAMPLE_RATE, audio.shape[1], subtype="VORBIS", format="OGG",
                      compression_level=1 - quality) as f:  # fmt: skip
        f.title = f"{DEMO_TITLE} (davis demo)"
        f.artist = f"{DEMO_COMPOSER}, arranged by davis"
        f.comment = f"Rendered with FluidSynth and FluidR3_GM from music21's corpus ({DEMO_PIECE}); public domain score"
        for start in range(0, len(audio), WRITE_BLOCK):  # libsndfile's Vorbis encoder crashes on big writes
            f.write(audio[start : start + WRITE_BLOCK])
    os.replace(partial, path)


def report(path: Path) -> None:
    """Print format, size, tags, RMS per 5 s and clipping: listening proxies."""
    info = sf.info(str(path))
    audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    with sf.SoundFile(str(path)) as f:
        tags = f.copy_metadata()
    print(f"{path}: {info.duration:.1f} s, {info.samplerate} Hz, {info.channels} ch, {info.format}/{info.subtype}, "
          f"{path.stat().st_size / 1e6:.2f} MB")  # fmt: skip
    print(f"tags: {tags}")
    mono = audio.mean(axis=1)
    step = 5 * rate
    levels = [20 * np.log10(rms(mono[i : i + step]) + 1e-12) for i in range(0, len(mono), step)]
    print("RMS dBFS per 5 s: " + " ".join(f"{level:.1f}" for level in levels))
    clipped = int(np.sum(np.abs(audio) >= 0.999))
    print(f"peak {20 * np.log10(np.abs(audio).max()):.2f} dBFS, {clipped} samples at full scale")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Arrange and render the demo song (Maple Leaf Rag) as tagged OGG Vorbis.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("encoder/assets/demo.ogg"), help="output file")
    parser.add_argument("--quality", type=float, default=0.4, help="Vorbis quality, 0 (small) to 1 (best)")
    parser.add_argument("--soundfont", type=Path, default=SOUNDFONT, help="General MIDI .sf2 file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        require_tools(args.soundfont)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    song = arrange(extract_piece(load_score(DEMO_PIECE)))
    save_ogg(render(song, args.soundfont), args.out, args.quality)
    report(args.out)
    if args.out.stat().st_size > MAX_BYTES:
        print(f"warning: {args.out} is over {MAX_BYTES} bytes; lower --quality", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
