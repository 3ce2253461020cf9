"""Tests that need a process of their own, run in one child pytest and reported here.

The window tests make GLX contexts. With Mesa, once a process has used EGL (every other GL
test does, through `visualizer.gl`), making a GLX context current fails with BadAccess and
the X error ends the process. A module marked

    pytestmark = pytest.mark.own_process

is therefore collected as stand-ins: the first one to run starts one child pytest for all the
selected ones, and each stand-in reports its test's outcome (pass, skip, or failure with its
traceback and output) under the test's own name. A test the child never finished (it
crashed) fails with the child's exit code and the end of its output. `python3 -m pytest`
thus runs and reports everything; `-k`, `-m` and node ids select as usual.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

MARKER = "own_process"
CHILD = "DAVIS_TEST_CHILD"            # set in the child: run the tests for real
RESULTS = "DAVIS_TEST_CHILD_RESULTS"  # the child appends one JSON line per test phase there
CHILD_TIMEOUT_S = 1200
_state = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: run in a pytest process of its own "
                                       "(tests/own_process.py)")
    config.stash[_state] = {"nodeids": [], "results": None, "folder": None}


@pytest.hookimpl(trylast=True)  # after -k / -m deselection: the child runs what is selected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(CHILD):
        return
    for index, item in enumerate(items):
        if item.get_closest_marker(MARKER) is not None:
            items[index] = ChildTest.from_parent(item.parent, name=item.name,
                                                 location=item.location)
            config.stash[_state]["nodeids"].append(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the child: record each phase's outcome for the parent."""
    path = os.environ.get(RESULTS)
    if not path or not os.environ.get(CHILD):
        return
    reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ""
    line = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
            "text": report.longreprtext if report.failed else "",
            "reason": reason.removeprefix("Skipped: "),
            "sections": report.sections if report.failed else []}
    with open(path, "a", encoding="utf-8") as results:
        results.write(json.dumps(line) + "\n")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_state, {}).get("folder")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class ChildFailed(Exception):
    """The test failed in the child; the text is its report."""


class ChildTest(pytest.Item):
    """Stands in for a test that runs in the child process."""

    def __init__(self, *, location: tuple[str, int | None, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self._location = location

    def reportinfo(self):
        return self.path, self._location[1], self._location[2]

    def runtest(self) -> None:
        outcome, detail = _child_results(self.config).get(self.nodeid, (None, None))
        if outcome == "skipped":
            pytest.skip(detail)
        if outcome != "passed":
            raise ChildFailed(detail)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ChildFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


def _child_results(config: pytest.Config) -> dict[str, tuple[str, str]]:
    """nodeid -> (outcome, failure text or skip reason), running the child on first use."""
    state = config.stash[_state]
    if state["results"] is None:
        state["folder"] = Path(tempfile.mkdtemp(prefix="davis-own-process-"))
        state["results"] = _run_child(config, state["nodeids"], state["folder"])
    return state["results"]


def _run_child(config: pytest.Config, nodeids: list[str], folder: Path) -> dict:
    results_path = folder / "results.jsonl"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
               "addopts=", "--basetemp", str(folder / "tmp"), *nodeids]
    env = {**os.environ, CHILD: "1", RESULTS: str(results_path)}
    try:
        child = subprocess.run(command, cwd=config.rootpath, env=env, capture_output=True,
                               text=True, timeout=CHILD_TIMEOUT_S)
        code, output = child.returncode, child.stdout + child.stderr
    except subprocess.TimeoutExpired as timeout:
        code, output = "timeout", f"{timeout.stdout or ''}{timeout.stderr or ''}"
    phases: dict[str, list[dict]] = {}
    if results_path.exists():
        for line in results_path.read_text(encoding="utf-8").splitlines():
            phase = json.loads(line)
            phases.setdefault(phase["nodeid"], []).append(phase)
    unfinished = (f"the child pytest ended (exit code {code}) before this test finished; "
                  f"the end of its output:\n{output[-4000:]}")
    return {nodeid: _outcome(phases.get(nodeid, []), unfinished) for nodeid in nodeids}


def _outcome(phases: list[dict], unfinished: str) -> tuple[str, str]:
    failed = [phase for phase in phases if phase["outcome"] == "failed"]
    if failed:
        text = "\n\n".join(f"[{phase['when']}] {phase['text']}" for phase in failed)
        for title, content in failed[-1]["sections"]:
            text += f"\n\n{'-' * 20} {title} {'-' * 20}\n{content}"
        return "failed", text
    skipped = next((phase for phase in phases if phase["outcome"] == "skipped"), None)
    if skipped is not None:
        return "skipped", skipped["reason"]
    if not any(phase["when"] == "teardown" for phase in phases):
        return "failed", unfinished
    return "passed", ""
