"""Many songs on every core: worker processes each decode, analyse and encode whole songs
with the numpy engine, and the parent hands the results back in the songs' order.

Each worker loads the one model file itself (266 k weights: a few milliseconds), and runs
its spectrogram on one thread, so two songs in flight use two cores fully where one song
alone leaves the decoder's core idle half the time. At most `2 * workers` songs are taken
ahead of the one handed back next, so memory stays flat whatever the size of the library.
Workers ignore Ctrl-C: the parent stops them, and since every cache entry is written
atomically by the parent, an interrupted run leaves only complete entries.

The workers are plain processes, one pipe each, rather than a `multiprocessing.Pool`: a
Pool never hands back the result of a task whose worker died (the caller waits forever),
and it restarts workers whose start fails without end. Here the parent waits on every
worker's pipe and process at once: a worker that dies is replaced, and its song is given
to the new one; a song that takes a second worker down with it is an error that says why.
The other songs go on either way.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import wait
from pathlib import Path

from encoder.errors import AudioError, DavisError

IN_FLIGHT_PER_WORKER = 2
STOP_POLL_S = 0.05
EXIT_WAIT_S = 1.0  # for a stopped worker to end before it is killed
ATTEMPTS = 2  # workers a song may take down (killed, out of memory) before it is an error
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_WORKER = None  # the worker process's FeatureEncoder


def worker_count(jobs: int | None, songs: int) -> int:
    """Processes for `songs` songs: `jobs`, else one per core, never more than songs."""
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, songs))


def _start_worker(model_path: str, low_priority: bool) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if low_priority:
        _lowest_priority()
    import encoder.spectral as spectral

    spectral.THREADS = 1  # the other cores run the other workers
    from encoder.inference import FeatureEncoder

    _WORKER = FeatureEncoder(Path(model_path), "cpu", engine="numpy")


def _lowest_priority() -> None:
    """Run only when a core would otherwise idle: Linux's SCHED_IDLE (any normal thread that
    wakes up preempts it at once; nice 19 alone still took time slices from the player's
    frames), else the highest niceness."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)


def _encode_in_worker(path: str):
    """("ok", levels, fps, title) or ("error", message, path): a DavisError does not survive
    pickling with its path, so it travels as its parts."""
    try:
        features = _WORKER.encode_file(Path(path))
    except DavisError as error:
        return ("error", error.message, str(error.path) if error.path else None)
    except MemoryError:
        return ("error", "not enough memory to encode it", path)
    except Exception as error:  # noqa: BLE001 - a bug fails this song, not the library
        return ("error", f"encoding failed in a worker ({type(error).__name__}: {error})", path)
    return ("ok", features.levels, features.fps, features.title)


def _serve(connection, model_path: str, low_priority: bool) -> None:
    """A worker process: a path in, its outcome out, one at a time, until the pipe closes."""
    _start_worker(model_path, low_priority)
    while True:
        try:
            path = connection.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        connection.send(_encode_in_worker(path))


@contextmanager
def _one_blas_thread():
    """Workers start with one BLAS thread each (read when numpy loads, so set in the
    environment they inherit): OpenBLAS threads of several processes spinning on the same
    cores made two workers slower than one process."""
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Worker:
    """One worker process and its end of the pipe; `task` is the index of the song it has."""

    def __init__(self, context, model_path: Path, low_priority: bool) -> None:
        self.connection, theirs = context.Pipe()
        with _one_blas_thread():
            self.process = context.Process(
                target=_serve, args=(theirs, str(model_path), low_priority),
                name="davis-encode", daemon=True)
            self.process.start()
        theirs.close()
        self.task: int | None = None

    def give(self, index: int, path: Path) -> bool:
        """Hand it song `index`; False if it has died."""
        try:
            self.connection.send(str(path))
        except OSError:
            return False
        self.task = index
        return True

    def answer(self):
        """The outcome of its song if it has come, None if it died without one."""
        try:
            if self.connection.poll():
                return self.connection.recv()
        except (EOFError, OSError):
            pass
        return None

    def death(self) -> str:
        self.process.join(EXIT_WAIT_S)
        code = self.process.exitcode
        if code is not None and code < 0:
            return f"its worker was killed by signal {-code}"
        return f"its worker stopped (exit code {code})"

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.connection.close()
        if self.process.is_alive():
            self.process.terminate()  # a song in progress is dropped


def encode_in_parallel(paths: Iterable[Path], model_path: Path, workers: int, *,
                       low_priority: bool = False,
                       stopped: Callable[[], bool] | None = None,
                       attempts: int = ATTEMPTS) -> Iterator:
    """Yield (path, Features or DavisError) for each path, in order.

    `paths` is read only as workers free up (at most `2 * workers` ahead), so a lazy
    iterable can still leave out songs it no longer wants. `low_priority` workers run only
    on cores nothing else wants (for preparing songs while the player draws).
    `stopped`, asked every `STOP_POLL_S` while a song is awaited, ends the run early (the
    songs in flight are dropped and the workers stopped). A song whose worker dies is given
    to a new worker, up to `attempts` times in all, then it is an error that says why.
    """
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    crew = [_Worker(context, model_path, low_priority) for _ in range(workers)]
    queued = iter(paths)
    taken: list[Path] = []  # every song handed out so far, by index
    results: dict[int, object] = {}  # finished, waiting for their turn
    again: deque[int] = deque()  # songs whose worker died with them
    tries: dict[int, int] = {}
    handed_back = 0
    exhausted = False

    def lost(slot: int, index: int) -> None:
        """The worker in `slot` died with song `index`: replace it; try the song again."""
        why = crew[slot].death()
        crew[slot].stop()
        crew[slot] = _Worker(context, model_path, low_priority)
        tries[index] = tries.get(index, 0) + 1
        if tries[index] < attempts:
            again.append(index)
        else:
            results[index] = AudioError(f"encoding failed: {why}", taken[index])

    try:
        while True:
            for slot, worker in enumerate(crew):
                if worker.task is not None:
                    continue
                if again:
                    index = again.popleft()
                elif exhausted or len(taken) - handed_back >= IN_FLIGHT_PER_WORKER * workers:
                    break
                else:
                    path = next(queued, None)
                    if path is None:
                        exhausted = True
                        break
                    taken.append(path)
                    index = len(taken) - 1
                if not worker.give(index, taken[index]):
                    lost(slot, index)
            if handed_back in results:
                yield taken[handed_back], results.pop(handed_back)
                handed_back += 1
                continue
            if exhausted and handed_back == len(taken):
                return
            if stopped is not None and stopped():
                return
            busy = [slot for slot, worker in enumerate(crew) if worker.task is not None]
            if not busy:  # a song to try again, and a new worker for it
                continue
            ends = {end: slot for slot in busy
                    for end in (crew[slot].connection, crew[slot].process.sentinel)}
            ready = {ends[end] for end in wait(list(ends),
                                               STOP_POLL_S if stopped is not None else None)}
            for slot in sorted(ready):
                worker = crew[slot]
                index, answer = worker.task, worker.answer()
                worker.task = None
                if answer is not None:
                    results[index] = _outcome(answer)
                else:
                    lost(slot, index)
    finally:
        for worker in crew:
            worker.stop()
        for worker in crew:
            worker.process.join(EXIT_WAIT_S)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _outcome(answer):
    """Features or an AudioError from what `_encode_in_worker` sent."""
    from encoder.features import Features

    if answer[0] == "ok":
        _, levels, fps, title = answer
        return Features(levels=levels, fps=fps, title=title)
    _, message, where = answer
    return AudioError(message, where)
