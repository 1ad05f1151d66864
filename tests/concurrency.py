"""Running one function in several threads at the same moment, each on its own database connection: the
races only a real multi-writer database shows (the tests that use it are marked ``postgres``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def at_once(n: int, target: Callable[[], T], *, timeout: float = 60) -> list[T]:
    """``target()`` in ``n`` threads released together; their answers in thread order. An exception in any
    thread is raised here (the first one), after every thread has ended."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = target()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
