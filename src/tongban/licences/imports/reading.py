"""Reading a licence file: its format from the name, JSON Lines or CSV rows handed to the checker one by
one, and the chunks the writers take."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from tongban.licences.imports.checks import Checker, decode_json, unstorable
from tongban.licences.imports.report import FIELDS, FORMATS, REQUIRED, ImportFileError


def format_of(name: str, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
        fmt = "jsonl" if fmt in ("json", "ndjson") else fmt
    else:
        suffix = Path(name).suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix)
    if fmt not in FORMATS:
        raise ImportFileError(str(_("无法识别文件格式：请使用 .jsonl 或 .csv 文件（或指定格式）")))
    return fmt


def jsonl_rows(fh, checker: Checker) -> Iterator[tuple | None]:
    decode, check = decode_json, checker.check
    for line, raw in enumerate(fh, 1):
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            text = raw.decode()
            row = decode(text)
        except UnicodeDecodeError:
            checker.reject(line, "", [("invalid_encoding", "")])
            yield None
            continue
        except ValueError:
            if raw.strip():
                checker.reject(line, "", [("invalid_json", "")])
                yield None
            continue  # a blank line
        if type(row) is not dict:
            checker.reject(line, "", [("invalid_json", "")])
        elif b"\x00" in raw or unstorable(text):
            checker.reject(line, row.get("identifier"), [("invalid_character", "")])
        else:
            yield check(row, line)
            continue
        yield None


def csv_rows(fh, checker: Checker) -> Iterator[tuple | None]:
    stream = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(str(_("无法读取 CSV 表头：%(error)s") % {"error": exc})) from exc
    if not header:
        raise ImportFileError(str(_("CSV 文件为空")))
    names = [h.strip().lower() for h in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(str(_("CSV 表头缺少列：%(columns)s") % {"columns": ", ".join(missing)}))
    width = len(names)
    known = set(FIELDS)
    positions = [(i, name) for i, name in enumerate(names) if name in known and name != "face"]
    face_at = names.index("face") if "face" in names else None
    check, decode = checker.check, decode_json
    line = 1
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            if any("\x00" in value for value in values):
                checker.reject(start, "", [("invalid_character", "")])
                yield None
                continue
            row = {name: values[i] for i, name in positions}
            if face_at is not None:
                text = values[face_at].strip()
                if unstorable(text):
                    checker.reject(start, row.get("identifier"), [("invalid_character", "")])
                    yield None
                    continue
                if text:
                    try:
                        row["face"] = decode(text)
                    except ValueError:
                        row["face"] = text  # not JSON: refused as not an object
            yield check(row, start)
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(_("第 %(line)s 行附近不是有效的 UTF-8 文本") % {"line": line + 1})) from exc
    except csv.Error as exc:
        raise ImportFileError(
            str(_("CSV 格式错误（第 %(line)s 行）：%(error)s") % {"line": line, "error": exc})
        ) from exc
    finally:
        stream.detach()


def chunks(rows: Iterator[tuple | None], size: int) -> Iterator[tuple[list[tuple], int]]:
    """Lists of rows to write, each with the number of file rows it stands for: small at first (the
    database starts while the rest is read), then ``size``."""
    chunk: list[tuple] = []
    read, limit = 0, min(size, 2_000)
    for row in rows:
        read += 1
        if row is not None:
            chunk.append(row)
        if read >= limit:
            yield chunk, read
            chunk, read, limit = [], 0, min(size, limit * 4)
    if read:
        yield chunk, read
