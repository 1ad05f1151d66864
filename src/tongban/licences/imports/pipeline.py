"""The reading process: the file is read, checked and formatted in a forked child while this process writes
to the database. The child must never use the database: it shares the parent's connection (a socket, or an
SQLite handle in the middle of the load's transaction), and one statement from it would corrupt the load. A
guard in the child refuses any statement through Django's connections with :class:`ReaderUsedDatabase`."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

from django.db import connections

from tongban.licences.imports.report import ImportFileError


class ReaderUsedDatabase(RuntimeError):
    """Code run in the reading process tried to use the database."""


def _refuse(*args, **kwargs):
    raise ReaderUsedDatabase(
        "licence import: the reading process must not use the database (it shares the importer's connection)"
    )


# The parent's database connections, held by the child so that they are never finalised there: freeing a
# libpq connection sends the server a Terminate message over the socket both processes share.
_kept: list = []


def guard_the_database() -> None:
    """In the child: Django's connections neither run a statement nor open a connection; the inherited
    database handles are kept alive but out of reach (``connection.connection`` is None, so a raw cursor
    cannot be had either)."""
    for conn in connections.all():
        _kept.append(conn.connection)
        conn.connection = None
        conn.execute_wrappers.append(_refuse)
        conn.connect = conn.ensure_connection = _refuse


def in_child_process(items: Iterator, rejected: list) -> Iterator:
    """Iterate ``items`` in a forked child process, a chunk ahead of the consumer: the file is read, checked
    and formatted on one core while this process and the database write on the other (in a thread, both
    would need the GIL for every row and take turns). The rows the child rejects (appended to its copy of
    ``rejected``) come with each chunk and are appended here. An exception in the child is raised here; the
    child is killed when the consumer stops early. Without ``fork`` (not Linux), the items are read here."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        yield from items
        return
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_chunks, args=(items, send, rejected), name="licence-import-reader", daemon=True
    )
    child.start()
    send.close()
    try:
        while True:
            kind, payload, refused = receive.recv()
            rejected.extend(refused)
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    except EOFError:
        raise ImportFileError(f"licence import: the reading process stopped ({child.exitcode})") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def _read_chunks(items: Iterator, send, rejected: list) -> None:
    """The child's side of ``in_child_process``. It never touches the database connection it inherited, and it
    leaves through ``os._exit`` (multiprocessing's fork), which closes nothing of the parent's."""
    guard_the_database()
    reported = 0

    def refused() -> list:
        nonlocal reported
        new, reported = rejected[reported:], len(rejected)
        return new

    try:
        for item in items:
            send.send(("chunk", item, refused()))
        send.send(("done", None, refused()))
    except (BrokenPipeError, KeyboardInterrupt):
        return  # the consumer stopped
    except BaseException as exc:  # handed to the consumer
        try:
            send.send(("error", exc, refused()))
        except Exception:  # an exception that does not pickle
            send.send(("error", ImportFileError(f"licence import: {exc!r}"), []))
