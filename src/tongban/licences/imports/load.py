"""The import itself: read, check and write one file in one transaction, audited, and the signing task
enqueued after commit when licences await their signature."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from tongban.core.audit import audit_record
from tongban.licences.imports.checks import Checker
from tongban.licences.imports.pipeline import in_child_process
from tongban.licences.imports.reading import chunks, csv_rows, format_of, jsonl_rows
from tongban.licences.imports.report import ImportFileError, ImportReport
from tongban.licences.imports.writers import writer_for_connection
from tongban.licences.tasks import licences_sign_imported

CHUNK_ROWS = 50_000  # rows per chunk once the load runs (the first chunks are smaller)


def import_licences(
    path_or_file,
    *,
    fmt: str | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
    actor=None,
    chunk_rows: int = CHUNK_ROWS,
    enqueue_signing: bool = True,
    fork: bool = True,
) -> ImportReport:
    """Import a JSON Lines or CSV file of licences (see the module's docstring): a path, or a binary file.
    ``fmt`` is ``jsonl`` or ``csv`` (default: from the extension of ``name``, by default the file's name);
    ``progress`` is called with the number of rows done after each chunk; ``actor`` is recorded in the
    audit trail (None: the system). After commit the signing task is enqueued when licences await signing
    (``enqueue_signing``). With ``fork`` (the command line) the file is read in a forked child process
    (``pipeline``); without it (a file uploaded in the admin: never fork a web server's worker) it is read in
    this process. Raises ImportFileError when the file cannot be read (nothing is imported), and
    database errors as they come (the transaction is rolled back: nothing is imported either)."""
    if name is None:
        name = str(getattr(path_or_file, "name", path_or_file) or "")
    fmt = format_of(name, fmt)
    if isinstance(path_or_file, str | os.PathLike):
        try:
            fh = open(path_or_file, "rb")  # noqa: SIM115 — closed below
        except OSError as exc:
            raise ImportFileError(str(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc})) from exc
        close = True
    else:
        fh = path_or_file
        if isinstance(fh, io.TextIOBase):
            fh = fh.buffer if hasattr(fh, "buffer") else io.BytesIO(fh.read().encode())
        close = False
    report = ImportReport(source=Path(name).name if name else "", format=fmt, database=connection.vendor)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            checker = Checker(report)
            rows = jsonl_rows(fh, checker) if fmt == "jsonl" else csv_rows(fh, checker)
            writer = writer_for_connection()
            with connection.cursor() as cursor:
                writer.start(cursor)
                try:
                    prepared = ((writer.prepare(c), len(c), read) for c, read in chunks(rows, chunk_rows))
                    source = in_child_process(prepared, report.rejected) if fork else prepared
                    with closing(source) as written:
                        for chunk, count, read in written:
                            report.rows += read
                            if count:
                                writer.write(cursor, chunk, count, report)
                            if progress is not None:
                                progress(read)
                    writer.finish(cursor, report)
                finally:
                    writer.close()
            report.rejected.sort(key=lambda r: r.line)
            audit_record(
                actor=actor,
                action="licence.import",
                object_type="licence_import",
                object_id=report.source,
                after={"format": fmt, **report.counts()},
            )
            if enqueue_signing and report.awaiting_signature:
                transaction.on_commit(lambda: _enqueue_signing(report), robust=True)
    finally:
        if close:
            fh.close()
    report.seconds = time.perf_counter() - started
    return report


def _enqueue_signing(report: ImportReport) -> None:
    report.signing_task_id = str(licences_sign_imported.enqueue().id)
