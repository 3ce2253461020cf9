#!/usr/bin/env python3
"""Build davis' training corpus: public-domain scores from music21's corpus rendered with FluidSynth.

Each song is one piece, arranged at random (seeded) with General MIDI
instruments, tempo, transposition, dynamics and, for many pieces, a generated
drum part and bass. Songs are written as mono FLAC files to OUT/train/ and
OUT/heldout/; the held-out split uses different pieces than the training split.
Re-running resumes: songs already on disk are kept.

Needs the Debian packages fluidsynth and fluid-soundfont-gm, and `pip install music21`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import soundfile as sf
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_common import (  # noqa: E402
    DEMO_TITLE,
    DEMO_WORK,
    DRUM_CHANNEL,
    DRUM_KITS,
    DRUM_STYLES,
    SOUNDFONT,
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
    load_score,
    normalize_peak,
    render_midi,
    require_tools,
    rms,
    rng_for,
    trim_silence,
    write_midi,
)

# Corpus folders left out: test fragments and files that are not music to listen to.
EXCLUDED_GROUPS = {"demos", "theoryExercises", "nottingham-dataset"}
# Relative share of each corpus folder in the selection; folders not named share MISC_WEIGHT.
GROUP_WEIGHTS = {
    "bach": 16, "palestrina": 8, "monteverdi": 7, "trecento": 4, "josquin": 2,
    "beethoven": 5, "mozart": 4, "haydn": 3, "schumann_robert": 1.5, "schumann_clara": 1,
    "essenFolksong": 10, "oneills1850": 9, "airdsAirs": 7, "ryansMammoth": 9, "miscFolk": 3,
}  # fmt: skip
MISC_WEIGHT = 6
HELDOUT_BUCKETS = 10  # one piece in this many is reserved for the held-out split
MIN_NOTES, MIN_QUARTERS = 12, 8.0


# --------------------------------------------------------------------------- instrumentation


@dataclass(frozen=True)
class Ensemble:
    """GM program pools for the top, middle and lowest voices, and how often drums join in."""

    lead: tuple[int, ...]
    mid: tuple[int, ...]
    low: tuple[int, ...]
    drums: float
    weight: float
    same: bool = False  # one program for every voice (a solo keyboard)


ENSEMBLES: dict[str, Ensemble] = {
    "piano": Ensemble((0, 1, 2), (0, 1, 2), (0, 1, 2), drums=0.15, weight=3, same=True),
    "keys": Ensemble((4, 5, 6, 7), (4, 5, 6, 7), (4, 5, 6, 7), drums=0.45, weight=1.5, same=True),
    "organ": Ensemble((16, 17, 19, 20), (16, 17, 19, 20), (16, 17, 19, 20), drums=0.2, weight=1.2, same=True),
    "strings": Ensemble((40, 48, 49, 110), (41, 48, 49), (42, 43, 48), drums=0.15, weight=2),
    "winds": Ensemble((73, 68, 71, 72, 74, 75), (71, 69, 68, 60), (70, 58, 71), drums=0.15, weight=1.2),
    "brass": Ensemble((56, 59, 61, 62), (60, 61, 57), (57, 58), drums=0.35, weight=1),
    "choir": Ensemble((52, 53, 54), (52, 53, 91), (52, 48, 19), drums=0.1, weight=0.8),
    "guitar": Ensemble((24, 25, 26, 27, 29, 30), (24, 25, 27, 28), (32, 33, 34, 35), drums=0.75, weight=1.5),
    "synth": Ensemble((80, 81, 82, 83, 84, 85, 87), (88, 89, 90, 91, 92, 94, 95, 62, 63), (38, 39, 87),
                      drums=0.85, weight=1.5),
    "mallets": Ensemble((8, 9, 10, 11, 12, 13, 108), (11, 12, 46, 45), (32, 12, 0), drums=0.3, weight=0.8),
    "band": Ensemble((56, 65, 66, 64, 29, 81, 22), (0, 4, 16, 27, 61, 25), (33, 34, 35, 36), drums=0.8, weight=1.5),
    "mixed": Ensemble((0, 4, 11, 24, 40, 56, 65, 68, 73, 80, 81, 105), (0, 16, 25, 41, 46, 48, 52, 61, 88, 89),
                      (32, 33, 38, 42, 57, 70), drums=0.45, weight=2),
}  # fmt: skip
BASS_PROGRAMS = (32, 33, 34, 35, 36, 38, 39)
KIT_BY_STYLE = {
    "rock": ("standard", "room", "power"), "pop16": ("standard", "electronic", "tr808"),
    "disco": ("electronic", "tr808", "standard"), "halftime": ("power", "tr808", "room"),
    "shuffle": ("standard", "room", "jazz"), "jazz": ("jazz", "brush"), "sparse": ("standard", "brush", "jazz"),
}  # fmt: skip
STYLE_WEIGHTS = {"rock": 4, "pop16": 3, "disco": 2, "halftime": 2, "shuffle": 1.5, "jazz": 1, "sparse": 1}


@dataclass
class Arrangement:
    """What a render plays, plus a description for the manifest."""

    song: MidiSong
    info: dict[str, object] = field(default_factory=dict)


def pick(rng: np.random.Generator, options: dict[str, float]) -> str:
    """Weighted choice of a key."""
    names = sorted(options)
    weights = np.array([options[n] for n in names], dtype=float)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def choose_window(piece: Piece, bpm: float, max_seconds: float, rng: np.random.Generator) -> Piece:
    """Clip long pieces (sometimes starting at a later bar); repeat short ones up to about 20 s."""
    max_quarters = max_seconds * bpm / 60
    if piece.length > max_quarters:
        start = 0.0
        late_starts = [b.start for b in piece.bars if b.full and 0 < b.start <= piece.length - max_quarters]
        if late_starts and rng.random() < 0.4:
            start = float(late_starts[int(rng.integers(len(late_starts)))])
        return piece.window(start, start + max_quarters)
    looped = piece
    while looped.end * 60 / bpm < 20 and looped.end + piece.end <= max_quarters:
        looped = looped.then(piece)
    return looped


def choose_tempo(piece: Piece, rng: np.random.Generator) -> float:
    """Score tempo (or a default) times 0.7-1.5, kept within 40-200 quarter notes per minute."""
    base = float(np.clip(piece.bpm, 50, 150))
    return float(np.clip(base * rng.uniform(0.7, 1.5), 40, 200))


def transpose_amount(piece: Piece, rng: np.random.Generator) -> int:
    """A shift of -5..+6 semitones that keeps every note on a keyboard."""
    pitches = [n.pitch for v in piece.voices for n in v.notes]
    low, high = min(pitches), max(pitches)
    choices = [s for s in range(-5, 7) if low + s >= 24 and high + s <= 105] or [0]
    return int(rng.choice(choices))


def section_levels(piece: Piece, rng: np.random.Generator) -> list[tuple[float, float]]:
    """(start, multiplier) per 4- or 8-bar section: terraced dynamics."""
    size = int(rng.choice([4, 8]))
    starts = [b.start for b in piece.bars[::size]] or [0.0]
    return [(s, float(rng.uniform(0.6, 1.15))) for s in starts]


def level_at(levels: list[tuple[float, float]], t: float) -> float:
    """The multiplier of the section containing t."""
    current = levels[0][1]
    for start, value in levels:
        if start > t:
            break
        current = value
    return current


def voice_programs(voices: list[Voice], ensemble: Ensemble, rng: np.random.Generator) -> list[int]:
    """A GM program for each voice, by register (top voice = lead, lowest = low)."""
    if ensemble.same:
        return [int(rng.choice(ensemble.lead))] * len(voices)
    order = np.argsort([v.mean_pitch for v in voices])[::-1]
    programs = [0] * len(voices)
    for rank, index in enumerate(order):
        role = "lead" if rank == 0 else "low" if rank == len(voices) - 1 else "mid"
        programs[index] = int(rng.choice(getattr(ensemble, role)))
    return programs


def melodic_channels(count: int) -> list[int]:
    """Channels 0-15 without the drum channel, reused when a score has more voices."""
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    return [free[i % len(free)] for i in range(count)]


def voice_notes(piece: Piece, bass_voice: int | None, transpose: int, rng: np.random.Generator) -> list[Note]:
    """Velocity-shaped, transposed notes for all voices (the bass voice moved to the bass octave)."""
    base = rng.uniform(55, 105)
    levels = section_levels(piece, rng)
    swell_period, swell_phase = rng.uniform(8, 32), rng.uniform(0, 2 * np.pi)
    channels = melodic_channels(len(piece.voices))
    notes: list[Note] = []
    for index, (voice, channel) in enumerate(zip(piece.voices, channels, strict=True)):
        gain = rng.uniform(0.85, 1.1)
        shift = transpose
        if index == bass_voice:
            shift += 12 * round((40 - voice.mean_pitch - transpose) / 12)
        for n in voice.notes:
            swell = 1 + 0.15 * np.sin(2 * np.pi * n.start / swell_period + swell_phase)
            accent = 1.08 if abs(n.start - round(n.start)) < 1e-6 else 1.0
            value = base * gain * (n.loudness / 0.7) * level_at(levels, n.start) * swell * accent
            pitch = int(np.clip(n.pitch + shift, 12, 115))
            notes.append(Note(n.start, n.duration, pitch, int(np.clip(value + rng.normal(0, 5), 8, 127)), channel))
    return notes


def arrange(piece: Piece, rng: np.random.Generator, max_seconds: float) -> Arrangement:
    """Choose instruments, tempo, key, dynamics, drums and bass for one render."""
    ensemble_name = pick(rng, {name: e.weight for name, e in ENSEMBLES.items()})
    ensemble = ENSEMBLES[ensemble_name]
    with_drums = bool(rng.random() < ensemble.drums)
    bpm = choose_tempo(piece, rng)
    piece = choose_window(piece, bpm, max_seconds, rng)
    transpose = transpose_amount(piece, rng)
    programs = voice_programs(piece.voices, ensemble, rng)
    bass_voice = None
    if with_drums and len(piece.voices) >= 2 and rng.random() < 0.8:
        bass_voice = int(np.argmin([v.mean_pitch for v in piece.voices]))
        programs[bass_voice] = int(rng.choice(BASS_PROGRAMS))
    notes = voice_notes(piece, bass_voice, transpose, rng)
    channels = melodic_channels(len(piece.voices))
    program_map = dict(zip(channels, programs, strict=True))
    info: dict[str, object] = {"ensemble": ensemble_name, "bpm": round(bpm, 1), "transpose": transpose}
    if len(piece.voices) == 1 and (with_drums or rng.random() < 0.25):
        bass_channel = melodic_channels(2)[1]
        program_map[bass_channel] = int(rng.choice(BASS_PROGRAMS))
        shifted = [Voice(v.name, [replace(n, pitch=n.pitch + transpose) for n in v.notes]) for v in piece.voices]
        notes += bass_line(shifted, piece.bars, bpm, rng, channel=bass_channel, velocity=rng.uniform(75, 105),
                           pattern=str(rng.choice(["beats", "strong", "octaves"])))  # fmt: skip
        info["generated_bass"] = True
    if with_drums:
        style = pick(rng, STYLE_WEIGHTS)
        kit = str(rng.choice(KIT_BY_STYLE[style]))
        active = drum_sections(len(piece.bars), rng)
        notes += drum_part(piece.bars, bpm, DRUM_STYLES[style], rng, velocity=rng.uniform(75, 115), active=active)
        program_map[DRUM_CHANNEL] = DRUM_KITS[kit]
        info["drums"] = f"{style}/{kit}"
    info["programs"] = [program_map[c] for c in sorted(program_map) if c != DRUM_CHANNEL]
    return Arrangement(MidiSong(notes, bpm, program_map), info)


def drum_sections(bar_count: int, rng: np.random.Generator) -> list[bool]:
    """Drums on most 4-bar sections, sometimes resting for one (never the first full section)."""
    flags = []
    for section in range(0, bar_count, 4):
        on = section == 0 or rng.random() > 0.15
        flags += [on] * min(4, bar_count - section)
    return flags


# --------------------------------------------------------------------------- rendering one song


@dataclass(frozen=True)
class Candidate:
    """A piece of the music21 corpus: 'path' or 'path#tune number'."""

    piece_id: str
    group: str
    work: str  # the piece without file extension, shared by e.g. .krn and .mxl versions
    tune: str  # the tune's name for folk tunes (shared by variants of one tune), else `work`

    @property
    def filename(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", self.work.replace("/", "__")) + ".flac"


@dataclass(frozen=True)
class Job:
    candidate: Candidate
    out_path: Path
    seed: int
    max_seconds: float
    min_seconds: float
    sample_rate: int
    soundfont: Path


@dataclass
class Result:
    piece_id: str
    file: str
    ok: bool
    seconds: float = 0.0
    error: str = ""
    info: dict[str, object] = field(default_factory=dict)


def render_settings(rng: np.random.Generator, sample_rate: int) -> RenderSettings:
    """Random room and chorus for one render."""
    return RenderSettings(
        sample_rate=sample_rate,
        reverb=bool(rng.random() < 0.75),
        room_size=float(rng.uniform(0.15, 0.9)),
        reverb_level=float(rng.uniform(0.3, 0.9)),
        chorus=bool(rng.random() < 0.5),
    )


def finish_audio(stereo: np.ndarray, job: Job, rng: np.random.Generator) -> np.ndarray:
    """Mono, silence trimmed, clipped to max_seconds with a fade, peak-normalised."""
    audio = trim_silence(stereo.mean(axis=1), job.sample_rate)
    limit = int(job.max_seconds * job.sample_rate)
    if len(audio) > limit:
        audio = fade_out(audio[:limit], job.sample_rate, 1.5)
    return normalize_peak(audio, float(rng.uniform(0.5, 0.95)))


def render_song(job: Job) -> Result:
    """Parse, arrange, render and save one song; errors come back in the Result."""
    warnings.filterwarnings("ignore")
    name = job.out_path.name
    try:
        rng = rng_for(job.seed, job.candidate.work)
        piece = extract_piece(load_score(job.candidate.piece_id))
        if piece.note_count < MIN_NOTES or piece.length < MIN_QUARTERS:
            return Result(job.candidate.piece_id, name, False, error="too short a score")
        arrangement = arrange(piece, rng, job.max_seconds)
        with tempfile.TemporaryDirectory(prefix="davis-corpus-") as tmp:
            midi, wav = Path(tmp) / "song.mid", Path(tmp) / "song.wav"
            write_midi(arrangement.song, midi)
            stereo = render_midi(midi, wav, render_settings(rng, job.sample_rate), job.soundfont)
        if rms(stereo) < 1e-4:
            return Result(job.candidate.piece_id, name, False, error="silent render")
        audio = finish_audio(stereo, job, rng)
        seconds = len(audio) / job.sample_rate
        if seconds < job.min_seconds:
            return Result(job.candidate.piece_id, name, False, error=f"render only {seconds:.1f} s")
        save_flac(audio, job.out_path, job.sample_rate)
        info = {"title": piece.title, "composer": piece.composer, **arrangement.info}
        return Result(job.candidate.piece_id, name, True, seconds, info=info)
    except Exception as exc:  # noqa: BLE001 - one bad score must not stop the build
        return Result(job.candidate.piece_id, name, False, error=f"{type(exc).__name__}: {exc}"[:300])


def save_flac(audio: np.ndarray, path: Path, sample_rate: int) -> None:
    """Write 16-bit FLAC under a temporary name, then rename into place."""
    partial = path.with_name(f".{path.name}.partial")
    sf.write(partial, audio, sample_rate, format="FLAC", subtype="PCM_16")
    os.replace(partial, path)


# --------------------------------------------------------------------------- choosing pieces


def corpus_candidates() -> list[Candidate]:
    """Every piece in music21's core corpus (one per tune for multi-tune ABC files), sorted."""
    from music21 import common, corpus

    root = Path(common.getCorpusFilePath())
    candidates: dict[str, Candidate] = {}
    titles: set[str] = set()
    for path in sorted(corpus.getCorePaths(), key=str):
        rel = Path(path).relative_to(root).as_posix()
        group = rel.split("/")[0]
        if group in EXCLUDED_GROUPS:
            continue
        stem = rel.rsplit(".", 1)[0]
        for number, title in abc_tunes(Path(path)):
            piece_id = f"{rel}#{number}" if number is not None else rel
            work = f"{stem}#{number}" if number is not None else stem
            if title and title.lower() in titles:
                continue  # the same tune printed twice (in one book or two)
            titles.add(title.lower())
            candidates.setdefault(work, Candidate(piece_id, group, work, tune_name(title) or work))
    demo_tune = tune_name(DEMO_TITLE)
    return [c for c in candidates.values() if c.work != DEMO_WORK and c.tune != demo_tune]


def abc_tunes(path: Path) -> list[tuple[int | None, str]]:
    """(tune number, title) of each tune in an ABC file (number None for single-tune files);
    [(None, "")] for other formats."""
    if path.suffix.lower() != ".abc":
        return [(None, "")]
    text = path.read_text(encoding="latin-1")
    tunes = re.findall(r"^X:\s*(\d+)[^\n]*\n(?:(?!X:)[^\n]*\n)*?T:\s*([^\n]*)", text, flags=re.MULTILINE)
    tunes = list({int(n): title.strip() for n, title in reversed(tunes)}.items())[::-1]
    if len(tunes) <= 1:
        return [(None, tunes[0][1] if tunes else "")]
    return tunes


def tune_name(title: str) -> str:
    """A title reduced to its first phrase, lower case, without articles: variants share it."""
    title = re.sub(r"\b(mrs?|st|capt|col|dr|genl?|honble|lt|sr|jr|no|\d+[a-z]*)\.", r"\1", title.lower())
    first = re.split(r"[.(,;:]|--", title, maxsplit=1)[0].replace("'", "")
    return " ".join(w for w in re.findall(r"[a-z0-9]+", first) if w not in {"the", "a", "an"})


def is_heldout(candidate: Candidate, seed: int) -> bool:
    """Split by piece: a fixed one-in-HELDOUT_BUCKETS share of tunes is held out, variants together."""
    return int(rng_for(seed, "split:" + candidate.tune).integers(HELDOUT_BUCKETS)) == 0


def interleave(candidates: list[Candidate], seed: int, limit: int) -> list[Candidate]:
    """Shuffle within each corpus folder, then take folders in GROUP_WEIGHTS proportions
    (smooth weighted round-robin, so small folders get their share exactly)."""
    rng = rng_for(seed, "order")
    queues: dict[str, deque[Candidate]] = {}
    for c in candidates:
        queues.setdefault(c.group, deque()).append(c)
    for name in sorted(queues):
        items = list(queues[name])
        queues[name] = deque(items[i] for i in rng.permutation(len(items)))
    misc = [g for g in queues if g not in GROUP_WEIGHTS]
    weights = {g: GROUP_WEIGHTS.get(g, MISC_WEIGHT / max(1, len(misc))) for g in queues}
    credit = dict.fromkeys(queues, 0.0)
    order: list[Candidate] = []
    while queues and len(order) < limit:
        for g in queues:
            credit[g] += weights[g]
        name = max(sorted(queues), key=lambda g: credit[g])
        credit[name] -= sum(weights[g] for g in queues)
        order.append(queues[name].popleft())
        if not queues[name]:
            del queues[name]
    return order


def plan(seed: int, count: int, heldout: int) -> dict[str, list[Candidate]]:
    """Ordered candidate lists for both splits; songs are taken from the front, failures replaced from behind."""
    candidates = corpus_candidates()
    held = [c for c in candidates if is_heldout(c, seed)]
    train = [c for c in candidates if not is_heldout(c, seed)]
    return {
        "train": interleave(train, seed, 2 * count + 50),
        "heldout": interleave(held, seed + 1, 2 * heldout + 50),
    }


# --------------------------------------------------------------------------- the build loop


def existing_result(path: Path, candidate: Candidate, manifest: dict[str, dict]) -> Result:
    """A Result for a song already on disk (from an earlier run)."""
    entry = manifest.get(path.name, {})
    seconds = float(entry.get("seconds") or sf.info(str(path)).duration)
    return Result(candidate.piece_id, path.name, True, seconds, info=entry.get("info", {}))


def load_manifest(path: Path) -> dict[str, dict]:
    """file name -> manifest entry, from an earlier run."""
    if not path.is_file():
        return {}
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {e["file"]: e for e in entries}


def write_manifest(path: Path, results: list[Result]) -> None:
    """One JSON line per song, written atomically."""
    partial = path.with_name(f".{path.name}.partial")
    lines = [json.dumps({k: v for k, v in asdict(r).items() if k not in ("ok", "error")}) for r in results]
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, path)


@dataclass
class SplitState:
    """Progress of one split: its remaining candidates and finished songs."""

    name: str
    folder: Path
    target: int
    queue: Iterator[Candidate]
    manifest: dict[str, dict]
    done: list[Result] = field(default_factory=list)
    running: int = 0
    reused: int = 0
    failed: int = 0


class Builder:
    """Keeps each split's renders in flight until it has its songs; failed pieces are replaced."""

    def __init__(self, args: argparse.Namespace, pool: ProcessPoolExecutor, progress: Progress) -> None:
        self.args, self.pool, self.progress = args, pool, progress
        self.futures: dict[Future[Result], SplitState] = {}
        self.tasks: dict[str, TaskID] = {}

    def run(self, states: list[SplitState]) -> None:
        """Render until every split is full or out of candidates."""
        for state in states:
            self.tasks[state.name] = self.progress.add_task(state.name, total=state.target)
            self.top_up(state)
        while self.futures:
            finished, _ = wait(list(self.futures), return_when=FIRST_COMPLETED)
            for future in finished:
                self.collect(future)

    def top_up(self, state: SplitState) -> None:
        """Submit candidates until finished plus running songs reach the target; reuse files on disk."""
        while len(state.done) + state.running < state.target:
            candidate = next(state.queue, None)
            if candidate is None:
                return
            path = state.folder / candidate.filename
            if path.exists():
                state.done.append(existing_result(path, candidate, state.manifest))
                state.reused += 1
                self.progress.advance(self.tasks[state.name])
                continue
            a = self.args
            job = Job(candidate, path, a.seed, a.max_seconds, a.min_seconds, a.sample_rate, a.soundfont)
            self.futures[self.pool.submit(render_song, job)] = state
            state.running += 1

    def collect(self, future: Future[Result]) -> None:
        """Record one finished render (or log why it was skipped) and top its split up."""
        state = self.futures.pop(future)
        state.running -= 1
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - a crashed worker process
            result = Result("?", "?", False, error=f"worker crashed: {exc}")
        if result.ok:
            state.done.append(result)
            self.progress.advance(self.tasks[state.name])
        else:
            state.failed += 1
            self.progress.console.log(f"[yellow]skipped {result.piece_id}: {result.error}")
        self.top_up(state)


def build(args: argparse.Namespace) -> int:
    """Render both splits with a process pool and write their manifests; returns the exit status."""
    started = time.perf_counter()
    plans = plan(args.seed, args.count, args.heldout)
    states = []
    for name, target in (("train", args.count), ("heldout", args.heldout)):
        (args.out / name).mkdir(parents=True, exist_ok=True)
        manifest = load_manifest(args.out / f"{name}.jsonl")
        states.append(SplitState(name, args.out / name, target, iter(plans[name]), manifest))
    columns = (
        TextColumn("[bold]{task.description:8}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=Console(stderr=True)) as progress:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            Builder(args, pool, progress).run(states)
    for state in states:
        write_manifest(args.out / f"{state.name}.jsonl", state.done)
    return summarize(states, time.perf_counter() - started)


def summarize(states: list[SplitState], elapsed: float) -> int:
    """Print the summary line; exit status 1 when a split came up short."""
    minutes = sum(r.seconds for s in states for r in s.done) / 60
    parts = ", ".join(f"{len(s.done)} {s.name} ({s.reused} already there, {s.failed} skipped)" for s in states)
    print(f"corpus: {parts}; {minutes:.1f} min of audio; took {elapsed:.1f} s")
    short = [s for s in states if len(s.done) < s.target]
    for s in short:
        print(f"warning: {s.name} has {len(s.done)} songs, fewer than the {s.target} asked for", file=sys.stderr)
    return 1 if short else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Render public-domain scores from music21's corpus with FluidSynth into davis' "
        "training corpus (mono FLAC in OUT/train and OUT/heldout; held-out songs are different pieces).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("data/corpus"), help="output folder")
    parser.add_argument("--count", type=int, default=300, help="training songs")
    parser.add_argument("--heldout", type=int, default=30, help="held-out songs (other pieces)")
    parser.add_argument("--seed", type=int, default=0, help="selects the pieces and their arrangements")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="longest song; longer pieces are clipped")
    parser.add_argument("--min-seconds", type=float, default=5.0, help="shorter renders are skipped")
    parser.add_argument("--sample-rate", type=int, default=22050, help="sample rate of the FLAC files")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel renders")
    parser.add_argument("--soundfont", type=Path, default=SOUNDFONT, help="General MIDI .sf2 file")
    parser.add_argument("--dry-run", action="store_true", help="list the first planned pieces of each split and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        require_tools(args.soundfont)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        for name, candidates in plan(args.seed, args.count, args.heldout).items():
            wanted = args.count if name == "train" else args.heldout
            for candidate in candidates[:wanted]:
                print(f"{name}\t{candidate.piece_id}")
        return 0
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
