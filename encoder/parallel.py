"""Many songs on every core: worker processes each decode, analyse and encode whole songs
with the numpy engine, and the parent hands the results back in the songs' order.

Each worker loads the one model file itself (266 k weights: a few milliseconds), and runs
its spectrogram on one thread, so two songs in flight use two cores fully where one song
alone leaves the decoder's core idle half the time. At most `2 * workers` songs are in
flight, so memory stays flat whatever the size of the library. Workers ignore Ctrl-C: the
parent stops them, and since every cache entry is written atomically by the parent, an
interrupted run leaves only complete entries.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from encoder.errors import AudioError, DavisError

IN_FLIGHT_PER_WORKER = 2
STOP_POLL_S = 0.05
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
    return ("ok", features.levels, features.fps, features.title)


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


def encode_in_parallel(paths: Iterable[Path], model_path: Path, workers: int, *,
                       low_priority: bool = False,
                       stopped: Callable[[], bool] | None = None) -> Iterator:
    """Yield (path, Features or DavisError) for each path, in order.

    `paths` is read only as workers free up (at most `2 * workers` ahead), so a lazy
    iterable can still leave out songs it no longer wants. `low_priority` workers run only
    on cores nothing else wants (for preparing songs while the player draws).
    `stopped`, asked every `STOP_POLL_S` while a song is awaited, ends the run early (the
    songs in flight are dropped and the workers stopped).
    """
    from encoder.features import Features

    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with _one_blas_thread():
        pool = context.Pool(workers, initializer=_start_worker,
                            initargs=(str(model_path), low_priority))
    pending: deque = deque()
    queued = iter(paths)
    try:
        while True:
            while len(pending) < IN_FLIGHT_PER_WORKER * workers:
                path = next(queued, None)
                if path is None:
                    break
                pending.append((path, pool.apply_async(_encode_in_worker, (str(path),))))
            if not pending:
                break
            path, result = pending.popleft()
            while stopped is not None and not result.ready():
                if stopped():
                    return
                result.wait(STOP_POLL_S)
            try:
                outcome = result.get()
            except Exception as error:  # a worker that died (killed, out of memory)
                yield path, AudioError(f"encoding failed in a worker ({error})", path)
                continue
            if outcome[0] == "ok":
                _, levels, fps, title = outcome
                yield path, Features(levels=levels, fps=fps, title=title)
            else:
                _, message, where = outcome
                yield path, AudioError(message, where)
        pool.close()
        pool.join()
    finally:
        pool.terminate()  # after an interrupt or an error: stop what still runs
