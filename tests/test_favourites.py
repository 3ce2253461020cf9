"""Favourites and ratings in preset files: older files still read, unknown keys survive a
rewrite, a shipped preset marked as a favourite gets a user copy in its place, writes are
atomic, and `davis presets list` shows the stars."""

from __future__ import annotations

import json

import pytest

from visualizer.presets import (PresetError, favourite_presets, find_preset, list_presets,
                                read_preset, update_preset)


@pytest.fixture
def user_presets(tmp_path, monkeypatch):
    monkeypatch.setenv("DAVIS_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "presets"
    folder.mkdir(parents=True)
    return folder


OLD_FILE = {"name": "old-look", "animation": "tunnel", "mapping": {}, "overrides": {},
            "created": "2026-11-20T10:00:00+0000", "davis_version": "0.1.0"}


def test_a_preset_file_without_the_new_keys_reads_as_not_a_favourite(user_presets):
    (user_presets / "old-look.json").write_text(json.dumps(OLD_FILE))
    preset = find_preset("old-look")
    assert not preset.favourite and preset.rating is None and preset.weight == 3
    assert favourite_presets() == []


def test_marking_keeps_every_key_and_leaves_no_temporary_file(user_presets):
    path = user_presets / "old-look.json"
    path.write_text(json.dumps({**OLD_FILE, "colour_grade": {"warmth": 0.4}, "tags": ["calm"]}))
    update_preset(find_preset("old-look"), favourite=True, rating=4)
    data = json.loads(path.read_text())
    assert data["favourite"] is True and data["rating"] == 4
    assert data["colour_grade"] == {"warmth": 0.4} and data["tags"] == ["calm"]
    assert {key: data[key] for key in OLD_FILE} == OLD_FILE
    assert sorted(p.name for p in user_presets.iterdir()) == ["old-look.json"]
    assert [p.name for p in favourite_presets()] == ["old-look"]

    update_preset(read_preset(path), favourite=False)
    again = read_preset(path)
    assert not again.favourite and again.rating == 4  # the stars are kept for next time


def test_a_shipped_favourite_is_a_user_copy_in_the_shipped_ones_place(user_presets, cli):
    before = [p.name for p in list_presets()]
    marked = update_preset(find_preset("kaleidoscope-prism"), favourite=True, rating=5)
    assert marked.path == user_presets / "kaleidoscope-prism.json" and not marked.shipped
    after = list_presets()
    assert [p.name for p in after] == before  # same names, same numbers (keys 1-9)
    prism = after[before.index("kaleidoscope-prism")]
    assert prism.favourite and prism.rating == 5 and not prism.shipped

    listing = cli("presets", "list")
    assert listing.exit_code == 0
    line = next(row for row in listing.stdout.splitlines() if "kaleidoscope-prism" in row)
    assert "★★★★★" in line and "user" in line
    calm = next(row for row in listing.stdout.splitlines() if "kaleidoscope-calm" in row)
    assert "★" not in calm

    removed = cli("presets", "rm", "kaleidoscope-prism")  # back to the shipped look
    assert removed.exit_code == 0
    restored = find_preset("kaleidoscope-prism")
    assert restored.shipped and not restored.favourite


@pytest.mark.parametrize("rating", [0, 6, 2.5, 4.0, True, "five"])
def test_a_bad_rating_is_a_clear_error(user_presets, rating):
    path = user_presets / "odd.json"
    path.write_text(json.dumps({**OLD_FILE, "name": "odd", "rating": rating}))
    with pytest.raises(PresetError, match="'rating' must be a whole number from 1 to 5"):
        read_preset(path)
    with pytest.raises(PresetError, match="a rating is 1 to 5 stars"):
        update_preset(find_preset("kaleidoscope-calm"), rating=7)
