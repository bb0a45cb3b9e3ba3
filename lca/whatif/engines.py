"""Engines for long sweeps and Monte Carlo runs: partitions of the scenario space computed
in this process (``engine="pandas"``) or as Dask tasks (``engine="dask"``), on Dask's
local scheduler or on a ``distributed`` cluster (``scheduler="tcp://host:8786"``).

A partition is a range of rows ``[start, stop)`` of the scenario space. Each task gets a
small picklable recipe (the parsed Bom, the axes or the draws' distributions) and
rebuilds the compiled model on its worker once (cached per run token), because compiled
terms are closures that do not pickle. A partition's rows depend only on its range (and,
for Monte Carlo, on the partition's seed), never on where it ran, so both engines give
identical rows (Dask, "Scheduling",
https://docs.dask.org/en/stable/scheduling.html; distributed, "Futures",
https://distributed.dask.org/en/stable/client.html).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import ParameterError

#: The engines every long run accepts.
ENGINES = ("pandas", "dask")

#: Recipes' rebuilt engines per worker process, keyed by run token (a few at most).
_BUILT: dict[str, Any] = {}
_BUILT_MAX = 4


def check_engine(engine: str, scheduler: str | None) -> None:
    """ParameterError for an unknown engine or a scheduler without ``engine="dask"``."""
    if engine not in ENGINES:
        raise ParameterError(f"engine: expected 'pandas' or 'dask', got {engine!r}",
                             parameter="engine", value=engine)
    if scheduler is not None and engine != "dask":
        raise ParameterError("scheduler: only with engine='dask'", parameter="scheduler",
                             value=scheduler)
    if engine == "dask":
        try:
            import dask  # noqa: F401
        except ImportError:
            from .common import MissingDependencyError

            raise MissingDependencyError('engine="dask" needs Dask: pip install "lca[scale]"') \
                from None


def built(token: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per run token in this process (a worker rebuilds a run's compiled
    model once, not once per partition)."""
    if token not in _BUILT:
        while len(_BUILT) >= _BUILT_MAX:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[token] = build()
    return _BUILT[token]


def ranges(n: int, size: int) -> list[tuple[int, int]]:
    """Row ranges [start, stop) of at most ``size`` rows covering ``n`` rows."""
    size = max(1, int(size))
    return [(a, min(n, a + size)) for a in range(0, n, size)] or [(0, 0)]


def run_ordered(func: Callable[..., Any], calls: Sequence[tuple], engine: str,
                scheduler: str | None, window: int = 4) -> Iterator[Any]:
    """``func(*args)`` for each ``args`` of ``calls``, yielded in order.

    pandas: one call at a time in this process. dask: at most ``window`` calls in flight
    (memory stays bounded by a few partitions when the results are streamed to a file),
    on the ``distributed`` scheduler at ``scheduler`` or on Dask's default scheduler."""
    if engine == "pandas":
        for args in calls:
            yield func(*args)
        return
    if scheduler is not None:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            window = max(window, 2 * max(1, len(client.scheduler_info().get("workers", {}))))
            pending: list[Any] = []
            todo = iter(calls)
            for args in todo:
                pending.append(client.submit(func, *args, pure=False))
                if len(pending) >= window:
                    break
            while pending:
                future = pending.pop(0)
                result = future.result()
                del future
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append(client.submit(func, *nxt, pure=False))
                yield result
        return
    import dask

    calls = list(calls)
    for a in range(0, len(calls), window):
        tasks = [dask.delayed(func, pure=False)(*args) for args in calls[a:a + window]]
        yield from dask.compute(*tasks)


def check_dataset_target(path: Path, marker: str, force: bool = False) -> Path:
    """Raise unless ``path`` may become a folder of Parquet files: a symbolic link, a
    device, a FIFO or a socket is never replaced (:class:`lca.errors.OutputError`); a
    folder only when lca wrote it (it holds ``marker``), never a folder lca did not
    write, even with ``force`` (its files are the user's); a regular file only with
    ``force`` (:class:`lca.errors.OverwriteError`)."""
    import stat

    from ..errors import OutputError, OverwriteError
    from ..io import existing_mode

    path = Path(path)
    mode = existing_mode(path, lambda: "another folder")
    if mode is None:
        return path
    if stat.S_ISDIR(mode):
        if not (path / marker).is_file():
            raise OverwriteError(f"{path}: is a folder lca did not write; remove it or "
                                 "choose another name (--force never replaces a folder)")
        return path
    if not stat.S_ISREG(mode):
        raise OutputError(f"{path}: is not a regular file or folder; lca writes a folder "
                          "of Parquet files there only in place of one it wrote")
    if not force:
        raise OverwriteError(f"{path}: exists and is a file, not a folder lca wrote; use "
                             "--force (force=True) to replace it")
    return path


def write_dataset(path: Path, fill: Callable[[Path], Iterable[Any]], marker: str, *,
                  force: bool = False) -> Path:
    """A folder of Parquet files written by ``fill(tmp_folder)`` into a temporary folder
    beside ``path`` (``.NAME.lca-HOST-PID-XXXX.tmp``, removed by the next write when a
    killed process left it) and moved into place; what may be replaced follows
    :func:`check_dataset_target`. ``fill`` is consumed fully before the move; an
    operating-system error (a full disk) is an :class:`lca.errors.OutputError`."""
    import os
    import shutil

    from ..io import no_interrupts, temporary_beside

    path = check_dataset_target(Path(path), marker, force)
    with temporary_beside(path, folder=True) as tmp:
        for _ in fill(tmp):
            pass
        (tmp / marker).write_text("written by lca\n", encoding="utf-8")
        old = None
        try:
            if os.path.lexists(path):  # set aside under a temporary name, until the move
                head, lca_tag, tail = tmp.name.rpartition(".lca-")
                old = tmp.with_name(f"{head}.old{lca_tag}{tail}")
                os.replace(path, old)
            os.replace(tmp, path)
        except BaseException:
            if old is not None and os.path.lexists(old) and not os.path.lexists(path):
                with no_interrupts():
                    os.replace(old, path)
            raise
    if old is not None:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return path


def part_name(i: int) -> str:
    """File name of partition ``i`` in a dataset folder (sorts in row order)."""
    return f"part-{i:06d}.parquet"


__all__ = ["ENGINES", "check_engine", "built", "ranges", "run_ordered", "write_dataset",
           "check_dataset_target",
           "part_name"]
