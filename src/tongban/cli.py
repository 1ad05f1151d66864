"""The `tongban` console command: serve, migrate, demo, calendar, catalog, cases, maintenance, media,
accounts, licences, seals, ratings, supervision, worker, check-deploy, manage."""

from __future__ import annotations

import argparse
import os
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    return call_command


def cmd_migrate(args) -> int:
    call_command = _django()
    call_command("migrate", interactive=False, verbosity=args.verbosity)
    call_command("createcachetable", verbosity=args.verbosity)
    return 0


def cmd_demo(args) -> int:
    call_command = _django()
    from django.conf import settings

    if not (settings.DEMO or args.force):
        print(
            "tongban demo creates accounts with a public password; it runs only with TONGBAN_DEMO=1 (or --force)."
        )
        return 2
    call_command("demo")
    return 0


def cmd_calendar_seed(args) -> int:
    _django()
    from tongban.core.workdays import calendar_seed

    try:
        written = calendar_seed(years=args.years, overwrite=args.overwrite)
    except ValueError as exc:
        print(f"error: {exc}")
        return 1
    for year, count in written.items():
        print(f"{year}: {count} days written")
    if any(written.values()):
        print("open cases' deadlines over those years recomputed (see the log for the count)")
    return 0


def cmd_calendar_notice(args) -> int:
    _django()
    import json
    from datetime import date

    from tongban.core.workdays import calendar_year_set_from_notice

    try:
        with open(args.file, encoding="utf-8") as fh:
            data = json.load(fh)
        year = int(data["year"])
        holidays = {date.fromisoformat(k): str(v) for k, v in data.get("holidays", {}).items()}
        makeup = [date.fromisoformat(d) for d in data.get("makeup_workdays", [])]
        notice = str(data["source_notice"])
    except (OSError, KeyError, TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        print(f"error: bad notice file: {exc}")
        return 1
    try:
        loaded = calendar_year_set_from_notice(
            year=year, holidays=holidays, makeup_workdays=makeup, source_notice=notice
        )
    except ValueError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{year}: {loaded.days} days written from the notice")
    print(f"{loaded.cases_recomputed} open cases' deadlines recomputed with it")
    return 0


def cmd_calendar_status(args) -> int:
    _django()
    from tongban.core.workdays import calendar_known_years, calendar_provisional_years

    print("known years:", " ".join(str(y) for y in calendar_known_years()) or "none")
    provisional = calendar_provisional_years()
    if provisional:
        print(
            "PROVISIONAL (no State Council notice entered; counted with the statutory holidays, no make-up "
            "days):",
            " ".join(str(y) for y in provisional),
        )
        return 1
    return 0


def cmd_calendar_between(args) -> int:
    _django()
    from datetime import date

    from tongban.core.workdays import range_is_provisional, working_days_between

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        print(f"error: {exc}")
        return 1
    if not (
        date(2000, 1, 1) <= start <= date(2100, 12, 31) and date(2000, 1, 1) <= end <= date(2100, 12, 31)
    ):
        print("error: dates must be within 2000-2100")
        return 1
    days = working_days_between(start, end)
    provisional = range_is_provisional(start, end)
    print(
        f"{days} working days in ({start}, {end}]"
        + (" (PROVISIONAL: a year without a notice)" if provisional else "")
    )
    return 0


def cmd_catalog_export(args) -> int:
    _django()
    import json
    from pathlib import Path

    if args.format == "json":
        from tongban.catalog.services import catalog_export

        data = catalog_export()
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        if args.out == "-":
            sys.stdout.write(text)
            return 0
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(data['items'])} items written to {args.out}")
        return 0
    from tongban.catalog.exchange import exchange_tables_export, exchange_write

    try:
        tables = exchange_tables_export(data_source=args.data_source)
    except ValueError as exc:
        print(f"error: {exc}")
        return 1
    exchange_write(Path(args.out), tables)
    for table, rows in tables.items():
        print(f"{table}: {len(rows)} rows")
    print(f"written to {args.out}")
    return 0


def cmd_catalog_import(args) -> int:
    _django()
    import json

    from tongban.catalog.services import catalog_import
    from tongban.core.errors import DomainError

    try:
        with open(args.file, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:  # JSONDecodeError is a ValueError
        print(f"error: cannot read {args.file}: {exc}")
        return 1
    try:
        # The system imports (the audit trail records actor "system"): the console has no logged-in user.
        result = catalog_import(actor=None, data=data, map_departments=args.map_departments)
    except DomainError as exc:
        reason = exc.details.get("reason")
        print(f"error: {exc.message}" + (f" ({reason})" if reason else ""))
        print("nothing was imported")
        return 1
    print(
        f"{result['created']} items created, {result['skipped']} skipped (already present); "
        f"{result['bundles_created']} bundles created, {result['bundles_skipped']} skipped"
    )
    return 0


def cmd_worker(args) -> int:
    call_command = _django()
    from django.conf import settings

    if settings.TASKS_BACKEND == "rq":
        # RQ's own Job class cannot run a django-tasks task ("'Task' object is not callable").
        options = {"job_class": "django_tasks_rq.Job", "with_scheduler": not args.batch, "burst": args.batch}
        call_command("rqworker", *args.queues or ["default"], **options)
    elif settings.TASKS_BACKEND == "immediate":
        print("TONGBAN_TASKS_BACKEND=immediate runs tasks in the request; no worker needed.")
    else:
        options = {"queue_name": ",".join(args.queues) if args.queues else "*", "reload": False}
        if args.interval is not None:
            options["interval"] = args.interval
            options["no_startup_delay"] = True
        if args.batch:
            options["batch"] = True
        call_command("db_worker", **options)
    return 0


def cmd_cases_tick(args) -> int:
    """Deemed acceptance and the supervision lights: enqueued for the worker, or run here with --run."""
    _django()
    from tongban.cases.tasks import cases_tick

    if args.run:
        result = cases_tick.call()
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    else:
        print(f"enqueued {cases_tick.enqueue().id}")
    return 0


def cmd_maintenance(args) -> int:
    """Stale tasks, SMS left pending, retentions, orphan files: enqueued for the worker, or run here."""
    _django()
    from tongban.core.tasks import maintenance

    if args.run:
        result = maintenance.call()
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    else:
        print(f"enqueued {maintenance.enqueue().id}")
    return 0


def cmd_media_sweep(args) -> int:
    """Delete material files no database row references (older than TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS)."""
    _django()
    from tongban.cases.files import orphan_files_sweep

    names = orphan_files_sweep(dry_run=args.dry_run)
    for name in names:
        print(name)
    print(f"{len(names)} orphan files {'found' if args.dry_run else 'deleted'}")
    return 0


def cmd_accounts_oidc_rotate_key(args) -> int:
    """A new signing key for the OIDC provider; the old one is kept beside it and stays in the JWKS."""
    _django()
    from pathlib import Path

    from django.conf import settings

    from tongban.core.oidc_keys import default_key_path, oidc_key_rotate

    active = Path(settings.TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE or default_key_path(settings.VAR_DIR))
    if not active.is_file():
        print(f"error: no signing key at {active}")
        return 1
    try:
        retired = oidc_key_rotate(active)
    except OSError as exc:
        print(f"error: {exc}")
        return 1
    print(f"new signing key in {active}; the old one kept in {retired} (still published in the JWKS)")
    print("reload every app server (e.g. kill -HUP the gunicorn master) to sign with the new key;")
    print("delete the old file once the tokens it signed have expired (10 minutes), then reload again.")
    return 0


def cmd_licences_rotate_key(args) -> int:
    """Retire a department's signing key and make a new one (the old one stays in the JWKS)."""
    _django()
    from django.core.exceptions import ValidationError

    from tongban.licences.keys import issuer_key_rotate
    from tongban.licences.models import IssuerKey

    try:
        new = issuer_key_rotate(args.department)
    except (IssuerKey.DoesNotExist, ValueError, ValidationError) as exc:
        print(f"error: {exc}")
        return 1
    print(f"new key {new.kid} for {new.department_name}")
    return 0


def cmd_licences_add_verifier(args) -> int:
    """Register a verifier (用证单位) and print its key once."""
    _django()
    from tongban.core.errors import DomainError
    from tongban.licences.verifiers import verifier_create

    try:
        verifier, key = verifier_create(
            actor=None,
            name=args.name,
            kind=args.kind,
            scenes=args.scenes.split(","),
            uscc=args.uscc,
            area_code=args.area_code,
        )
    except DomainError as exc:
        print(f"error: {exc.code}: {exc.message} {exc.details or ''}")
        return 1
    print(f"verifier {verifier.uuid} {verifier.name} scenes={','.join(verifier.scenes)}")
    print(f"key (shown once; OAuth2 client_id is the part after tbv_): {key}")
    return 0


def cmd_licences_grant_share(args) -> int:
    """Let a department's API client (scope licences:share) query one licence type."""
    _django()
    from tongban.accounts.models import ApiClient
    from tongban.core.errors import DomainError
    from tongban.licences.share import share_grant

    client = ApiClient.objects.filter(uuid=args.client).first() if _is_uuid(args.client) else None
    if client is None:
        print(f"error: no API client {args.client}")
        return 1
    try:
        share_grant(actor=None, client=client, type_code=args.type)
    except DomainError as exc:
        print(f"error: {exc.code}: {exc.message}")
        return 1
    print(f"{client.name} may now query licences of type {args.type}")
    return 0


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def cmd_licences_type_level(args) -> int:
    """Set the real-name level holders need for a licence type (2: register match; 3: checked in person)."""
    _django()
    from tongban.core.errors import DomainError
    from tongban.licences.services import licence_type_set_assurance

    try:
        licence_type = licence_type_set_assurance(actor=None, code=args.code, level=args.level)
    except DomainError as exc:
        print(f"error: {exc.code}: {exc.message}")
        return 1
    print(
        f"{licence_type.name} ({licence_type.code}): holders need level L{licence_type.required_assurance_level}"
    )
    return 0


def cmd_licences_rekey(args) -> int:
    """Encrypt every issuer private key again under the first of TONGBAN_KEY_ENCRYPTION_KEYS."""
    _django()
    from tongban.licences.keys import keys_reencrypt

    print(f"{keys_reencrypt()} keys encrypted again under the first key-encryption key")
    return 0


def _count_lines(path: str) -> int | None:
    try:
        with open(path, "rb") as fh:
            return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return None


def cmd_licences_import(args) -> int:
    """Bulk collection (归集): a JSON Lines or CSV file of licences. Exit 0 when every row was imported, 2
    when some were rejected (the valid ones are imported), 1 when the file could not be read or written."""
    _django()
    from django.db import DatabaseError
    from tqdm import tqdm

    from tongban.licences.imports import ImportFileError, import_licences

    with tqdm(total=_count_lines(args.file), unit=" rows", unit_scale=True, disable=args.quiet) as bar:
        try:
            report = import_licences(args.file, fmt=args.format, progress=bar.update)
        except ImportFileError as exc:
            bar.close()
            print(f"error: {exc}")
            print("nothing was imported")
            return 1
        except DatabaseError as exc:
            bar.close()
            print(f"error: the database refused the load, nothing was imported: {exc}")
            return 1
    print(
        f"{report.imported} imported, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.rejected_count} rejected ({report.rows} rows in {report.seconds:.1f} s, "
        f"{report.rows_per_second:,.0f} rows/s)"
    )
    if report.awaiting_signature:
        queued = f"task {report.signing_task_id} enqueued" if report.signing_task_id else "not enqueued"
        print(f"{report.awaiting_signature} licences await signing ({queued}; `tongban licences sign --run`)")
    if report.rejected:
        for row in report.rejected[:10]:
            print(f"  line {row.line}: {', '.join(row.codes)}  {row.identifier}")
        if report.rejected_count > 10:
            print(f"  … and {report.rejected_count - 10} more")
        if args.report:
            try:
                report.write_rejected_csv(args.report)
            except OSError as exc:
                print(f"error: cannot write {args.report}: {exc}")
                return 1
            print(f"rejected rows written to {args.report}")
        return 2
    return 0


def cmd_licences_sign(args) -> int:
    """Sign the licences an import left unsigned: enqueued for the worker, or run here with --run."""
    _django()
    from tongban.licences.tasks import licences_sign_imported

    if args.run:
        result = licences_sign_imported.call(batch_size=args.batch_size)
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    else:
        print(f"enqueued {licences_sign_imported.enqueue(batch_size=args.batch_size).id}")
    return 0


def cmd_seals_verify(args) -> int:
    """Check every signature of a PDF against the platform's roots; exit 0 only when each one is valid."""
    import json
    from pathlib import Path

    _django()
    from tongban.seals.sealing import document_verify

    reports = document_verify(Path(args.file).read_bytes())
    ok = 0 if reports and all(r.ok for r in reports) else 1
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=1))
        return ok
    if not reports:
        print("no signature in this file / 文件中没有签名")
    for n, r in enumerate(reports, 1):
        verdict = "VALID / 有效" if r.ok else "INVALID / 无效"
        when = r.signing_time.isoformat() if r.signing_time else "-"
        print(f"{n}. {r.field_name or '-'}: {verdict}; signer {r.signer or '-'}; level {r.level or '-'}")
        print(f"   intact={r.intact} trusted={r.trusted} revocation={r.revocation} signed_at={when}")
        print(f"   modified_after={r.modified_after or '-'}")
        for reason, message in zip(r.reasons, r.messages, strict=False):
            print(f"   ! {reason}: {message}")
    return ok


def cmd_seals_rotate(args) -> int:
    """Rotate the platform's issuing CA (``rotate-ca``) or its root and issuing CA (``rotate-root``)."""
    _django()
    from tongban.seals import pki

    if args.seals_command == "rotate-root":
        root = pki.pki_rotate_root()
        print(f"new root: {root.label}")
        print("add it to the relying parties' trust stores: GET /seals/pki/root.crt")
    new = pki.pki_rotate_issuing_ca() if args.seals_command == "rotate-ca" else pki.issuing_ca()
    cert = pki.key_certificate(new)
    print(
        f"active issuing CA: {new.label} (serial {cert.serial_number:x}, until {cert.not_valid_after_utc:%Y-%m-%d})"
    )
    retired = pki.PkiKey.objects.filter(active=False).exclude(retired_at=None).count()
    print(f"retired CAs still trusted and publishing CRL/OCSP: {retired}")
    return 0


def cmd_seals_expire(args) -> int:
    """Mark expired the seals past their end of validity (also done by `tongban maintenance`)."""
    _django()
    from tongban.seals.tasks import seals_expire_due

    print(f"seals expired: {seals_expire_due()}")
    return 0


def cmd_supervision_rollup(args) -> int:
    """Bring the daily roll-ups up to date, or rebuild a period from scratch (docs/operations.md)."""
    import time as _time
    from datetime import date

    _django()
    from tongban.supervision.rollup import rollup_rebuild, rollup_run

    began = _time.monotonic()
    if args.rebuild:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
        n = rollup_rebuild(start, end)
        print(f"rebuilt {n} days in {_time.monotonic() - began:.1f} s")
    else:
        done = rollup_run()
        print(
            ", ".join(f"{family}: {n} days" for family, n in done.items()),
            f"({_time.monotonic() - began:.1f} s)",
        )
    return 0


def cmd_supervision_blind_spots(args) -> int:
    """Compute a month's service blind-spot report now, in this process (docs/operations.md §20)."""
    import time as _time

    _django()
    from tongban.core.errors import DomainError
    from tongban.supervision.blindspots import compute_month, parse_month

    try:
        month = parse_month(args.month or "")
    except DomainError as exc:
        print(f"error: {exc.message}")
        return 1
    began = _time.monotonic()
    done = compute_month(month)
    counts = ", ".join(f"{name} {n}" for name, n in done.items())
    print(f"{month:%Y-%m}: {counts} ({_time.monotonic() - began:.1f} s)")
    return 0


def cmd_ratings_export(args) -> int:
    """好差评 evaluations of a period in an exchange format (all of them: an operator's command), the
    report of what was left out and which fields are empty on stderr."""
    _django()
    import json
    from pathlib import Path

    from tongban.core.actors import SYSTEM
    from tongban.core.errors import DomainError
    from tongban.ratings.exports import export_period, parse_period

    try:
        date_from, date_to = parse_period(args.date_from, args.date_to)
        rows, report = export_period(
            actor=SYSTEM, format=args.format, date_from=date_from, date_to=date_to, profile=args.profile
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    text = rows if isinstance(rows, str) else json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if args.out in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
    for line in report.lines():
        print(line, file=sys.stderr)
    return 0


def cmd_ratings_upload(args) -> int:
    """Send the due rows of the national 好差评 upload once each, here (not through the worker)."""
    _django()
    from tongban.ratings.uploads import upload_send_due

    result = upload_send_due()
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 1 if result["failed"] else 0


def cmd_supervision_assess(args) -> int:
    """Assess a month (2026-11) or a quarter (2026Q4) that has ended, replacing its earlier results, and print
    each ranking's first and last units (docs/domain/supervision-assessments.md)."""
    _django()
    from tongban.core.errors import DomainError
    from tongban.supervision.access import offices_all
    from tongban.supervision.assessment_periods import period_parse
    from tongban.supervision.assessments import assess, ranking

    try:
        period = period_parse(args.period)
        result = assess(period.kind, period.start)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    for office in offices_all():
        for dim in office.dims:
            rows = [r for r in ranking(period, office.path, dim) if r.rank is not None]
            if rows:
                first, last = rows[0], rows[-1]
                print(
                    f"{office.name} {dim}: {len(rows)} ranked; 1. {first.unit_label} {first.score}; "
                    f"{last.rank}. {last.unit_label} {last.score}"
                )
    return 0


def cmd_check_deploy(args) -> int:
    call_command = _django()
    call_command("check", deploy=True, fail_level=args.fail_level)
    return 0


def cmd_serve(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    if not args.no_collectstatic:
        call_command = _django()
        call_command("collectstatic", interactive=False, verbosity=0)
    from tongban.core.env import env_int

    workers = args.workers or env_int("TONGBAN_WEB_WORKERS", 0) or max(2, (os.cpu_count() or 1))
    argv = [
        "gunicorn",
        "tongban.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(workers),
        "--worker-class",
        args.worker_class,
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        # Recycle workers rarely (a restart re-imports Django), staggered so they never all restart at once.
        "--max-requests",
        "100000",
        "--max-requests-jitter",
        "20000",
        "--preload",
        # gunicorn 27's control socket defaults to one path per user, shared by every instance: not used.
        "--no-control-socket",
        "--forwarded-allow-ips",
        os.environ.get("TONGBAN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    if args.worker_class == "gthread":
        argv += ["--threads", str(args.threads)]
    # Every error and access log line is scrubbed of ID and phone numbers (query strings included).
    argv += ["--logger-class", "tongban.core.logging.GunicornRedactingLogger"]
    if args.access_log:
        argv += ["--access-logfile", "-"]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])
    return 0  # pragma: no cover


def cmd_manage(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tongban manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tongban", description="通办 Tongban one-stop government services")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the production server (gunicorn + whitenoise)")
    p.add_argument("--bind", default=os.environ.get("TONGBAN_BIND", "127.0.0.1:8000"))
    p.add_argument(
        "--workers", type=int, default=0, help="worker processes (default: TONGBAN_WEB_WORKERS or CPUs)"
    )
    p.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--access-log", action="store_true", help="log every request to stdout")
    p.add_argument("--no-collectstatic", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations and create the cache table")
    p.add_argument("--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load demo data (safe to run again; needs TONGBAN_DEMO=1)")
    p.add_argument("--force", action="store_true", help="load demo data even outside demo mode")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("calendar", help="the working-day calendar")
    csub = p.add_subparsers(dest="calendar_command", required=True)
    c = csub.add_parser("seed", help="load years from chinesecalendar (existing rows are kept)")
    c.add_argument("years", nargs="+", type=int)
    c.add_argument("--overwrite", action="store_true", help="replace existing rows of those years")
    c.set_defaults(func=cmd_calendar_seed)
    c = csub.add_parser("notice", help="enter a year from a State Council notice (JSON file)")
    c.add_argument(
        "file",
        help='{"year": 2027, "source_notice": "…", "holidays": {"2027-01-01": "元旦"}, '
        '"makeup_workdays": ["2027-02-07"]}',
    )
    c.set_defaults(func=cmd_calendar_notice)
    c = csub.add_parser(
        "status", help="which years the table knows (exit 1 when this or next is provisional)"
    )
    c.set_defaults(func=cmd_calendar_status)
    c = csub.add_parser("working-days-between", help="working days in (START, END], flagged when provisional")
    c.add_argument("start", help="YYYY-MM-DD")
    c.add_argument("end", help="YYYY-MM-DD")
    c.set_defaults(func=cmd_calendar_between)

    p = sub.add_parser("catalog", help="export and import the service-item catalog")
    csub = p.add_subparsers(dest="catalog_command", required=True)
    c = csub.add_parser("export", help="the whole catalog as JSON, or the published one as exchange tables")
    c.add_argument(
        "--format",
        choices=["json", "exchange"],
        default="json",
        help="json: every item and version (for `catalog import`); exchange: the national exchange "
        "tables of published versions, one CSV per table (UTF-8 with BOM)",
    )
    c.add_argument("--data-source", default="", help="exchange: the 3-digit data_source code assigned to us")
    c.add_argument("out", help="json: a file (- for stdout); exchange: a directory, or a file ending in .zip")
    c.set_defaults(func=cmd_catalog_export)
    c = csub.add_parser("import", help="load a JSON export (items and bundles already present are skipped)")
    c.add_argument("file")
    c.add_argument(
        "--map-departments",
        action="store_true",
        help="find each department by its USCC in this environment (for exports from another environment)",
    )
    c.set_defaults(func=cmd_catalog_import)

    p = sub.add_parser("cases", help="cases (办件)")
    csub = p.add_subparsers(dest="cases_command", required=True)
    c = csub.add_parser("tick", help="deemed acceptance and supervision lights (run every few minutes)")
    c.add_argument("--run", action="store_true", help="run it here instead of enqueueing it for the worker")
    c.set_defaults(func=cmd_cases_tick)

    p = sub.add_parser(
        "maintenance", help="stale tasks, SMS left pending, retentions, orphan files (run every minute)"
    )
    p.add_argument("--run", action="store_true", help="run it here instead of enqueueing it for the worker")
    p.set_defaults(func=cmd_maintenance)

    p = sub.add_parser("media", help="stored files")
    msub = p.add_subparsers(dest="media_command", required=True)
    c = msub.add_parser("sweep", help="delete material files that no database row references")
    c.add_argument("--dry-run", action="store_true", help="only list them")
    c.set_defaults(func=cmd_media_sweep)

    p = sub.add_parser("accounts", help="identity and the OpenID Connect provider")
    asub = p.add_subparsers(dest="accounts_command", required=True)
    c = asub.add_parser("oidc-rotate-key", help="a new OIDC signing key (the old one stays in the JWKS)")
    c.set_defaults(func=cmd_accounts_oidc_rotate_key)

    p = sub.add_parser("licences", help="the e-licence library (电子证照库)")
    lsub = p.add_subparsers(dest="licences_command", required=True)
    c = lsub.add_parser("rotate-key", help="a new signing key for a department (the old one stays published)")
    c.add_argument("--department", required=True, help="the department's uuid")
    c.set_defaults(func=cmd_licences_rotate_key)
    c = lsub.add_parser("rekey", help="re-encrypt the private keys after adding a key-encryption key")
    c.set_defaults(func=cmd_licences_rekey)
    c = lsub.add_parser("type-level", help="set the real-name level a licence type needs (2 or 3)")
    c.add_argument("code", help="licence type code")
    c.add_argument("level", type=int, choices=[2, 3])
    c.set_defaults(func=cmd_licences_type_level)
    c = lsub.add_parser("import", help="bulk collection (归集): a JSON Lines or CSV file of licences")
    c.add_argument("file")
    c.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file's extension")
    c.add_argument("--report", metavar="REJECTED.csv", help="write the rejected rows with their reasons")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=cmd_licences_import)
    c = lsub.add_parser("sign", help="sign imported licences with their issuers' keys (enqueue, or --run)")
    c.add_argument("--run", action="store_true", help="run it here instead of enqueueing it for the worker")
    c.add_argument("--batch-size", type=int, default=2000)
    c.set_defaults(func=cmd_licences_sign)
    c = lsub.add_parser("add-verifier", help="register a verifier (用证单位) and print its key once")
    c.add_argument("--name", required=True)
    c.add_argument(
        "--kind", required=True, choices=["hotel", "internet_cafe", "police", "department", "window", "other"]
    )
    c.add_argument(
        "--scenes", required=True, help="comma-separated: hotel,internet_cafe,roadside,window,department"
    )
    c.add_argument("--uscc", default="")
    c.add_argument("--area-code", default="")
    c.set_defaults(func=cmd_licences_add_verifier)
    c = lsub.add_parser("grant-share", help="let a department's API client query one licence type")
    c.add_argument("--client", required=True, help="the API client's uuid (scope licences:share)")
    c.add_argument("--type", required=True, help="the licence type code")
    c.set_defaults(func=cmd_licences_grant_share)

    p = sub.add_parser("worker", help="run the background task worker")
    p.add_argument("queues", nargs="*")
    p.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    p.add_argument("--interval", type=float, help="seconds between polls of the database queue (default 1)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("seals", help="electronic seals (电子印章)")
    ssub = p.add_subparsers(dest="seals_command", required=True)
    c = ssub.add_parser("verify", help="check a sealed PDF's signatures (exit 0 when every one is valid)")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="one JSON report per signature")
    c.set_defaults(func=cmd_seals_verify)
    c = ssub.add_parser("rotate-ca", help="a new issuing CA; the old one is retired but still validates")
    c.set_defaults(func=cmd_seals_rotate)
    c = ssub.add_parser("rotate-root", help="a new root and issuing CA; the old ones stay trusted")
    c.set_defaults(func=cmd_seals_rotate)
    c = ssub.add_parser("expire", help="mark expired the seals past their end of validity")
    c.set_defaults(func=cmd_seals_expire)

    p = sub.add_parser(
        "supervision",
        help="监督考核: the daily roll-ups of the dashboards, assessments, the blind-spot reports",
    )
    ssub = p.add_subparsers(dest="supervision_command", required=True)
    c = ssub.add_parser("rollup", help="count the days touched since the last run (or --rebuild a period)")
    c.add_argument("--rebuild", action="store_true", help="count every day again from scratch")
    c.add_argument("--from", dest="start", help="first day to rebuild (YYYY-MM-DD; default: the first data)")
    c.add_argument("--to", dest="end", help="last day to rebuild (YYYY-MM-DD; default: today)")
    c.set_defaults(func=cmd_supervision_rollup)
    c = ssub.add_parser("blind-spots", help="compute a month's service blind-spot report (服务盲区) now")
    c.add_argument("--month", help="YYYY-MM (default: this month)")
    c.set_defaults(func=cmd_supervision_blind_spots)
    c = ssub.add_parser("assess", help="assess an ended month or quarter again (replaces its results)")
    c.add_argument("--period", required=True, metavar="YYYY-MM|YYYYQn", help="2026-11 (a month) or 2026Q4")
    c.set_defaults(func=cmd_supervision_assess)

    p = sub.add_parser("ratings", help="好差评: the exchange formats and the national upload")
    rsub = p.add_subparsers(dest="ratings_command", required=True)
    c = rsub.add_parser("export", help="evaluations of a period in GB/T 39046 表9 or the provincial format")
    c.add_argument(
        "--format",
        required=True,
        choices=["gbt39046-csv", "gbt39046-json", "province", "tickets-csv", "tickets-json"],
    )
    c.add_argument("--profile", default="default", choices=["default", "zhejiang"], help="province only")
    c.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    c.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    c.add_argument("--out", help="the file to write (default: standard output)")
    c.set_defaults(func=cmd_ratings_export)
    c = rsub.add_parser("upload", help="send the due rows of the national upload once (exit 1 if one failed)")
    c.set_defaults(func=cmd_ratings_upload)

    from tongban.federation.cli import add_parser as add_federation_parser

    add_federation_parser(sub)

    p = sub.add_parser("check-deploy", help="Django's deployment checks plus Tongban's")
    p.add_argument("--fail-level", default="ERROR", choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"])
    p.set_defaults(func=cmd_check_deploy)

    p = sub.add_parser("manage", help="any Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
