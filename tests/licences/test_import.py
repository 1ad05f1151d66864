"""Bulk collection (归集): licence files checked row by row, imported idempotently, signed afterwards; the
command line and the admin page."""

from __future__ import annotations

import csv
import io
import itertools
import json
import multiprocessing
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_number

from tests.conftest import make_id_number
from tests.licences.conftest import BUSINESS, VOCATIONAL
from tongban.cli import main
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import organisation_code_check
from tongban.core.models import AuditEvent
from tongban.licences import keys
from tongban.licences.identifiers import BadIdentifier, make_licence_id, parse_licence_id
from tongban.licences.imports import FIELDS, ImportFileError, checks, import_licences, pipeline, writers
from tongban.licences.models import Licence
from tongban.licences.services import validate_holder
from tongban.licences.tasks import licences_sign_imported

pytestmark = pytest.mark.django_db

_serials = itertools.count(1)
UNKNOWN_ISSUER = "11440000MB2F1001" + "0"  # completed with its check digit below
UNKNOWN_ISSUER = UNKNOWN_ISSUER[:17] + uscc_number.calc_check_digit(UNKNOWN_ISSUER[:17])


def an_uscc() -> str:
    organisation = f"MA{next(_serials):06d}"
    body = "91310101" + organisation + organisation_code_check(organisation)
    return body + uscc_number.calc_check_digit(body)


def vocational(lib, **changes) -> dict:
    """A valid row of a vocational certificate (holder: a resident ID number) issued by the HR department."""
    serial = f"2024{next(_serials):08d}"
    row = {
        "identifier": make_licence_id(VOCATIONAL, lib["hr"].uscc, serial, 1),
        "number": f"ZY{serial}",
        "holder_code": make_id_number(),
        "holder_name": "王五",
        "issuer_name": lib["hr"].name,
        "issue_date": "2024-03-01",
        "valid_until": "2029-02-28",
        "face": {"name": "王五", "occupation": "电工", "grade": "三级"},
    }
    return _changed(row, changes)


def business(lib, **changes) -> dict:
    """A valid row of a business licence (holder: a USCC) issued by the market department."""
    serial = f"{next(_serials):020d}"
    row = {
        "identifier": make_licence_id(BUSINESS, lib["market"].uscc, serial, 1),
        "number": serial[-12:],
        "holder_code": an_uscc(),
        "holder_name": "上海归集示范有限公司",
        "issuer_name": lib["market"].name,
        "issue_date": "2023-06-15",
        "status": "01",
        "face": {
            "name": "上海归集示范有限公司",
            "legal_representative": "赵六",
            "registered_capital": "50万元",
        },
    }
    return _changed(row, changes)


def _changed(row: dict, changes: dict) -> dict:
    row = {**row, **changes}
    return {k: v for k, v in row.items() if v is not MISSING}


MISSING = object()


def write_jsonl(tmp_path, rows, name="licences.jsonl") -> str:
    path = tmp_path / name
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def write_csv(tmp_path, rows, name="licences.csv") -> str:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # with a BOM, as spreadsheets write it
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (json.dumps(v, ensure_ascii=False) if k == "face" else v) for k, v in row.items()}
            )
    return str(path)


def rejected(report) -> dict[int, set[str]]:
    return {row.line: set(row.codes) for row in report.rejected}


def snapshot() -> list[tuple]:
    fields = [f.attname for f in Licence._meta.concrete_fields]
    return list(Licence.objects.order_by("identifier").values_list(*fields))


# --- importing --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_file_is_imported_with_the_codes_its_identifiers_carry(lib, tmp_path, fmt):
    rows = [vocational(lib), vocational(lib, valid_until=""), business(lib)]
    path = (write_jsonl if fmt == "jsonl" else write_csv)(tmp_path, rows)
    report = import_licences(path)
    assert (report.format, report.rows, report.imported, report.updated, report.unchanged) == (
        fmt,
        3,
        3,
        0,
        0,
    )
    assert report.rejected == [] and report.awaiting_signature == 3
    licence = Licence.objects.select_related("type").get(identifier=rows[0]["identifier"])
    parts = parse_licence_id(rows[0]["identifier"])
    assert (licence.type.code, licence.issuer_code, licence.serial, licence.version) == (
        VOCATIONAL,
        lib["hr"].uscc,
        parts["serial"],
        1,
    )
    assert licence.holder_kind == "111" and licence.holder_code == rows[0]["holder_code"]
    assert licence.face == rows[0]["face"] and licence.status == "01" and licence.current
    assert str(licence.valid_from) == "2024-03-01" and str(licence.valid_until) == "2029-02-28"
    # The issuer is the one department with that USCC; the licence is not signed yet.
    assert licence.issuer_uuid == lib["hr"].uuid and licence.signature == "" and licence.status_index is None
    assert Licence.objects.get(identifier=rows[1]["identifier"]).valid_until is None
    company = Licence.objects.get(identifier=rows[2]["identifier"])
    assert company.holder_kind == "001" and company.type.code == BUSINESS
    event = AuditEvent.objects.get(action="licence.import")
    assert event.after["imported"] == 3 and event.object_id == f"licences.{fmt}"


def bad_rows(lib) -> dict:
    """Each kind of bad row with the code it is refused with (the good row goes first in the file)."""
    good = vocational(lib)
    check = good["identifier"][-1]
    other_check = "0" if check != "0" else "1"
    number = make_id_number()
    wrong_digit = number[:-1] + ("1" if number[-1] != "1" else "2")
    return {
        "bad check character": (
            vocational(lib, identifier=good["identifier"][:-1] + other_check),
            "identifier_check_character",
        ),
        "unknown type": (
            vocational(lib, identifier=make_licence_id("11100000000013338W999", lib["hr"].uscc, "X1", 1)),
            "unknown_licence_type",
        ),
        "bad holder ID checksum": (vocational(lib, holder_code=wrong_digit), "invalid_id_number"),
        "bad holder USCC": (business(lib, holder_code="91310101MA1FPX1210"), "invalid_uscc"),
        "bad date": (vocational(lib, issue_date="2024-02-30"), "invalid_date"),
        "valid_until before the issue date": (vocational(lib, valid_until="2024-02-29"), "invalid_validity"),
        "bad status": (vocational(lib, status="42"), "invalid_status"),
        "face not an object": (vocational(lib, face=["王五", "电工"]), "face_not_object"),
        "face without a required field": (vocational(lib, face={"name": "王五"}), "face_missing_fields"),
        "missing fields": (vocational(lib, holder_name=MISSING), "missing_field"),
        "duplicate identifier": (vocational(lib, identifier=good["identifier"]), "duplicate_identifier"),
        "_good": (good, ""),
    }


BAD_KINDS = [
    "bad check character",
    "unknown type",
    "bad holder ID checksum",
    "bad holder USCC",
    "bad date",
    "valid_until before the issue date",
    "bad status",
    "face not an object",
    "face without a required field",
    "missing fields",
    "duplicate identifier",
]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_each_kind_of_bad_row_is_refused_with_its_code_and_the_good_row_is_imported(lib, tmp_path, kind):
    cases = bad_rows(lib)
    good, bad = cases["_good"][0], cases[kind][0]
    report = import_licences(write_jsonl(tmp_path, [good, bad]))
    assert rejected(report) == {2: {cases[kind][1]}}
    assert report.imported == 1 and report.rows == 2
    assert list(Licence.objects.values_list("identifier", flat=True)) == [good["identifier"]]


def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def uscc_with_organisation_check(organisation_check: str) -> str:
    first17 = "91310101MA000042" + organisation_check
    return first17 + uscc_number.calc_check_digit(first17)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_holder_codes_follow_the_identifier_rules_and_a_bad_one_refuses_only_its_row(lib, tmp_path, fmt):
    """The county is not looked up (310199 does not exist and made stdnum raise KeyError, which aborted the
    whole file; 浦东 310115 did not exist in 1980); the province, the birth date and the check characters
    are, each bad code refusing its own row (docs/domain/identifiers.md)."""
    with_x = next(c for n in range(1000) if (c := resident_id(f"31011519800101{n:03d}"))[-1] == "X")
    good_uscc = uscc_with_organisation_check(organisation_code_check("MA000042"))
    tomorrow = _today() + timedelta(days=1)
    cases = [
        (vocational(lib, holder_code=resident_id("31019919900307123")), "", resident_id("31019919900307123")),
        (vocational(lib, holder_code=resident_id("31011519800101001")), "", resident_id("31011519800101001")),
        (vocational(lib, holder_code=with_x.lower()), "", with_x),
        (vocational(lib, holder_code=resident_id("99010119900307123")), "invalid_id_number", None),
        (vocational(lib, holder_code=resident_id("11010119000229123")), "invalid_id_number", None),
        (vocational(lib, holder_code=resident_id("11010118891231123")), "invalid_id_number", None),
        (vocational(lib, holder_code=resident_id(f"110101{tomorrow:%Y%m%d}123")), "invalid_id_number", None),
        (vocational(lib, holder_code="11010119900307X231"), "invalid_id_number", None),
        (business(lib, holder_code=good_uscc), "", good_uscc),
        (business(lib, holder_code="".join(chr(ord(c) + 0xFEE0) for c in good_uscc)), "", good_uscc),
        (business(lib, holder_code=uscc_with_organisation_check("X")), "invalid_uscc", None),
    ]
    assert organisation_code_check("MA000042") != "X"
    rows = [row for row, _code, _stored in cases]
    report = import_licences((write_jsonl if fmt == "jsonl" else write_csv)(tmp_path, rows))
    first = 1 if fmt == "jsonl" else 2
    assert rejected(report) == {line: {code} for line, (_row, code, _s) in enumerate(cases, first) if code}
    assert report.rows == len(cases) and report.imported == 5
    stored = dict(Licence.objects.values_list("identifier", "holder_code"))
    assert stored == {row["identifier"]: code for row, _code, code in cases if code}


def test_a_csv_file_reports_every_bad_row_by_line_and_the_rejected_rows_file_says_why(lib, tmp_path):
    cases = bad_rows(lib)
    rows = [cases["_good"][0]] + [cases[kind][0] for kind in BAD_KINDS]
    report = import_licences(write_csv(tmp_path, rows))
    assert rejected(report) == {line: {cases[kind][1]} for line, kind in enumerate(BAD_KINDS, 3)}
    assert report.imported == 1 and Licence.objects.count() == 1
    out = io.StringIO()
    report.write_rejected_csv(out)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert lines[0] == ["line", "identifier", "codes", "reasons"]
    by_line = {row[0]: row for row in lines[1:]}
    assert by_line["3"][2] == "identifier_check_character" and "校验位错误" in by_line["3"][3]
    assert by_line["13"][2] == "duplicate_identifier(2)"


def test_lines_that_are_not_json_objects_or_not_utf8_are_refused_and_blank_lines_skipped(lib, tmp_path):
    good = vocational(lib)
    path = tmp_path / "mixed.jsonl"
    content = "\n".join([json.dumps(good), "", "{not json", "[1, 2]"]).encode() + b"\n\xff\xfe{}\n"
    path.write_bytes(b"\xef\xbb\xbf" + content)  # a BOM before the first line
    report = import_licences(str(path))
    assert rejected(report) == {3: {"invalid_json"}, 4: {"invalid_json"}, 5: {"invalid_encoding"}}
    assert report.imported == 1 and report.rows == 4


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_values_the_database_cannot_store_refuse_their_row_not_the_file(lib, tmp_path, fmt):
    # NaN and Infinity are not JSON; NUL and half a surrogate pair cannot be stored (PostgreSQL would fail
    # the whole load on them).
    faces = ['{"name": NaN}', '{"name": "王五", "grade": -Infinity}', '{"name": "王\\u0000五"}']
    faces += ['{"name": "\\ud800"}', '{"name": "\\uDFFF王五"}']
    faces = [face.replace("{", '{"occupation": "电工", ') for face in faces]
    pair = '{"name": "王五\\ud83d\\ude00", "occupation": "电工"}'  # a whole pair: 😀
    rows = [vocational(lib, face={"name": "-"}) for _ in [*faces, pair]]
    if fmt == "jsonl":
        lines = [
            json.dumps(row, ensure_ascii=False).replace('{"name": "-"}', face)
            for row, face in zip(rows, [*faces, pair], strict=True)
        ]
        path = tmp_path / "odd.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        refused = (
            {"invalid_json"},
            {"invalid_json"},
            {"invalid_character"},
            {"invalid_character"},
            {"invalid_character"},
        )
    else:
        path = tmp_path / "odd.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for row, face in zip(rows, [*faces, pair], strict=True):
                writer.writerow({**row, "face": face})
        refused = (
            {"face_not_object"},
            {"face_not_object"},
            {"invalid_character"},
            {"invalid_character"},
            {"invalid_character"},
        )
    report = import_licences(str(path))
    assert rejected(report) == {line: codes for line, codes in enumerate(refused, 1 if fmt == "jsonl" else 2)}
    assert report.imported == 1
    assert Licence.objects.get().face == {"name": "王五😀", "occupation": "电工"}


def test_text_with_tabs_newlines_and_backslashes_arrives_as_written(lib, tmp_path):
    # PostgreSQL receives the rows as COPY text, where these characters are escaped.
    odd = "王\t五\n（\\N）\r\\"
    face = {"name": odd, "occupation": 'C:\\电工\t"三级"', "grade": "\\N"}
    rows = [vocational(lib, holder_name=odd, number="ZY\\1", face=face), vocational(lib)]
    report = import_licences(write_jsonl(tmp_path, rows))
    assert (report.imported, report.rejected) == (2, [])
    licence = Licence.objects.get(identifier=rows[0]["identifier"])
    assert (licence.holder_name, licence.number, licence.face) == (odd, "ZY\\1", face)
    assert Licence.objects.get(identifier=rows[1]["identifier"]).valid_until.isoformat() == "2029-02-28"
    assert import_licences(write_jsonl(tmp_path, rows, name="again.jsonl")).unchanged == 2


def test_running_the_same_file_again_changes_nothing(lib, tmp_path):
    path = write_jsonl(tmp_path, [vocational(lib), vocational(lib), business(lib)])
    first = import_licences(path)
    before = snapshot()
    again = import_licences(path)
    assert (first.imported, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.imported, again.updated, again.unchanged, again.rejected_count) == (0, 0, 3, 0)
    assert again.awaiting_signature == 3  # still unsigned
    assert snapshot() == before


def test_a_changed_row_updates_its_licence_and_a_change_of_signed_data_clears_the_signature(lib, tmp_path):
    rows = [vocational(lib), vocational(lib), business(lib)]
    import_licences(write_jsonl(tmp_path, rows))
    assert licences_sign_imported.call()["signed"] == 3
    rows[0] = {**rows[0], "holder_name": "王五（更正）"}
    rows[1] = {**rows[1], "status": "04"}  # cancelled: the status is not in the signed data
    report = import_licences(write_jsonl(tmp_path, rows, name="again.jsonl"))
    assert (report.imported, report.updated, report.unchanged) == (0, 2, 1)
    assert report.awaiting_signature == 1
    renamed = Licence.objects.get(identifier=rows[0]["identifier"])
    assert renamed.holder_name == "王五（更正）" and renamed.signature == "" and renamed.kid == ""
    cancelled = Licence.objects.get(identifier=rows[1]["identifier"])
    assert cancelled.status == "04" and cancelled.status_changed_at is not None
    assert keys.verify_licence_signature(cancelled)
    assert keys.verify_licence_signature(Licence.objects.get(identifier=rows[2]["identifier"]))


def test_nothing_is_half_imported_when_the_database_fails_mid_load(lib, tmp_path, monkeypatch):
    path = write_jsonl(tmp_path, [vocational(lib) for _ in range(5)])
    writer = writers.writer_for_connection().__class__
    real_write, calls = writer.write, []

    def failing(self, cursor, data, count, report):
        calls.append(count)
        if len(calls) == 3:
            raise DatabaseError("disk full")
        real_write(self, cursor, data, count, report)

    monkeypatch.setattr(writer, "write", failing)
    with pytest.raises(DatabaseError):
        import_licences(path, chunk_rows=2)
    assert calls == [2, 2, 1] and Licence.objects.count() == 0
    assert not AuditEvent.objects.filter(action="licence.import").exists()
    assert multiprocessing.active_children() == []  # the reading process did not outlive the load


def test_without_fork_the_file_is_read_in_this_process_with_the_same_result(lib, tmp_path, monkeypatch):
    cases = bad_rows(lib)
    rows = [cases["_good"][0], cases["bad check character"][0], vocational(lib)]
    forked = import_licences(write_jsonl(tmp_path, rows))
    Licence.objects.all().delete()

    def no_fork(method):
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(pipeline.multiprocessing, "get_context", no_fork)
    here = import_licences(write_jsonl(tmp_path, rows, name="again.jsonl"))
    assert rejected(here) == rejected(forked) == {2: {cases["bad check character"][1]}}
    assert (here.imported, here.rows) == (forked.imported, forked.rows) == (2, 3)


def test_the_reading_process_cannot_use_the_database(lib, tmp_path, monkeypatch):
    """Code run in the forked reader that reaches for the database is refused there (it shares this
    process's connection, in the middle of the load's transaction); the load fails whole, and this process's
    connection is unharmed."""
    real_check, reached = checks.Checker.check, []

    def check_and_query(self, row, line):
        reached.append(line)  # in the child: this list stays empty here
        Licence.objects.count()
        return real_check(self, row, line)

    monkeypatch.setattr(checks.Checker, "check", check_and_query)
    with pytest.raises(pipeline.ReaderUsedDatabase, match="must not use the database"):
        import_licences(write_jsonl(tmp_path, [vocational(lib)]))
    assert reached == [] and multiprocessing.active_children() == []
    assert Licence.objects.count() == 0  # the connection still answers, and nothing was written
    monkeypatch.setattr(checks.Checker, "check", real_check)
    assert import_licences(write_jsonl(tmp_path, [vocational(lib)], name="b.jsonl")).imported == 1


def test_a_file_that_cannot_be_read_imports_nothing(lib, tmp_path):
    with pytest.raises(ImportFileError):
        import_licences(str(tmp_path / "absent.jsonl"))
    with pytest.raises(ImportFileError):
        import_licences(write_jsonl(tmp_path, [vocational(lib)], name="licences.txt"))
    no_holder = tmp_path / "columns.csv"
    no_holder.write_text("identifier,number\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="holder_code"):
        import_licences(str(no_holder))
    assert Licence.objects.count() == 0


# --- signing ----------------------------------------------------------------------------------------------
def test_the_signing_task_signs_imported_licences_with_their_issuers_keys(lib, tmp_path):
    signed_rows = [vocational(lib), vocational(lib), business(lib)]
    unknown = business(
        lib, identifier=make_licence_id(BUSINESS, UNKNOWN_ISSUER, "U1", 1), issuer_name="外省市场监管局"
    )
    wrong_department = vocational(  # the market department does not issue vocational certificates
        lib, identifier=make_licence_id(VOCATIONAL, lib["market"].uscc, "W1", 1)
    )
    report = import_licences(write_jsonl(tmp_path, [*signed_rows, unknown, wrong_department]))
    assert report.awaiting_signature == 5
    result = licences_sign_imported.call(batch_size=2)
    assert result == {"signed": 3, "no_issuer": 1, "not_an_issuer": 1}
    for row in signed_rows:
        licence = Licence.objects.get(identifier=row["identifier"])
        assert licence.signature and keys.verify_licence_signature(licence)
    market_key = keys.issuer_key(lib["market"].uuid, lib["market"].name)
    assert Licence.objects.get(identifier=signed_rows[2]["identifier"]).kid == market_key.kid
    assert Licence.objects.get(identifier=unknown["identifier"]).signature == ""
    assert Licence.objects.get(identifier=unknown["identifier"]).issuer_uuid is None
    assert Licence.objects.get(identifier=wrong_department["identifier"]).signature == ""
    assert licences_sign_imported.call() == {"signed": 0, "no_issuer": 1, "not_an_issuer": 1}


def test_signed_imported_licences_get_random_places_in_the_status_lists(lib, tmp_path, settings):
    from tongban.licences.constants import STATUS_LIST_SIZE
    from tongban.licences.status_lists import STATUS_INVALID, STATUS_VALID, status_list_bytes, status_of

    settings.TONGBAN_STATUS_LIST_COUNT = 1
    rows = [vocational(lib) for _ in range(6)]
    rows[2] = {**rows[2], "status": "03"}  # withdrawn
    import_licences(write_jsonl(tmp_path, rows))
    assert not Licence.objects.filter(
        status_index__isnull=False, identifier__in=[r["identifier"] for r in rows]
    )
    licences_sign_imported.call(batch_size=4)
    imported = {
        x.identifier: x for x in Licence.objects.filter(identifier__in=[r["identifier"] for r in rows])
    }
    indices = [imported[r["identifier"]].status_index for r in rows]
    assert None not in indices and len(set(indices)) == 6 and max(indices) < STATUS_LIST_SIZE
    # An offline verifier reads each licence's status at its index.
    listed = status_list_bytes(0)
    assert [status_of(listed, i) for i in indices] == [STATUS_VALID] * 2 + [STATUS_INVALID] + [
        STATUS_VALID
    ] * 3


def test_a_full_status_list_is_refused_with_a_message_for_the_operator(lib, monkeypatch, settings):
    from tongban.licences import status_lists

    settings.TONGBAN_STATUS_LIST_COUNT = 1
    monkeypatch.setattr(status_lists, "STATUS_LIST_SIZE", 4)  # four places in all
    Licence.objects.filter(status_index__lt=4).update(status_index=None)
    assert sorted(status_lists.new_status_indices(4)) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="TONGBAN_STATUS_LIST_COUNT"):
        status_lists.new_status_indices(5)


# --- command line -----------------------------------------------------------------------------------------
def test_the_command_imports_prints_the_counts_and_exits_0_2_or_1(lib, tmp_path, capsys):
    good = write_jsonl(tmp_path, [vocational(lib), business(lib)])
    assert main(["licences", "import", good, "--quiet"]) == 0
    assert "2 imported, 0 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
    assert main(["licences", "import", good, "--quiet"]) == 0
    assert "0 imported, 0 updated, 2 unchanged, 0 rejected" in capsys.readouterr().out

    mixed = write_csv(tmp_path, [vocational(lib), vocational(lib, status="9")])
    report_path = tmp_path / "rejected.csv"
    assert (
        main(["licences", "import", mixed, "--format", "csv", "--report", str(report_path), "--quiet"]) == 2
    )
    out = capsys.readouterr().out
    assert "1 imported, 0 updated, 0 unchanged, 1 rejected" in out and "line 3: invalid_status" in out
    rows = list(csv.reader(report_path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][0] == "3" and rows[1][2] == "invalid_status(9)"

    assert main(["licences", "import", str(tmp_path / "absent.jsonl"), "--quiet"]) == 1
    assert "nothing was imported" in capsys.readouterr().out
    assert Licence.objects.count() == 3


def test_the_sign_command_runs_the_task(lib, tmp_path, capsys):
    import_licences(write_jsonl(tmp_path, [vocational(lib)]))
    assert main(["licences", "sign", "--run"]) == 0
    assert "signed=1" in capsys.readouterr().out
    assert keys.verify_licence_signature(Licence.objects.get())


# --- admin page -------------------------------------------------------------------------------------------
IMPORT_URL = "/admin/licences/licence/import/"


def test_staff_import_a_small_file_on_the_admin_page_and_see_the_report(lib, admin_client, monkeypatch):
    def no_fork(*args, **kwargs):
        raise AssertionError("a web server's worker forked a reading process")

    monkeypatch.setattr(pipeline.multiprocessing, "get_context", no_fork)  # the page reads in this process
    listing = admin_client.get("/admin/licences/licence/")
    assert IMPORT_URL in listing.content.decode()
    page = admin_client.get(IMPORT_URL)
    assert page.status_code == 200 and "导入电子证照" in page.content.decode()
    good, bad = vocational(lib), vocational(lib, issue_date="2024-13-01")
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in [good, bad]).encode()
    response = admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("归集.jsonl", content)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="count-imported">1<' in html and 'id="count-rejected">1<' in html
    assert "日期无效" in html and bad["identifier"] in html and "invalid_date" in html
    assert Licence.objects.filter(identifier=good["identifier"]).exists()
    assert AuditEvent.objects.get(action="licence.import").object_id == "归集.jsonl"


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=100)  # the upload goes to a temporary file on disk
def test_a_csv_upload_kept_on_disk_is_imported_too(lib, admin_client, tmp_path):
    rows = [vocational(lib), business(lib)]
    with open(write_csv(tmp_path, rows), "rb") as fh:
        response = admin_client.post(IMPORT_URL, {"file": fh, "format": "csv"})
    assert 'id="count-imported">2<' in response.content.decode()
    assert Licence.objects.count() == 2


def test_the_admin_page_refuses_a_file_it_cannot_read_and_a_file_too_large(lib, admin_client, monkeypatch):
    response = admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("licences.xlsx", b"PK\x03\x04")})
    assert response.status_code == 200 and 'id="import-error"' in response.content.decode()
    monkeypatch.setattr("tongban.licences.admin.IMPORT_MAX_BYTES", 10)
    response = admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("licences.jsonl", b"{}\n" * 10)})
    assert "文件超过 10 MB" in response.content.decode() and Licence.objects.count() == 0


def test_only_staff_with_the_add_permission_may_import(lib, client, make_person, make_staff):
    person = make_person("钱七")
    client.force_login(person.user)
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    staff = make_staff(lib["hr"])
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.jsonl", b"{}\n")}).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="add_licence"))
    assert client.get(IMPORT_URL).status_code == 200


# --- the fast checks agree with the reference checks ------------------------------------------------------
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _reference_identifier(identifier: str):
    try:
        parts = parse_licence_id(identifier)
    except BadIdentifier as exc:
        return f"identifier_{exc}"
    except ValueError:
        return "identifier_issuer_code"
    return parts["type_code"], parts["issuer_code"], parts["serial"], f"{parts['version']:03d}"


@st.composite
def identifiers(draw):
    type_code = draw(st.sampled_from([VOCATIONAL, BUSINESS, "11100000000013338W999"]))
    issuer = draw(st.sampled_from(["11100000000013338W", "11310000MB2F31883R", UNKNOWN_ISSUER]))
    serial = draw(st.text(ALNUM, min_size=1, max_size=40))
    identifier = make_licence_id(type_code, issuer, serial, draw(st.integers(1, 999)))
    mutation = draw(st.sampled_from(["none", "replace", "lower", "drop", "insert"]))
    position = draw(st.integers(0, len(identifier) - 1))
    if mutation == "replace":
        identifier = identifier[:position] + draw(st.sampled_from(ALNUM + ".x-")) + identifier[position + 1 :]
    elif mutation == "lower":
        identifier = identifier.lower()
    elif mutation == "drop":
        identifier = identifier[:position] + identifier[position + 1 :]
    elif mutation == "insert":
        identifier = identifier[:position] + draw(st.sampled_from(ALNUM + ".")) + identifier[position:]
    return identifier


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=identifiers())
def test_the_fast_identifier_check_accepts_exactly_what_parse_licence_id_accepts(identifier):
    assert checks.Identifiers().parse(identifier) == _reference_identifier(identifier)


def _reference_holder(kind: str, code: str):
    try:
        return validate_holder(kind, code), ""
    except InvalidInput as exc:
        return "", exc.code


@st.composite
def resident_ids(draw):
    region = draw(st.sampled_from(["310101", "110105", "310199", "310115", "999999", "000101", "830000"]))
    year = draw(st.integers(1880, 2035))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    body = f"{region}{year:04d}{month:02d}{day:02d}{draw(st.integers(0, 999)):03d}"
    check = ric.calc_check_digit(body + "0")
    if draw(st.booleans()):
        check = draw(st.sampled_from("0123456789Xx"))
    return body + check


@st.composite
def usccs(draw):
    head = draw(
        st.text("0123456789", min_size=8, max_size=8) | st.text("0123456789A", min_size=8, max_size=8)
    )
    organisation = draw(st.text("0123456789ABCDEFGHJKLMNPQRTUWXYI", min_size=8, max_size=8))
    organisation_check = organisation_code_check(organisation)  # GB 11714 (characters 9–17)
    if draw(st.booleans()):
        organisation_check = draw(st.sampled_from("0123456789X"))
    body = head + organisation + organisation_check
    check = uscc_number.calc_check_digit(body + "0") if set(body) <= set(uscc_number._alphabet) else "0"
    if draw(st.booleans()):
        check = draw(st.sampled_from("0123456789ABCXY"))
    code = body + check
    return code.lower() if draw(st.integers(0, 9)) == 0 else code


@settings(max_examples=300, deadline=None)
@given(code=resident_ids())
def test_the_fast_resident_id_check_agrees_with_validate_holder(code):
    assert checks.Holders(_today()).check("111", code) == _reference_holder("111", code)


@settings(max_examples=300, deadline=None)
@given(code=usccs())
def test_the_fast_uscc_check_agrees_with_validate_holder(code):
    assert checks.Holders(_today()).check("001", code) == _reference_holder("001", code)


def test_valid_values_take_the_fast_paths(lib, monkeypatch):
    """Valid identifiers and holder codes are accepted without the (slower) reference checks."""

    def refuse(*args, **kwargs):
        raise AssertionError("the reference check was called")

    monkeypatch.setattr(checks, "parse_licence_id", refuse)
    monkeypatch.setattr(checks, "validate_holder", refuse)
    rows = [vocational(lib), business(lib), vocational(lib)]
    fast = checks.Identifiers()
    for row in rows:
        assert fast.parse(row["identifier"]) == _reference_identifier(row["identifier"])
    holders = checks.Holders(_today())
    assert holders.check("111", rows[0]["holder_code"]) == (rows[0]["holder_code"], "")
    assert holders.check("001", rows[1]["holder_code"]) == (rows[1]["holder_code"], "")


def _today():
    from django.utils import timezone

    return timezone.localdate()
