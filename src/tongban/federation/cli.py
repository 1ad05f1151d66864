"""`tongban federation …`: joining a region, the trust list, keys, messages and the log (docs/operations.md §21)."""

from __future__ import annotations

import json
import sys


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    django.setup()


def _read(path: str) -> str:
    return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()


def _out(text: str, path: str | None) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)


def _refused(exc) -> int:
    print(f"refused: {exc.code}: {exc.message}", file=sys.stderr)
    return 1


def cmd_status(args) -> int:
    _django()
    from django.conf import settings
    from django.db.models import Count

    from tongban.federation import trust
    from tongban.federation.models import InboundMessage, OutboundMessage, OwnKey

    snapshot = trust.current()
    print(f"member: {settings.TONGBAN_REGION_CODE} {settings.TONGBAN_REGION_NAME}")
    if snapshot is None:
        print("trust list: none (not federated)")
    else:
        print(
            f"trust list: {snapshot.region} {snapshot.name} v{snapshot.version}, coordinator {snapshot.coordinator}"
        )
        for m in snapshot.members.values():
            print(f"  {m.code} {m.name} {m.base_url} ({len(m.keys['messaging'])} messaging keys)")
    for row in OwnKey.objects.order_by("purpose", "id"):
        print(f"key: {row.purpose} {row.state} {row.kid}")
    out = dict(OutboundMessage.objects.values_list("status").annotate(n=Count("id")))
    inn = dict(InboundMessage.objects.values_list("status").annotate(n=Count("id")))
    from tongban.federation.catalogue import quarters

    held = quarters()
    print(f"regional catalogue: {held[0] if held else 'none'} ({len(held)} quarters held)")
    print(f"outbox: {json.dumps(out)}  inbox: {json.dumps(inn)}")
    return 0


def cmd_descriptor(args) -> int:
    _django()
    from tongban.federation.trust import descriptor_make

    _out(descriptor_make(), args.out)
    return 0


def cmd_coordinator_init(args) -> int:
    _django()
    from tongban.federation.keys import thumbprint
    from tongban.federation.trust import coordinator_init

    row = coordinator_init()
    _out(json.dumps(row.public_jwk, ensure_ascii=False), args.out)
    print(f"trust anchor {row.kid}: thumbprint {thumbprint(row.public_jwk)}", file=sys.stderr)
    return 0


def cmd_anchor_add(args) -> int:
    _django()
    from tongban.core.errors import DomainError
    from tongban.federation.trust import anchor_add

    try:
        anchor = anchor_add(json.loads(_read(args.file)))
    except (ValueError, DomainError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(f"trust anchor {anchor.kid}: thumbprint {anchor.thumbprint}")
    print("compare the thumbprint with the one the coordinator gave you out of band")
    return 0


def cmd_trust_list_sign(args) -> int:
    _django()
    from tongban.core.errors import DomainError
    from tongban.federation.services import trust_list_push
    from tongban.federation.trust import trust_list_sign

    try:
        row = trust_list_sign(
            region=args.region,
            name=args.name,
            add=[_read(path).strip() for path in args.add or []],
            remove=args.remove or [],
            valid_days=args.valid_days,
        )
    except DomainError as exc:
        return _refused(exc)
    print(f"trust list {row.region} v{row.version}: {len(row.payload['members'])} members")
    if args.out:
        _out(row.token, args.out)
    if args.push:
        for code, outcome in trust_list_push(row).items():
            print(f"  push {code}: {outcome}")
    return 0


def cmd_trust_list_import(args) -> int:
    _django()
    from tongban.core.errors import DomainError
    from tongban.federation.trust import trust_list_accept

    try:
        row, accepted = trust_list_accept(_read(args.file).strip())
    except DomainError as exc:
        return _refused(exc)
    print(f"trust list {row.region} v{row.version}: {'accepted' if accepted else 'already in force'}")
    return 0


def cmd_trust_list_export(args) -> int:
    _django()
    from tongban.federation.trust import trust_list_token

    token = trust_list_token()
    if token is None:
        print("no trust list in force", file=sys.stderr)
        return 1
    _out(token, args.out)
    return 0


def cmd_trust_list_pull(args) -> int:
    _django()
    from tongban.federation.services import trust_list_pull

    print(f"trust list in force: v{trust_list_pull()}")
    return 0


def cmd_keys_rotate(args) -> int:
    _django()
    from tongban.federation.keys import next_key

    row = next_key(args.purpose)
    print(f"next {args.purpose} key {row.kid}: give the coordinator a new descriptor; it is used once the")
    print("region's trust list names it")
    return 0


def cmd_send(args) -> int:
    _django()
    from django.db import transaction

    from tongban.core.errors import DomainError
    from tongban.federation.messages import send

    try:
        with transaction.atomic():
            rows = [
                send(to=args.to, type=args.type, body={**json.loads(args.body), "n": n})
                for n in range(args.count)
            ]
    except DomainError as exc:
        return _refused(exc)
    print(f"queued {len(rows)}: first {rows[0].uuid}")
    return 0


def cmd_drain(args) -> int:
    _django()
    from tongban.federation.tasks import sweep

    print(json.dumps(sweep()))
    return 0


def cmd_log_verify(args) -> int:
    _django()
    from tongban.federation.log import log_verify

    check = log_verify()
    print(f"{check.entries} entries, {'intact' if check.ok else 'BROKEN'}")
    for problem in check.problems[:50]:
        print(f"  {problem}")
    return 0 if check.ok else 1


def cmd_audit(args) -> int:
    _django()
    from tongban.federation.audit import audit_peer

    report = audit_peer(args.peer)
    print(f"{args.peer}: {report.checked} of our messages found in its log, {len(report.problems)} problems")
    for problem in report.problems[:50]:
        print(f"  {problem}")
    return 0 if report.ok else 1


def cmd_licence_types_import(args) -> int:
    _django()
    from tongban.core.errors import DomainError
    from tongban.federation.recognition import licence_types_import

    try:
        report = licence_types_import(json.loads(_read(args.file)))
    except ValueError as exc:
        print(f"refused: not JSON: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"refused: {exc.code}: {exc.message}", file=sys.stderr)
        for problem in exc.details.get("problems", []):
            print(f"  entry {problem['index']}: {problem['field']}", file=sys.stderr)
        return 1
    print(f"licence recognition list: {report.count} types of members {', '.join(report.members) or '-'}")
    for code in report.unknown_local:
        print(f"  note: local type {code} is not kept in this member's licence library")
    return 0


def cmd_licence_types_list(args) -> int:
    _django()
    from tongban.federation.models import LicenceTypeMapping

    for row in LicenceTypeMapping.objects.order_by("member", "partner_type_code"):
        print(
            f"{row.member} {row.partner_type_code} {row.partner_type_name} -> "
            f"{row.local_type_code} {row.local_type_name}"
        )
    return 0


def cmd_catalogue_publish(args) -> int:
    _django()
    from tongban.core.errors import DomainError
    from tongban.federation.catalogue import catalogue_publish

    try:
        data = json.loads(_read(args.file))
    except ValueError as exc:
        print(f"refused: the file is not JSON: {exc}", file=sys.stderr)
        return 1
    try:
        published = catalogue_publish(quarter=args.quarter, data=data)
    except DomainError as exc:
        detail = f" ({exc.details})" if exc.details else ""
        print(f"refused: {exc.code}: {exc.message}{detail}", file=sys.stderr)
        return 1
    row = published.version
    print(f"catalogue {row.region} {row.quarter}: {len(row.payload['entries'])} entries")
    if published.sent_to:
        print(f"  sent to {', '.join(published.sent_to)} (tongban federation status shows the outbox)")
    else:
        print("  already published with these entries: nothing sent")
    return 0


def cmd_catalogue_check(args) -> int:
    _django()
    from tongban.federation.catalogue import catalogue_check, quarters

    held = quarters()
    if not held:
        print("no regional catalogue held")
        return 0
    quarter = args.quarter or held[0]
    if quarter not in held:
        print(f"quarter {quarter} not held (held: {', '.join(held)})", file=sys.stderr)
        return 1
    problems = catalogue_check(quarter=quarter)
    print(f"catalogue {quarter}: {len(problems)} of this member's entries do not match the local catalog")
    for p in problems:
        local = f" (local: {p.local_name})" if p.local_name else ""
        print(f"  {p.entry_code} {p.entry_name}: {p.item_code} {p.item_name}: {p.kind}{local}")
    return 1 if problems else 0


def cmd_catalogue_pull(args) -> int:
    _django()
    from tongban.federation.catalogue import catalogue_pull

    print(f"catalogue held: {catalogue_pull() or 'none'}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("federation", help="长三角一网通办: region, trust list, keys, messages, message log")
    fsub = p.add_subparsers(dest="federation_command", required=True)
    c = fsub.add_parser("status", help="the trust list in force, this member's keys, outbox and inbox")
    c.set_defaults(func=cmd_status)
    c = fsub.add_parser("descriptor", help="this member's signed descriptor, for the coordinator")
    c.add_argument("--out")
    c.set_defaults(func=cmd_descriptor)
    c = fsub.add_parser("coordinator-init", help="make this member the coordinator; print the trust anchor")
    c.add_argument("--out")
    c.set_defaults(func=cmd_coordinator_init)
    c = fsub.add_parser("anchor-add", help="trust a coordinator key (JWK file, - for stdin)")
    c.add_argument("file")
    c.set_defaults(func=cmd_anchor_add)
    c = fsub.add_parser("trust-list-sign", help="(coordinator) sign the next version of the trust list")
    c.add_argument("--region", required=True, help="the region's id, e.g. csj")
    c.add_argument("--name", required=True, help="the region's name, e.g. 长三角")
    c.add_argument("--add", action="append", metavar="DESCRIPTOR_FILE")
    c.add_argument("--remove", action="append", metavar="CODE")
    c.add_argument("--valid-days", type=int, default=90)
    c.add_argument("--push", action="store_true", help="hand it to every member now")
    c.add_argument("--out", help="also write the signed list to this file (for trust-list-import)")
    c.set_defaults(func=cmd_trust_list_sign)
    c = fsub.add_parser("trust-list-import", help="accept a trust list from a file (- for stdin)")
    c.add_argument("file")
    c.set_defaults(func=cmd_trust_list_import)
    c = fsub.add_parser(
        "trust-list-export", help="the trust list in force, signed (for trust-list-import on a member)"
    )
    c.add_argument("--out")
    c.set_defaults(func=cmd_trust_list_export)
    c = fsub.add_parser("trust-list-pull", help="fetch the trust list from the coordinator now")
    c.set_defaults(func=cmd_trust_list_pull)
    c = fsub.add_parser("rotate-key", help="make the next key (published now, used once the list names it)")
    c.add_argument("--purpose", default="messaging", choices=["messaging", "trust_list"])
    c.set_defaults(func=cmd_keys_rotate)
    c = fsub.add_parser("send", help="queue a message to a member (ping: a liveness check)")
    c.add_argument("--to", required=True)
    c.add_argument("--type", default="ping")
    c.add_argument("--body", default="{}")
    c.add_argument("--count", type=int, default=1)
    c.set_defaults(func=cmd_send)
    c = fsub.add_parser("sweep", help="send due messages, process received ones, pull the trust list")
    c.set_defaults(func=cmd_drain)
    c = fsub.add_parser("log-verify", help="check this member's message log chain and signatures")
    c.set_defaults(func=cmd_log_verify)
    c = fsub.add_parser("licence-types", help="the licence recognition list (partner type -> local type)")
    lsub = c.add_subparsers(dest="licence_types_command", required=True)
    c = lsub.add_parser("import", help="replace the list with a JSON file (- for stdin)")
    c.add_argument("file")
    c.set_defaults(func=cmd_licence_types_import)
    c = lsub.add_parser("list", help="print the list in force")
    c.set_defaults(func=cmd_licence_types_list)
    c = fsub.add_parser("audit", help="check a partner's log of our exchanges against ours")
    c.add_argument("peer", help="the partner's code, e.g. 320000")
    c.set_defaults(func=cmd_audit)
    c = fsub.add_parser(
        "catalogue-publish",
        help="(coordinator) sign the quarter's regional item catalogue, send it to every member",
    )
    c.add_argument("--quarter", required=True, help="e.g. 2026Q4 (newer than the last published)")
    c.add_argument(
        "--file", required=True, help="the list as JSON (docs/federation/protocol.md §6; - for stdin)"
    )
    c.set_defaults(func=cmd_catalogue_publish)
    c = fsub.add_parser(
        "catalogue-check", help="this member's entries of the regional catalogue against its own catalog"
    )
    c.add_argument("--quarter", help="a quarter held (the newest by default)")
    c.set_defaults(func=cmd_catalogue_check)
    c = fsub.add_parser("catalogue-pull", help="fetch the regional catalogue from the coordinator now")
    c.set_defaults(func=cmd_catalogue_pull)
