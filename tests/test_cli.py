"""The `davis` command as a user runs it: help, version, and start-up cost (no torch where
none is needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest


def davis(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "visualizer", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env={**os.environ})


def test_help_lists_the_commands():
    result = davis("--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert "encode" in result.stdout and "train" in result.stdout
    assert "Deep audio visualizer" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_no_arguments_shows_help():
    result = davis()
    assert "encode" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("command, options", [
    ("encode", ("--model", "--device", "--out", "--format", "--force")),
    ("train", ("--output", "--arch", "--epochs", "--frames-per-song", "--seed", "--force")),
])
def test_command_help_explains_the_options(command, options):
    result = davis(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: python -m visualizer {command} [OPTIONS]" in result.stdout
    for option in options:
        assert option in result.stdout, option
    summary = {"encode": "Compute the learned features", "train": "Train a feature-learning"}
    assert summary[command] in result.stdout


@pytest.mark.parametrize("command", [("live",), ("play",), ("animations",), ("scenes", "check"),
                                     ("presets", "list")])
def test_help_paragraphs_flow_to_the_terminal_width(command):
    """Each paragraph of a command's description is wrapped to the terminal, not to the
    docstring's source lines: on a wide terminal a paragraph is one line, and on an
    80-column one no word is left alone on a line."""
    import inspect

    from rich.text import Text

    from visualizer.cli import app
    import typer.main

    click_command = typer.main.get_command(app)
    for name in command:
        click_command = click_command.commands[name]
    paragraphs = [" ".join(Text.from_markup(paragraph).plain.split())
                  for paragraph in inspect.cleandoc(click_command.help).split("\n\n")]
    wide = subprocess.run([sys.executable, "-m", "visualizer", *command, "--help"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "400"})
    lines = [" ".join(line.split()) for line in wide.stdout.splitlines()]
    for paragraph in paragraphs:
        assert paragraph in lines, (paragraph, wide.stdout)
    narrow = subprocess.run([sys.executable, "-m", "visualizer", *command, "--help"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "80"})
    description = narrow.stdout.split("╭")[0].splitlines()[2:]
    assert not [line for line in description if len(line.split()) == 1], narrow.stdout


def test_command_list_gives_each_summary_on_one_line_of_a_wide_terminal():
    listing = subprocess.run([sys.executable, "-m", "visualizer", "--help"], capture_output=True,
                             text=True, timeout=120, env={**os.environ, "COLUMNS": "400"})
    lines = [" ".join(line.split()) for line in listing.stdout.splitlines()]
    for summary in ("live Visualize what the computer is playing, or a microphone, with the "
                    "learned features computed as the sound comes in",
                    "animations List the animations and scenes with their description and "
                    "parameters (scenes: the shipped ones"):
        assert any(summary in line for line in lines), (summary, listing.stdout)


def test_version():
    result = davis("--version")
    assert result.returncode == 0, result.stderr
    from visualizer import DISTRIBUTION

    assert result.stdout.strip() == f"davis {version(DISTRIBUTION)}"


def test_help_does_not_import_torch(python):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from visualizer.cli import app\n"
        "runner = CliRunner()\n"
        "for args in (['--help'], ['encode', '--help'], ['train', '--help'], ['--version']):\n"
        "    assert runner.invoke(app, args).exit_code == 0, args\n"
        "print('torch' in sys.modules)\n"
    )
    result = python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_cached_encode_does_not_import_torch(cli, songs, tiny_model, python):
    song = songs.chord("cached.wav", seconds=3.0)
    first = cli("encode", song, "--model", tiny_model)
    assert first.exit_code == 0, first.output
    code = (
        "import sys, traceback\n"
        "from importlib.abc import MetaPathFinder\n"
        "class Spy(MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' and not hasattr(self, 'stack'):\n"
        "            self.stack = [f'{f.filename}:{f.lineno}' for f in traceback.extract_stack()\n"
        "                          if '/encoder/' in f.filename or '/visualizer/' in f.filename]\n"
        "spy = Spy()\n"
        "sys.meta_path.insert(0, spy)\n"
        "from typer.testing import CliRunner\n"
        "from visualizer.cli import app\n"
        f"result = CliRunner().invoke(app, ['encode', {str(song)!r}, '--model', {str(tiny_model)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert '(cached)' in result.stdout, result.stdout\n"
        "print('torch' in sys.modules)\n"
        "print(' -> '.join(getattr(spy, 'stack', [])))\n"
    )
    result = python(code)
    assert result.returncode == 0, result.stderr
    imported, _, chain = result.stdout.strip().partition("\n")
    assert imported == "False", f"a cached encode imported torch via {chain}"


def test_real_process_reports_a_bad_song_on_one_line(songs, tiny_model, rng, tmp_path):
    # Native decoders (mpg123) must not add their own chatter to stderr.
    (tmp_path / "noise.mp3").write_bytes(rng.bytes(50_000))
    result = davis("encode", "noise.mp3", "--model", str(tiny_model), cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and "Encoding" not in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: noise.mp3: cannot decode audio")
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["matplotlib", "librosa"])
def test_train_without_the_train_extra_says_what_to_install(cli, songs, tmp_path, helpers,
                                                            monkeypatch, missing):
    import importlib.util

    from visualizer import DISTRIBUTION

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == missing else find_spec(name, *args))
    output = tmp_path / "model.safetensors"
    result = cli("train", songs.chord(), "--output", output)
    helpers.assert_clean_failure(result, missing, f"pip install '{DISTRIBUTION}[train]'")
    assert not output.exists()
