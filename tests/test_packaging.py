"""Packaging: the distribution's name, the `train` extra kept optional, what the wheel holds."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from encoder import DISTRIBUTION

ROOT = Path(__file__).resolve().parent.parent
TRAIN_ONLY = ("librosa", "matplotlib")


def test_distribution_name_is_the_one_in_pyproject_and_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION != "davis"  # "davis" is someone else's on PyPI
    assert version(DISTRIBUTION) == project["version"]
    import visualizer

    assert visualizer.DISTRIBUTION == DISTRIBUTION


def test_the_command_is_still_davis(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"davis {version(DISTRIBUTION)}"


@pytest.mark.parametrize("missing", [TRAIN_ONLY, ("librosa",), ("matplotlib",)],
                         ids=["both", "librosa", "matplotlib"])
def test_train_without_the_train_extra_fails_in_one_line(cli, songs, tmp_path, helpers,
                                                         monkeypatch, missing):
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)  # what an uninstalled package looks like
    output = tmp_path / "model.safetensors"
    result = cli("train", songs.chord(), "--output", output)
    line = helpers.assert_clean_failure(result, *missing,
                                        f"pip install '{DISTRIBUTION}[train]'")
    assert line.startswith("error: davis train needs ")
    assert not output.exists()


def test_encoding_and_playing_code_does_not_import_the_train_extra(songs, tiny_model, tmp_path):
    """A fresh interpreter in which librosa and matplotlib cannot be imported encodes a song
    and imports everything play and render run."""
    code = f"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {TRAIN_ONLY!r}:
            raise ImportError("blocked " + name)

sys.meta_path.insert(0, Block())
import visualizer.commands.play, visualizer.commands.render, visualizer.commands.encode
import visualizer.session, visualizer.player, visualizer.window, visualizer.frontend
import visualizer.terminal, visualizer.video.render, visualizer.renderer, visualizer.animations
from visualizer.cli import app
try:
    app(["encode", {str(songs.chord())!r}, "--model", {str(tiny_model)!r}, "--device", "cpu"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {TRAIN_ONLY!r})
assert not loaded, loaded
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_wheel_holds_data_but_not_the_loss_curve(tmp_path):
    """Built the way `pip install .` builds it (about 7 s; skipped when hatchling cannot be
    fetched for the isolated build)."""
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                             "-q", "-w", str(tmp_path)], capture_output=True, text=True,
                            timeout=180)
    if result.returncode != 0 and "hatchling" in result.stdout + result.stderr:
        pytest.skip(f"cannot build the wheel here: {result.stderr.strip()[-200:]}")
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [name for name in names if name.endswith(".loss.png")]
    assert "encoder/models/default.safetensors" in names
    assert "encoder/models/default.json" in names
    assert "encoder/assets/demo.ogg" in names
    assert "visualizer/_data/shaders/common/fullscreen.glsl" in names
    assert any(name.startswith("visualizer/_data/presets/") and name.endswith(".json")
               for name in names)
    for animation in ("particles", "lights", "kaleidoscope", "tunnel", "field"):
        assert f"visualizer/_data/shaders/{animation}/parameters.toml" in names
    # `davis scenes new` writes from these; the shipped scenes come along
    assert {"visualizer/_data/shaders/templates/scene.glsl",
            "visualizer/_data/shaders/templates/scene.toml"} <= set(names)
    assert len([name for name in names if name.startswith("visualizer/_data/shaders/scenes/")
                and name.endswith("/scene.glsl")]) >= 3
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "scripts/",
                                                            "data/", "docs/"))]
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "davis = visualizer.cli:app" in zipfile.ZipFile(wheel).read(entry_points).decode()
