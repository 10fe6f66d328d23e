"""Worker processes of a batch, and how signals stop them without leaving anything behind.

* Ctrl-C (SIGINT) or SIGTERM to the command, once: no new image starts, the images in flight
  finish, the command exits 130.
* A second one: the workers are killed at once, the temporary files and the incomplete sets of
  the images in flight are removed, the command exits 130.
* The command killed outright (SIGKILL): each worker notices within a second that its parent is
  gone, stops the image it is on (removing its partial files) and exits; the next run removes
  any temporary file left (:func:`wavesegment.files.remove_stale_temporaries`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Set to 1 in each worker process unless the user set any: a worker does one image at a time,
# and more BLAS or OpenMP threads per worker would only compete for the cores.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Seconds a worker whose parent died has to stop its image before it exits regardless.
ORPHAN_GRACE_SECONDS = 10.0
#: Seconds to wait for a Dask scheduler's reply before giving up, connection and handshake
#: (distributed's own timeouts, which must be at least 11 s, and a guard around them).
SCHEDULER_TIMEOUT_SECONDS = 15


def cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Stop:
    """Counts the stop signals (SIGINT, SIGTERM) received while a batch runs."""

    def __init__(self) -> None:
        self.count = 0
        self.on_second = lambda: None  # kills the workers: set once they exist
        self.deferring = False
        self.deferred = False

    def received(self) -> None:
        """Act on a stop signal: raise KeyboardInterrupt, unless deferred."""
        self.count += 1
        if self.count > 1:
            self.on_second()
        if self.deferring:
            self.deferred = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def deferring_signals(self) -> Iterator[None]:
        """Hold a stop signal until the block ends: starting a worker process interrupted half
        way leaves a child that dies with a traceback. Ctrl-C is also blocked meanwhile, a mask
        that the workers started in the block inherit: one that reaches the process group while
        a worker's Python starts stays pending there until the worker ignores it."""
        self.deferring, self.deferred = True, False
        blocked = _block_interrupts()
        try:
            yield
        finally:
            self.deferring = False
            if blocked:  # a Ctrl-C held meanwhile is delivered here, to the handler
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        if self.deferred:
            raise KeyboardInterrupt


def _block_interrupts() -> bool:
    """Block SIGINT in the main thread; False where that cannot be done."""
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    return True


@contextmanager
def stop_signals() -> Iterator[Stop]:
    """Within the block SIGTERM acts like Ctrl-C: the first raises KeyboardInterrupt; the second
    calls ``stop.on_second()`` first, then raises KeyboardInterrupt again.

    After a stop, both signals stay ignored when the block ends: the caller is on its way out
    (exit 130), and a further press must not kill it half way through its cleanup; a library
    caller that goes on can set its handlers again with :func:`signal.signal`. Only in the
    main thread (signal handlers can be set nowhere else); elsewhere the block runs with the
    handlers as they are.
    """
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(number, frame):
        stop.received()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_IGN if stop.count else handler)


@contextmanager
def executor(jobs: int, scheduler: str | None, stop: Stop):
    """A ``concurrent.futures`` executor: ``jobs`` spawned worker processes, or a Dask client.

    ``stop.on_second`` is set to kill the worker processes. Raises ConnectionError if the
    scheduler cannot be reached within :data:`SCHEDULER_TIMEOUT_SECONDS`.
    """
    if scheduler is not None:
        with _dask_client(scheduler) as client:
            yield client.get_executor(pure=False)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(
        jobs, mp_context=get_context("spawn"), initializer=start_worker, initargs=(os.getpid(),)
    )
    stop.on_second = lambda: kill_workers(pool)
    try:
        yield pool
    except BaseException:
        if stop.count > 1:
            kill_workers(pool)
        raise
    finally:
        if getattr(pool, "_broken", False) and not stop.count:
            # A worker died. Python 3.11's broken pool then waits for the others to exit,
            # which one blocked on a lock the dead one held never does: kill them.
            kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def kill_workers(pool) -> None:
    """SIGKILL the worker processes of a ProcessPoolExecutor (its pool breaks; shutdown returns)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public list
        try:
            process.kill()
        except (OSError, ValueError):
            pass


def worker_pids(pool) -> list[int]:
    """Process ids of a ProcessPoolExecutor's workers (none for a Dask executor)."""
    return [process.pid for process in (getattr(pool, "_processes", None) or {}).values()]


@contextmanager
def _dask_client(scheduler: str):
    import dask

    seconds = f"{SCHEDULER_TIMEOUT_SECONDS}s"
    settings = {
        "distributed.comm.timeouts.connect": seconds,
        "distributed.comm.timeouts.tcp": seconds,
    }
    outcome: dict = {}

    def connect() -> None:
        from distributed import Client

        try:
            with dask.config.set(settings):
                outcome["client"] = Client(scheduler, timeout=seconds)
        except Exception as error:
            outcome["error"] = error

    # Something that accepts the connection but never answers holds Client() far longer than
    # its timeout: wait in a thread of our own, and give up on it when the time is up.
    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(SCHEDULER_TIMEOUT_SECONDS + 5)
    if "client" not in outcome:
        error = outcome.get("error")
        why = (str(error).splitlines() or [type(error).__name__])[0] if error else "no answer"
        raise ConnectionError(
            f"cannot reach a Dask scheduler at {scheduler} within {seconds}: {why} "
            "(check the address, e.g. tcp://host:8786, and that the scheduler runs)"
        )
    with outcome["client"] as client:
        yield client


def start_worker(parent: int) -> None:
    """Runs in each worker process before its first image; ``parent`` is the batch's process."""
    # The variables hold for the BLAS and OpenMP libraries that load later in the worker
    # (numpy's, when it segments), threadpoolctl for any loaded already; the parent's
    # environment stays as it was.
    if not any(variable in os.environ for variable in _THREAD_VARIABLES):
        from threadpoolctl import threadpool_limits

        for variable in _THREAD_VARIABLES:
            os.environ[variable] = "1"
        threadpool_limits(limits=1)
    # Ctrl-C reaches the whole process group; the parent decides what the workers do. Ignoring
    # it discards one held since start-up (the worker started with it blocked).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # SIGTERM (to the group, or from the watch below) stops the image in flight; SystemExit
    # goes the way KeyboardInterrupt does, removing its partial files, and ends an idle worker
    # without a traceback.
    signal.signal(signal.SIGTERM, _exit)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from .images import quiet_decoder_warnings

    quiet_decoder_warnings()


def _exit(number, frame):
    raise SystemExit(128 + number)


def _watch_parent(parent: int) -> None:
    # A worker whose parent was killed outright is adopted by another process: stop the image
    # (SIGTERM: see start_worker), and exit for good after a grace period.
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(1)
