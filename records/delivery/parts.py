"""Rendering the PDF parts side by side in worker processes.

A WeasyPrint layout is pure Python and takes one core; the parts are independent, so a pool of
processes renders them in parallel while the main process reads the items and writes the CSV
and the JSON. At most one part per worker is waiting or being rendered, so memory stays flat
whatever the number of items. The workers are started with ``spawn`` (nothing of the web or
worker process that calls is inherited: no database connection, no thread's lock), and a process
that may not have children (a daemonic one) renders its parts itself.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from records.handover import DeliveredItem

from .pdf import Cover, Part, write_items_part

# Two workers use both cores of the machine it was measured on; each holds one part's layout.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def _start_worker() -> None:
    import django

    django.setup()


class PartRenderer:
    """``render()`` each part, then ``close()``; both raise what a rendering raised."""

    def __init__(self, cover: Cover, workers: int):
        self._cover = cover
        self._pending: deque[Future] = deque()
        self._pool = None
        if workers > 1 and not multiprocessing.current_process().daemon:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        self._workers = workers

    def render(self, part: Part, items: Sequence[DeliveredItem], target: Path) -> None:
        if self._pool is None:
            write_items_part(self._cover, part, items, target)
            return
        while len(self._pending) >= self._workers:
            self._pending.popleft().result()
        self._pending.append(
            self._pool.submit(write_items_part, self._cover, part, list(items), target)
        )

    def close(self) -> None:
        if self._pool is None:
            return
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PartRenderer:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        elif self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
