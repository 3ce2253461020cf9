#!/usr/bin/env python3
"""Build davis' corpus of real recordings: the music of seven Debian game-data packages.

The packages are fetched with `apt-get download` (no install, no root needed beyond what apt
itself wants), unpacked with `dpkg -x` into a temporary folder, and every track under a
`music` folder that lasts at least MIN_SECONDS is copied unchanged (Ogg Vorbis) to
OUT/train/<package>/ or OUT/heldout/<package>/. Whole packages are held out, so held-out
figures are measured on composers and styles the model never heard. OUT/manifest.json and
OUT/manifest.csv list every track with its package, version, licence (from the package's
machine-readable debian/copyright), duration and split.

Only these packages are used: other Debian music packages are kept for an independent
evaluation. Re-running reuses downloaded .deb files and tracks already on disk.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import soundfile as sf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

PACKAGES = ("supertux-data", "widelands-data", "hedgewars-data", "freedroidrpg-data",
            "flare-game", "extremetuxracer-data", "lincity-ng-data")
HELDOUT_PACKAGES = frozenset({"widelands-data", "flare-game"})
AUDIO_SUFFIXES = {".ogg", ".oga", ".flac", ".wav", ".mp3", ".opus"}
MIN_SECONDS = 20.0  # shorter files are jingles and stingers, not songs

console = Console(stderr=True)


@dataclass(frozen=True)
class Track:
    track: str          # path under OUT, e.g. train/supertux-data/forest--forest3.ogg
    package: str
    version: str
    source_path: str    # where the package installs it
    licence: str
    duration_s: float
    sample_rate: int
    channels: int
    split: str
    sha256: str


def download(package: str, debs: Path) -> Path:
    """The package's .deb in `debs`, fetched with apt-get download unless already there."""
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    result = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True,
                            text=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if result.returncode != 0 or not found:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"apt-get download {package} failed: {last} "
                           "(is the package index current? try apt-get update)")
    return found[-1]


def deb_version(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True,
                          text=True, check=True).stdout.strip()


def copyright_stanzas(text: str) -> list[tuple[list[str], str]]:
    """(file patterns, licence) of each `Files:` stanza of a machine-readable debian/copyright."""
    stanzas = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line[:1].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
        if "Files" in fields and "License" in fields:
            stanzas.append((fields["Files"].split(), fields["License"].split("\n")[0].strip()))
    return stanzas


def licence_for(installed: str, stanzas: list[tuple[list[str], str]]) -> str:
    """The licence of the last stanza whose pattern matches the end of the installed path.

    debian/copyright names source paths (data/music/*) that the package installs elsewhere
    (/usr/share/games/x/music/...), so a pattern also matches with leading folders dropped,
    as long as a folder and a file name remain.
    """
    licence = "unknown (see the package's copyright file)"
    for patterns, stanza_licence in stanzas:
        if any(pattern == "*" or any(fnmatch.fnmatch(installed, f"*/{tail}") for tail in _tails(pattern))
               for pattern in patterns):
            licence = stanza_licence
    return licence


def _tails(pattern: str) -> list[str]:
    parts = pattern.split("/")
    return ["/".join(parts[start:]) for start in range(max(1, len(parts) - 1))]


def music_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*")
                  if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file()
                  and any(part.lower() == "music" for part in path.relative_to(root).parts[:-1]))


def track_name(path: Path, root: Path) -> str:
    """A flat, readable file name: the folders below `music/` joined by `--`."""
    parts = path.relative_to(root).parts
    below = parts[max(i for i, part in enumerate(parts[:-1]) if part.lower() == "music") + 1:]
    return "--".join(below).replace(" ", "_")


def unpack_package(package: str, deb: Path, out: Path, seen: set[str]) -> list[Track]:
    split = "heldout" if package in HELDOUT_PACKAGES else "train"
    version = deb_version(deb)
    tracks = []
    with tempfile.TemporaryDirectory(prefix=f"davis-{package}-") as folder:
        root = Path(folder)
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        copyright_file = root / "usr/share/doc" / package / "copyright"
        stanzas = (copyright_stanzas(copyright_file.read_text(errors="replace"))
                   if copyright_file.exists() else [])
        for path in music_files(root):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            try:
                info = sf.info(io.BytesIO(data))
            except Exception:
                continue  # not decodable by libsndfile: not one of ours
            duration = info.frames / info.samplerate
            if duration < MIN_SECONDS or digest in seen:
                continue
            seen.add(digest)
            installed = "/" + str(path.relative_to(root))
            target = Path(split) / package / track_name(path, root)
            destination = out / target
            if not destination.exists() or destination.stat().st_size != len(data):
                destination.parent.mkdir(parents=True, exist_ok=True)
                temporary = destination.with_name(f".{destination.name}.tmp")
                temporary.write_bytes(data)
                temporary.replace(destination)
            tracks.append(Track(str(target), package, version, installed,
                                licence_for(installed, stanzas), round(duration, 2),
                                info.samplerate, info.channels, split, digest))
    return tracks


def write_manifest(out: Path, tracks: list[Track]) -> None:
    rows = [asdict(track) for track in tracks]
    (out / "manifest.json").write_text(json.dumps(rows, indent=1) + "\n")
    with open(out / "manifest.csv", "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/recordings"),
                        help="corpus folder (default: data/recordings)")
    parser.add_argument("--debs", type=Path, default=Path("data/debs"),
                        help="where downloaded .deb files are kept (default: data/debs)")
    args = parser.parse_args(argv)
    for tool in ("apt-get", "dpkg", "dpkg-deb"):
        if shutil.which(tool) is None:
            console.print(f"[red]error:[/] {tool} not found: this script needs Debian's apt and dpkg")
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    tracks: list[Track] = []
    seen: set[str] = set()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("packages", total=len(PACKAGES))
        for package in PACKAGES:
            progress.update(task, description=f"{package}: download")
            try:
                deb = download(package, args.debs)
            except RuntimeError as error:
                console.print(f"[red]error:[/] {error}")
                return 2
            progress.update(task, description=f"{package}: unpack")
            tracks += unpack_package(package, deb, args.out, seen)
            progress.advance(task)
    write_manifest(args.out, tracks)
    for split in ("train", "heldout"):
        chosen = [t for t in tracks if t.split == split]
        minutes = sum(t.duration_s for t in chosen) / 60
        packages = sorted({t.package for t in chosen})
        console.print(f"{split}: {len(chosen)} tracks, {minutes:.0f} min from {', '.join(packages)}")
    console.print(f"manifest: {args.out / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
