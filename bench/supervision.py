"""Supervision's figures at scale (issue 19 §6), on PostgreSQL: the dashboard's reads over a year of 1,000,000
cases and 1,000,000 evaluations, against scanning the raw rows; and the nightly roll-up of one day of 500,000
events, against the same SQL sent through psycopg alone.

It prepares the isolated environment of http_floor.py (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/tongban_bench_supervision``, created when missing and kept; migrate, demo
data) and runs its steps in child processes with that environment's settings:

1. **setup** (once; the data is kept and made again only when the sizes or the generator's version differ — the
   database is then dropped, since evaluations are append-only): generated organisations under the demo region
   (``--districts`` 16 districts × 20 departments, 50 service centres × 10 windows, with their frontdesk
   centre and window rows), 300 items (15 per kind of department, every district's department of that kind
   leads them; they are not catalogue items), and a fixed year, 6 January 2025 – 5 January 2026 (365 days):
   ``--cases`` cases (a skewed department popularity, submitted 08:00–18:00; 95 % ended, with their
   ``submit``/``conclude`` events, 2 % refused, 3 % with a supplement requested, 2 materials each, a
   ``case_overdue`` supervision event when late), ``--evaluations`` valid-or-not evaluations (one 一事一评 of
   each ended case, the rest 一次一评 of windows; 1 % 差评, each with its 差评 ticket; 5 % of the 差评 excluded
   by an upheld appeal). Rows are made in SQL (``INSERT … SELECT`` over ``generate_series``) with the big
   tables' secondary indexes and constraints dropped during the load (harness/pg.py), then
   ``VACUUM (ANALYZE)``. Then **the event day**, 6 January 2026 (see ``EVENTS``).
2. **rebuild**: ``rollup_rebuild`` of the year (timed; ``--rebuild`` forces it, else it runs only when the
   roll-up of the year is missing), with the clock at 00:00 of the event day, which leaves the watermark
   before it.
3. **dashboard**: ``total_figures``, ``unit_figures`` (department, district, item, window) and
   ``daily_series`` over a month (December 2025), a quarter (Q4 2025) and the year, for a city supervisor (the
   region's path) and a district supervisor (the busiest generated district): ``--calls`` timed calls of each,
   interleaved, p50/p95/p99. **The baseline**: the same figures computed by scanning the raw rows — grouped
   SELECTs over cases (submitted, concluded), their materials and the evaluations of the period, scoped by
   organisation path, sent through psycopg alone (``--scan-calls`` each) — and the ratio. **Checked**: the
   year's totals of both scopes from the roll-up equal the same totals counted from the raw rows (every
   counter of the evaluations and cases families).
4. **nightly**: the watermark set back to before the event day, ``rollup_run`` at 02:00 the next day (the
   incremental path: the days the event day touched, recounted whole), ``--nightly-repeats`` times; then
   ``recount(family, event day, today)`` per family, and **the bound**: the statements ``recount`` sends,
   captured (``CaptureQueriesContext``) and sent again through psycopg alone in one transaction (and the
   SELECTs alone), with the ratio. The slowest statements with ``EXPLAIN ANALYZE`` with ``--explain``.
   **Checked**: the event day's totals in the roll-up equal the raw rows'.

It prints seconds, p50/p95/p99 and ratios (no aim is asserted); the JSON goes to
``bench/results/supervision.json``. The exit status is 1 when a roll-up total differs from the raw rows'.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/supervision.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import (  # noqa: E402
    cleanup_env,
    database_name,
    ensure_postgres_database,
    prepare_env,
)
from bench.harness.report import loadavg, machine_context, stats, table, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "supervision.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_supervision"
GEN_VERSION = 1
META = "bench_sv_meta"

BASE_START = date(2025, 1, 6)
DAYS = 365
BASE_END = BASE_START + timedelta(days=DAYS - 1)  # 2026-01-05
EVENT_DAY = BASE_END + timedelta(days=1)  # 2026-01-06, a Tuesday
PERIODS = {
    "month": (date(2025, 12, 1), date(2025, 12, 31)),
    "quarter": (date(2025, 10, 1), date(2025, 12, 31)),
    "year": (BASE_START, BASE_END),
}
DEPT_KINDS = [
    "市场监督管理局",
    "公安分局",
    "人力资源和社会保障局",
    "民政局",
    "卫生健康委员会",
    "规划和自然资源局",
    "生态环境局",
    "交通委员会",
    "住房保障和房屋管理局",
    "税务局",
    "教育局",
    "文化和旅游局",
    "司法局",
    "应急管理局",
    "财政局",
    "商务委员会",
    "农业农村委员会",
    "退役军人事务局",
    "医疗保障局",
    "城市管理行政执法局",
]
ACTIONS = [
    "许可证核发",
    "许可证变更",
    "许可证延续",
    "许可证注销",
    "备案",
    "登记",
    "变更登记",
    "注销登记",
    "资格认定",
    "证明开具",
    "补贴申领",
    "年度报告",
    "信息查询",
    "证件补领",
    "审批",
]
ITEMS_PER_KIND = len(ACTIONS)  # 15 × 20 kinds = 300 items
CENTRES, WINDOWS_PER_CENTRE = 50, 10
# The event day (500,000 events): what the roll-up counts that day.
EVENTS = {
    "evaluations": 200_000,  # half 一事一评 of the cases concluded that day, half 一次一评 of windows
    "submitted": 100_000,  # cases submitted that day (2 materials and a submit event each)
    "concluded": 100_000,  # cases concluded that day (up to 40 % open cases of the year, the rest 即办)
    "refused": 3_000,  # refuse events on the day's cases
    "supplemented": 5_000,  # request_supplement events on the day's cases
    "window_services": 90_000,  # queue tickets served at the windows (take, call, start, finish) + a service
}
EVENT_TICKETS = "差评 tickets of the day's 差评 (≈ 1 % of its evaluations, ≈ 2,000)"


def local_ts(d: date, hour: int = 0, minute: int = 0) -> str:
    """A timestamptz literal for a local (Asia/Shanghai) time."""
    return f"'{d.isoformat()} {hour:02d}:{minute:02d}:00+08'::timestamptz"


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_SUPERVISION_DATABASE_URL",
        DEFAULT_URL,
        "PostgreSQL database (created when missing, kept)",
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases of the year (default 1000000)")
    parser.add_argument(
        "--evaluations", type=int, default=1_000_000, help="evaluations of the year (default 1000000)"
    )
    parser.add_argument("--districts", type=int, default=16, help="generated districts (default 16)")
    parser.add_argument("--event-scale", type=float, default=1.0, help="scale of the event day (default 1)")
    parser.add_argument(
        "--calls", type=int, default=30, help="timed calls of each dashboard read (default 30)"
    )
    parser.add_argument("--scan-calls", type=int, default=3, help="timed scans of each baseline (default 3)")
    parser.add_argument("--nightly-repeats", type=int, default=2, help="rollup_run repeats (default 2)")
    parser.add_argument(
        "--recount-repeats", type=int, default=3, help="recount repeats per family (default 3)"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="run rollup_rebuild even when the year is there"
    )
    parser.add_argument("--regenerate", action="store_true", help="drop the database and generate it again")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest recount statements"
    )
    parser.add_argument("--skip-dashboard", action="store_true", help="skip step 3")
    parser.add_argument("--skip-nightly", action="store_true", help="skip step 4")
    cli.add_output_options(parser, RESULTS_PATH)
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("cases", "evaluations", "districts", "calls", "scan_calls"))
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL: --database-url postgres://…")
    if args.evaluations < args.cases * 0.5:
        raise SystemExit("--evaluations must be at least half of --cases (one 一事一评 of most ended cases)")


def config_of(args) -> dict:
    return {
        "version": GEN_VERSION,
        "cases": args.cases,
        "evaluations": args.evaluations,
        "districts": args.districts,
        "event_scale": args.event_scale,
    }


# --- the child: Django set up ----------------------------------------------------------------------------


def _cursor():
    from django.db import connection

    return connection.cursor()


def _insert(cur, model, exprs: dict[str, str], tail: str, params=()) -> int:
    """``INSERT INTO <model's table> (…) SELECT <exprs> <tail>``: every column of the model not in ``exprs``
    takes its field's default (sent as a parameter, as Django prepares it). ``exprs`` and ``tail`` must not
    hold a literal ``%``."""
    from django.db import connection

    cols, select, defaults = [], [], []
    for f in model._meta.concrete_fields:
        if f.column in exprs:
            cols.append(f'"{f.column}"')
            select.append(exprs[f.column])
        elif not f.primary_key:
            cols.append(f'"{f.column}"')
            select.append("%s")
            defaults.append(f.get_db_prep_save(f.get_default(), connection))
    unknown = set(exprs) - {f.column for f in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(
            f"{model.__name__} has no column(s) {sorted(unknown)}: update bench/supervision.py"
        )
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(select)} {tail}"
    cur.execute(sql, [*defaults, *params])
    return cur.rowcount


def _organisations(districts: int) -> dict:
    """The generated districts, departments, centres and windows (Organisation rows, and the frontdesk centres
    and windows), and the helper tables the SQL generators join: bench_sv_dept, bench_sv_item,
    bench_sv_window, bench_sv_ticketunit."""
    import uuid

    from tongban.accounts.constants import OrgKind
    from tongban.accounts.models import Organisation
    from tongban.frontdesk.models import ServiceCentre, Window

    region = Organisation.objects.filter(kind=OrgKind.REGION).order_by("path").first()
    if region is None:
        raise RuntimeError("the demo data has no region")

    def org(kind, name, parent):
        u = uuid.uuid4()
        return Organisation(uuid=u, kind=kind, name=name, parent=parent, path=parent.path + u.hex + "/")

    dists = [org(OrgKind.DISTRICT, f"压测{i + 1:02d}区", region) for i in range(districts)]
    Organisation.objects.bulk_create(dists)
    depts = [org(OrgKind.DEPARTMENT, f"{d.name}{kind}", d) for d in dists for kind in DEPT_KINDS]
    centres = [
        org(
            OrgKind.SERVICE_CENTRE,
            f"{dists[i % districts].name}政务服务中心{i // districts + 1}",
            dists[i % districts],
        )
        for i in range(CENTRES)
    ]
    Organisation.objects.bulk_create(depts + centres)
    windows = [org(OrgKind.WINDOW, f"{n + 1}号窗口", c) for c in centres for n in range(WINDOWS_PER_CENTRE)]
    Organisation.objects.bulk_create(windows)
    fd_centres = ServiceCentre.objects.bulk_create(
        [
            ServiceCentre(
                org_uuid=c.uuid,
                org_path=c.path,
                name=c.name,
                division_code="310101",
                slug=f"bench-sv-{i + 1:02d}",
            )
            for i, c in enumerate(centres)
        ]
    )
    fd_windows = Window.objects.bulk_create(
        [
            Window(
                centre=fc,
                org_uuid=windows[ci * WINDOWS_PER_CENTRE + n].uuid,
                number=n + 1,
                name=f"{n + 1}号窗口",
                kind="comprehensive",
                categories=["P"],
            )
            for ci, fc in enumerate(fd_centres)
            for n in range(WINDOWS_PER_CENTRE)
        ]
    )
    with _cursor() as cur:
        for t in ("bench_sv_dept", "bench_sv_item", "bench_sv_window", "bench_sv_ticketunit"):
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        cur.execute("CREATE TABLE bench_sv_dept (idx int PRIMARY KEY, uuid uuid, name text, path text)")
        cur.executemany(
            "INSERT INTO bench_sv_dept VALUES (%s, %s, %s, %s)",
            [(i, d.uuid, d.name, d.path) for i, d in enumerate(depts)],
        )
        cur.execute(
            "CREATE TABLE bench_sv_item (idx int PRIMARY KEY, uuid uuid, name text, promised int, legal int)"
        )
        items = []
        for k, action in enumerate(ACTIONS):
            for j, kind in enumerate(DEPT_KINDS):
                promised = 3 + (j + k) % 13
                items.append(
                    (j + 20 * k, uuid.uuid4(), f"{kind.rstrip('局会')}{action}", promised, promised * 2)
                )
        cur.executemany("INSERT INTO bench_sv_item VALUES (%s, %s, %s, %s, %s)", items)
        cur.execute(
            "CREATE TABLE bench_sv_window (idx int PRIMARY KEY, uuid uuid, name text, centre_name text, "
            "window_id bigint, centre_id bigint)"
        )
        cur.executemany(
            "INSERT INTO bench_sv_window VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (i, w.uuid, w.name, centres[i // WINDOWS_PER_CENTRE].name, fw.pk, fw.centre_id)
                for i, (w, fw) in enumerate(zip(windows, fd_windows, strict=True))
            ],
        )
        # The unit a 差评 ticket goes to: the department itself; a window's centre.
        cur.execute(
            "CREATE TABLE bench_sv_ticketunit (uuid uuid PRIMARY KEY, t_uuid uuid, t_path text, t_name text)"
        )
        cur.executemany(
            "INSERT INTO bench_sv_ticketunit VALUES (%s, %s, %s, %s)",
            [(d.uuid, d.uuid, d.path, d.name) for d in depts]
            + [
                (w.uuid, c.uuid, c.path, c.name)
                for i, c in enumerate(centres)
                for w in windows[i * 10 : i * 10 + 10]
            ],
        )
    return {
        "region_path": region.path,
        "districts": len(dists),
        "departments": len(depts),
        "centres": len(centres),
        "windows": len(windows),
        "items": len(items),
    }


CAP = local_ts(BASE_END, 23)  # nothing of the year happens after 23:00 of its last day


def _cases_sql(prefix: str, n: int, sub_expr: str, ended_expr: str, con_expr: str) -> str:
    """The FROM clause of generated cases: columns g, di, du, dn, iu, iname, promised, legal, act, sub, con,
    rs, concl (ended and concluded before the cap)."""
    ndept = "(SELECT count(*) FROM bench_sv_dept)"
    return f"""
    FROM (
      SELECT t.*, ({ended_expr}) AND con <= {CAP if prefix == "SB" else local_ts(EVENT_DAY, 23, 30)} AS concl
      FROM (
        SELECT s.*, d.uuid AS du, d.name AS dn, i.uuid AS iu, i.name AS iname, i.promised, i.legal,
               greatest(1, floor(s.ra * i.promised * 1.25))::int AS act, {con_expr} AS con
        FROM (
          SELECT g, floor(power(random(), 1.6) * {ndept})::int AS di, floor(random() * {ITEMS_PER_KIND})::int AS k,
                 {sub_expr} AS sub, random() AS rs, random() AS ra, random() AS rh
          FROM generate_series(1, {n}) g
        ) s
        JOIN bench_sv_dept d ON d.idx = s.di
        JOIN bench_sv_item i ON i.idx = mod(s.di, 20) + 20 * s.k
      ) t
    ) u"""


def _case_exprs(prefix: str) -> dict:
    return {
        "uuid": "gen_random_uuid()",
        "number": f"'{prefix}' || lpad(g::text, 8, '0')",
        "target_kind": "'item'",
        "target_uuid": "iu",
        "name": "iname",
        "lead_department_uuid": "du",
        "lead_department_name": "dn",
        "applicant_kind": "'person'",
        "applicant_uuid": "gen_random_uuid()",
        "applicant_name": "'张**'",
        "submitted_by": f"g + {0 if prefix == 'SB' else 50_000_000}",
        "idempotency_key": f"'{prefix.lower()}-' || g",
        "status": "CASE WHEN rs < 0.02 THEN 'refused' WHEN rs < 0.05 THEN 'withdrawn' "
        "WHEN concl THEN 'delivered' ELSE 'in_process' END",
        "outcome": "CASE WHEN concl THEN 'approved' ELSE '' END",
        "promised_days": "promised",
        "legal_days": "legal",
        "submitted_at": "sub",
        "accepted_on": "CASE WHEN rs >= 0.02 THEN (sub AT TIME ZONE 'Asia/Shanghai')::date END",
        "concluded_at": "CASE WHEN concl THEN con END",
        "actual_days": "CASE WHEN concl THEN act END",
        "light": "'green'",
    }


def _case_children(cur, where: str, day_cap: str) -> dict:
    """Events, materials and supervision events of the cases ``where`` selects (alias c)."""
    from tongban.cases.models import CaseEvent, CaseMaterial, SupervisionEvent

    made = {}
    ev = {"case_id": "c.id", "actor_label": "'申请人'"}
    made["submit events"] = _insert(
        cur,
        CaseEvent,
        {**ev, "at": "c.submitted_at", "action": "'submit'"},
        f"FROM cases_case c WHERE {where}",
    )
    made["conclude events"] = _insert(
        cur,
        CaseEvent,
        {**ev, "at": "c.concluded_at", "action": "'conclude'"},
        f"FROM cases_case c WHERE {where} AND c.concluded_at IS NOT NULL",
    )
    made["refuse events"] = _insert(
        cur,
        CaseEvent,
        {**ev, "at": f"least(c.submitted_at + interval '1 day', {day_cap})", "action": "'refuse'"},
        f"FROM cases_case c WHERE {where} AND c.status = 'refused'",
    )
    made["request_supplement events"] = _insert(
        cur,
        CaseEvent,
        {
            **ev,
            "at": f"least(c.submitted_at + interval '3 hours', {day_cap})",
            "action": "'request_supplement'",
        },
        f"FROM cases_case c WHERE {where} AND mod(c.id, 33) = 0",
    )
    made["materials"] = _insert(
        cur,
        CaseMaterial,
        {
            "case_id": "c.id",
            "key": "'m' || n",
            "name": "'材料' || n",
            "mode": "CASE WHEN mod(c.id + n, 10) < 6 THEN 'uploaded' WHEN mod(c.id + n, 10) < 9 THEN 'obtained' "
            "ELSE 'committed' END",
            "uploaded_at": "c.submitted_at",
        },
        f"FROM cases_case c CROSS JOIN generate_series(1, 2) n WHERE {where}",
    )
    made["supervision events"] = _insert(
        cur,
        SupervisionEvent,
        {
            "case_id": "c.id",
            "rule": "'case_overdue'",
            "light": "'red'",
            "department_uuid": "c.lead_department_uuid",
            "department_name": "c.lead_department_name",
            "days_overdue": "c.actual_days - c.promised_days",
            "created_at": f"least(c.submitted_at + c.promised_days * interval '1.4 days', {day_cap})",
        },
        f"FROM cases_case c WHERE {where} AND c.actual_days > c.promised_days",
    )
    return made


LEVEL = "CASE WHEN {r} < 0.004 THEN 1 WHEN {r} < 0.01 THEN 2 WHEN {r} < 0.05 THEN 3 WHEN {r} < 0.20 THEN 4 ELSE 5 END"


def _evaluations(
    cur, case_where: str, created_case: str, n_service: int, service_at: str, evaluator_base: int
) -> dict:
    from tongban.ratings.models import Evaluation

    made = {}
    made["case evaluations"] = _insert(
        cur,
        Evaluation,
        {
            "uuid": "gen_random_uuid()",
            "kind": "'case'",
            "subject_uuid": "c.uuid",
            "subject_label": "c.number",
            "channel": "CASE WHEN mod(c.id, 3) = 0 THEN 'mobile' ELSE 'pc' END",
            "evaluator_user_id": f"c.id + {evaluator_base}",
            "evaluator_label": "'张**'",
            "round": "1",
            "level": LEVEL.format(r="random()"),
            "template_version": "1",
            "unit_kind": "'department'",
            "unit_uuid": "c.lead_department_uuid",
            "unit_name": "c.lead_department_name",
            "created_at": created_case,
        },
        f"FROM cases_case c WHERE {case_where}",
    )
    made["window evaluations"] = _insert(
        cur,
        Evaluation,
        {
            "uuid": "gen_random_uuid()",
            "kind": "'service'",
            "subject_uuid": "gen_random_uuid()",
            "subject_label": "'窗口服务'",
            "channel": "'hall_tablet'",
            "evaluator_user_id": f"g + {evaluator_base + 80_000_000}",
            "evaluator_label": "'李**'",
            "round": "1",
            "level": LEVEL.format(r="r"),
            "template_version": "1",
            "unit_kind": "'window'",
            "unit_uuid": "w.uuid",
            "unit_name": "w.name",
            "centre_name": "w.centre_name",
            "created_at": service_at,
        },
        f"FROM (SELECT g, random() AS r, floor(random() * {CENTRES * WINDOWS_PER_CENTRE})::int AS wi "
        f"FROM generate_series(1, {n_service}) g) s JOIN bench_sv_window w ON w.idx = s.wi",
    )
    return made


def _tickets(cur, eval_where: str, cap: str, prefix: str) -> dict:
    """A 差评 ticket for each bad evaluation ``eval_where`` selects (alias e), with its received event."""
    from tongban.ratings.models import EvaluationMark, Ticket, TicketEvent

    made = {}
    if prefix == "SBT":
        made["appeal_upheld marks"] = _insert(
            cur,
            EvaluationMark,
            {
                "evaluation_id": "e.id",
                "kind": "'appeal_upheld'",
                "reason": "'申诉成立'",
                "actor_label": "'监察人员'",
                "created_at": f"least(e.created_at + interval '3 days', {cap})",
            },
            f"FROM ratings_evaluation e WHERE {eval_where} AND e.level <= 2 AND mod(e.id, 20) = 0",
        )
    made["差评 tickets"] = _insert(
        cur,
        Ticket,
        {
            "uuid": "gen_random_uuid()",
            "number": f"'{prefix}' || e.id",
            "kind": "'bad_review'",
            "status": "CASE WHEN mod(e.id, 20) = 0 AND x.pre THEN 'closed_excluded' "
            "WHEN x.answered IS NULL THEN 'received' ELSE 'closed' END",
            "evaluation_id": "e.id",
            "subject_label": "e.subject_label",
            "person_user_id": "CASE WHEN mod(e.id, 10) < 7 THEN e.evaluator_user_id END",
            "person_label": "e.evaluator_label",
            "unit_uuid": "tu.t_uuid",
            "unit_path": "tu.t_path",
            "unit_name": "tu.t_name",
            "received_on": "x.received",
            "contact_due": "x.received + 1",
            "answer_due": "x.received + 7",
            "revisit_due": "x.received + 12",
            "answered_at": "x.answered",
            "revisited_at": "x.revisited",
            "closed_at": "coalesce(x.revisited, x.answered)",
            "created_at": "e.created_at",
            "updated_at": "coalesce(x.revisited, x.answered, e.created_at)",
        },
        f"""FROM ratings_evaluation e JOIN bench_sv_ticketunit tu ON tu.uuid = e.unit_uuid
        CROSS JOIN LATERAL (
          SELECT y.*, CASE WHEN y.answered IS NOT NULL AND mod(e.id, 10) < 7 AND y.rv < 0.9
                        AND y.answered + interval '2 days' <= {cap} THEN y.answered + interval '2 days' END AS revisited
          FROM (SELECT z.*, CASE WHEN z.ans_at <= {cap} THEN z.ans_at END AS answered
                FROM (SELECT (e.created_at AT TIME ZONE 'Asia/Shanghai')::date AS received, {prefix == "SBT"} AS pre,
                             random() AS rv, e.created_at + (1 + random() * 8) * interval '1 day' AS ans_at) z) y
        ) x
        WHERE {eval_where} AND e.level <= 2""",
    )
    made["ticket events"] = _insert(
        cur,
        TicketEvent,
        {"ticket_id": "t.id", "kind": "'received'", "actor_label": "'系统'", "created_at": "t.created_at"},
        f"FROM ratings_ticket t WHERE left(t.number, {len(prefix)}) = '{prefix}'",
    )
    return made


def _window_services(cur, n: int) -> dict:
    """``n`` queue tickets served on the event day at the generated windows (take, call, start, finish) and
    their services."""
    from tongban.frontdesk.models import Service, Ticket, TicketEvent

    made = {}
    day0 = local_ts(EVENT_DAY, 8, 30)
    made["queue tickets"] = _insert(
        cur,
        Ticket,
        {
            "uuid": "gen_random_uuid()",
            "centre_id": "w.centre_id",
            "day": f"'{EVENT_DAY.isoformat()}'::date",
            "category": "'P'",
            "seq": "g",
            "number": "'P' || lpad(g::text, 6, '0')",
            "source": "'kiosk'",
            "status": "'done'",
            "window_id": "w.window_id",
            "served_by_user_id": "90000000 + w.idx",
            "taken_at": f"{day0} + s.t * interval '1 second'",
            "called_at": f"{day0} + (s.t + s.wait) * interval '1 second'",
            "started_at": f"{day0} + (s.t + s.wait + 30) * interval '1 second'",
            "finished_at": f"{day0} + (s.t + s.wait + 30 + s.serve) * interval '1 second'",
        },
        f"""FROM (SELECT g, floor(random() * {CENTRES * WINDOWS_PER_CENTRE})::int AS wi, random() * 28000 AS t,
                         60 + random() * 1500 AS wait, 120 + random() * 900 AS serve
                  FROM generate_series(1, {n}) g) s JOIN bench_sv_window w ON w.idx = s.wi""",
    )
    made["queue ticket events"] = 0
    for action, column in (
        ("take", "taken_at"),
        ("call", "called_at"),
        ("start", "started_at"),
        ("finish", "finished_at"),
    ):
        made["queue ticket events"] += _insert(
            cur,
            TicketEvent,
            {
                "ticket_id": "t.id",
                "action": f"'{action}'",
                "window_id": "t.window_id",
                "actor_user_id": "t.served_by_user_id",
                "at": f"t.{column}",
            },
            f"FROM frontdesk_ticket t WHERE t.day = '{EVENT_DAY.isoformat()}' AND t.served_by_user_id >= 90000000",
        )
    made["window services"] = _insert(
        cur,
        Service,
        {
            "uuid": "gen_random_uuid()",
            "centre_id": "t.centre_id",
            "window_id": "t.window_id",
            "ticket_id": "t.id",
            "clerk_user_id": "t.served_by_user_id",
            "clerk_label": "'窗口人员' || (t.served_by_user_id - 90000000)",
            "on_the_spot": "mod(t.id, 10) < 7",
            "started_at": "t.started_at",
            "finished_at": "t.finished_at",
        },
        f"FROM frontdesk_ticket t WHERE t.day = '{EVENT_DAY.isoformat()}' AND t.served_by_user_id >= 90000000",
    )
    return made


BIG_TABLES = ("cases_case", "cases_caseevent", "cases_casematerial", "ratings_evaluation")


def _generate_year(cases: int, evaluations: int) -> dict:
    from django.db import transaction

    from bench.harness.pg import drop_secondary, restore_secondary
    from tongban.cases.models import Case

    made: dict = {}
    t0 = time.perf_counter()
    with transaction.atomic(), _cursor() as cur:
        cur.execute("SELECT setseed(0.19)")
        dropped = {t: drop_secondary(cur, t) for t in BIG_TABLES}
        sub = f"{local_ts(BASE_START)} + floor(random() * {DAYS}) * interval '1 day' + (28800 + random() * 36000) * interval '1 second'"
        con = "s.sub + (greatest(1, floor(s.ra * i.promised * 1.25)) * 1.4 + s.rh) * interval '1 day'"
        made["cases"] = _insert(cur, Case, _case_exprs("SB"), _cases_sql("SB", cases, sub, "rs >= 0.05", con))
        made.update(_case_children(cur, "left(c.number, 2) = 'SB'", CAP))
        case_eval_where = "left(c.number, 2) = 'SB' AND c.concluded_at IS NOT NULL"
        cur.execute(f"SELECT count(*) FROM cases_case c WHERE {case_eval_where}")
        n_case_eval = min(cur.fetchone()[0], evaluations)
        made.update(
            _evaluations(
                cur,
                f"{case_eval_where} AND c.id IN (SELECT id FROM cases_case c WHERE {case_eval_where} ORDER BY id LIMIT {n_case_eval})",
                f"least(c.concluded_at + random() * interval '12 hours', {CAP})",
                evaluations - n_case_eval,
                f"{local_ts(BASE_START)} + floor(random() * {DAYS}) * interval '1 day' + (30600 + random() * 28800) * interval '1 second'",
                0,
            )
        )
        t_load = time.perf_counter()
        restore_secondary(cur, dropped)
        made["indexes_s"] = time.perf_counter() - t_load
        made.update(_tickets(cur, f"e.created_at < {local_ts(EVENT_DAY)}", CAP, "SBT"))
    made["seconds"] = time.perf_counter() - t0
    return made


def _generate_event_day(scale: float) -> dict:
    from django.db import transaction

    from tongban.cases.models import Case

    n = {k: int(v * scale) for k, v in EVENTS.items()}
    made: dict = {}
    t0 = time.perf_counter()
    day_cap = local_ts(EVENT_DAY, 23, 30)
    with transaction.atomic(), _cursor() as cur:
        cur.execute("SELECT setseed(0.26)")
        # Up to 40 % of the day's conclusions: open cases of the year, oldest first.
        cur.execute("SELECT count(*) FROM cases_case WHERE status = 'in_process' AND left(number, 2) = 'SB'")
        from_year = min(cur.fetchone()[0], int(n["concluded"] * 0.4))
        cur.execute(
            f"""UPDATE cases_case SET status = 'delivered', outcome = 'approved',
                  concluded_at = {local_ts(EVENT_DAY, 9)} + random() * interval '13 hours',
                  actual_days = greatest(1, floor(extract(epoch FROM {local_ts(EVENT_DAY)} - submitted_at) / 86400 / 1.4))::int
                WHERE id IN (SELECT id FROM cases_case WHERE status = 'in_process' AND left(number, 2) = 'SB'
                             ORDER BY submitted_at, id LIMIT {from_year})"""
        )
        made["year's cases concluded"] = cur.rowcount
        same_day = n["concluded"] - from_year  # 即办: concluded the day they were submitted
        sub = f"{local_ts(EVENT_DAY, 8)} + random() * interval '12 hours'"
        con = "s.sub + random() * interval '90 minutes'"
        ended = f"g <= {same_day}"
        exprs = _case_exprs("SE")
        exprs.update(
            {
                "status": f"CASE WHEN concl THEN 'delivered' WHEN g > {n['submitted'] - n['refused']} THEN 'refused' ELSE 'in_process' END",
                "actual_days": "CASE WHEN concl THEN 0 END",
            }
        )
        made["cases submitted"] = _insert(cur, Case, exprs, _cases_sql("SE", n["submitted"], sub, ended, con))
        made["cases concluded the same day"] = same_day
        where = "left(c.number, 2) = 'SE'"
        made.update(_case_children(cur, where, day_cap))
        # the year's cases concluded today: their conclude events (the children above are the day's own cases')
        from tongban.cases.models import CaseEvent

        made["conclude events"] += _insert(
            cur,
            CaseEvent,
            {"case_id": "c.id", "actor_label": "'审批人员'", "at": "c.concluded_at", "action": "'conclude'"},
            f"FROM cases_case c WHERE left(c.number, 2) = 'SB' AND c.concluded_at >= {local_ts(EVENT_DAY)}",
        )
        # request_supplement: mod(id, 33) above gives ≈ 3 % of the day's cases; top up to the figure
        short = n["supplemented"] - made["request_supplement events"]
        if short > 0:
            made["request_supplement events"] += _insert(
                cur,
                CaseEvent,
                {
                    "case_id": "c.id",
                    "actor_label": "'审批人员'",
                    "at": "c.submitted_at + interval '1 hour'",
                    "action": "'request_supplement'",
                },
                f"FROM cases_case c WHERE {where} AND mod(c.id, 33) = 1 LIMIT {short}",
            )
        concluded_today = f"c.concluded_at >= {local_ts(EVENT_DAY)} AND c.concluded_at < {local_ts(EVENT_DAY + timedelta(days=1))}"
        made.update(
            _evaluations(
                cur,
                f"{concluded_today} AND c.id IN (SELECT id FROM cases_case c WHERE {concluded_today} ORDER BY id LIMIT {n['evaluations'] // 2})",
                f"least(c.concluded_at + random() * interval '30 minutes', {local_ts(EVENT_DAY, 23, 50)})",
                n["evaluations"] - n["evaluations"] // 2,
                f"{local_ts(EVENT_DAY, 8, 30)} + random() * interval '9 hours'",
                100_000_000,
            )
        )
        made.update(_tickets(cur, f"e.created_at >= {local_ts(EVENT_DAY)}", day_cap, "SET"))
        made.update(_window_services(cur, n["window_services"]))
    made["seconds"] = time.perf_counter() - t0
    return made


def _vacuum() -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in (
            *BIG_TABLES,
            "cases_supervisionevent",
            "ratings_ticket",
            "ratings_ticketevent",
            "ratings_evaluationmark",
            "frontdesk_ticket",
            "frontdesk_ticketevent",
            "frontdesk_service",
            "accounts_organisation",
        ):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - t0


def _meta_get() -> dict | None:
    import json

    with _cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value jsonb)")
        cur.execute(f"SELECT key, value FROM {META}")
        found = {k: json.loads(v) if isinstance(v, str) else v for k, v in cur.fetchall()}
    return found or None


def _meta_set(key: str, value) -> None:
    import json

    with _cursor() as cur:
        cur.execute(
            f"INSERT INTO {META} VALUES (%s, %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value, default=str)],
        )


def child_setup(args) -> dict:
    config = {
        "version": GEN_VERSION,
        "cases": args.cases,
        "evaluations": args.evaluations,
        "districts": args.districts,
        "event_scale": args.event_scale,
    }
    meta = _meta_get() or {}
    if meta.get("config") == config and meta.get("done"):
        return {"generated": False, **meta}
    if meta:
        raise RuntimeError("the database holds another generated data set: run with --regenerate")
    orgs = _organisations(args.districts)
    _meta_set("orgs", orgs)
    year = _generate_year(args.cases, args.evaluations)
    day = _generate_event_day(args.event_scale)
    vacuum_s = _vacuum()
    _meta_set("config", config)
    _meta_set("year", year)
    _meta_set("event_day", day)
    _meta_set("vacuum_s", vacuum_s)
    _meta_set("done", True)
    return {"generated": True, **_meta_get()}


def _night() -> datetime:
    from django.utils import timezone

    return datetime(
        EVENT_DAY.year, EVENT_DAY.month, EVENT_DAY.day, 2, tzinfo=timezone.get_current_timezone()
    ) + timedelta(days=1)


def _event_start() -> datetime:
    from django.utils import timezone

    return datetime(EVENT_DAY.year, EVENT_DAY.month, EVENT_DAY.day, tzinfo=timezone.get_current_timezone())


def child_rebuild(args) -> dict:
    from django.db import connection
    from django.db.models import Count

    from bench.harness.inprocess import SqlTimer
    from tongban.supervision.models import FigureDay, FigureMonth
    from tongban.supervision.rollup import refresh_months, rollup_rebuild

    have = FigureDay.objects.filter(day__gte=BASE_START, day__lte=BASE_END).aggregate(n=Count("id"))["n"]
    meta = _meta_get() or {}
    if have and not args.rebuild and meta.get("rebuild"):
        # A daily roll-up kept from a run before the monthly one existed: sum its months (timed once).
        months_there = (
            FigureMonth.objects.filter(month__gte=BASE_START.replace(day=1), month__lte=BASE_END)
            .values("month")
            .distinct()
            .count()
        )
        if months_there < 13:  # January 2025 – January 2026
            t0 = time.perf_counter()
            months = refresh_months([BASE_START + timedelta(days=i) for i in range(DAYS)])
            meta["rebuild"]["months"] = months
            meta["rebuild"]["months_seconds"] = time.perf_counter() - t0
            _meta_set("rebuild", meta["rebuild"])
        return {"rebuilt": False, **meta["rebuild"]}
    timer = SqlTimer()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with connection.execute_wrapper(timer):
        days = rollup_rebuild(BASE_START, BASE_END, now=_event_start())
    out = {
        "seconds": time.perf_counter() - t0,
        "cpu_s": time.process_time() - cpu0,
        "sql_s": timer.ms / 1000.0,
        "queries": timer.queries,
        "days": days,
        "rows": FigureDay.objects.filter(day__gte=BASE_START, day__lte=BASE_END).count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _meta_set("rebuild", out)
    return {"rebuilt": True, **out}


# --- the dashboard ---------------------------------------------------------------------------------------


def _scopes() -> dict[str, list[str]]:
    from tongban.accounts.models import Organisation

    meta = _meta_get() or {}
    busiest = Organisation.objects.filter(kind="district", name="压测01区").order_by("path").first()
    return {"city": [meta["orgs"]["region_path"]], "district": [busiest.path]}


def _reads():
    from tongban.supervision import figures

    def unit(dim):
        return lambda scope, s, e: figures.unit_figures(scope=scope, dim=dim, start=s, end=e)

    return {
        "total_figures": lambda scope, s, e: figures.total_figures(scope=scope, start=s, end=e),
        "unit_figures department": unit("department"),
        "unit_figures district": unit("district"),
        "unit_figures item": unit("item"),
        "unit_figures window": unit("window"),
        "daily_series": lambda scope, s, e: figures.daily_series(scope=scope, start=s, end=e),
    }


# The baseline: the same figures from the raw rows, one grouped SELECT per source; {key} is the grouping of
# the cases (alias c, o the lead department) or of the evaluations (alias e, o the evaluated unit).
SCAN_KEYS = {
    "total_figures": ("NULL", "NULL", ""),
    "unit_figures department": ("c.lead_department_uuid", "e.unit_uuid", "AND e.unit_kind = 'department'"),
    "unit_figures district": ("split_part(o.path, '/', 2)", "split_part(o.path, '/', 2)", ""),
    "unit_figures item": ("c.target_uuid", "c2.target_uuid", "AND e.kind = 'case'"),
    "unit_figures window": (None, "e.unit_uuid", "AND e.unit_kind = 'window'"),
    "daily_series": (
        "({col} AT TIME ZONE 'Asia/Shanghai')::date",
        "(e.created_at AT TIME ZONE 'Asia/Shanghai')::date",
        "",
    ),
}


def scan_statements(name: str) -> list[str]:
    """The SELECTs of one baseline (params: s, e timestamptz; p the scope's path prefix with its %)."""
    ckey, ekey, efilter = SCAN_KEYS[name]
    out = []
    if ckey is not None:
        sub_key = ckey.format(col="c.submitted_at")
        con_key = ckey.format(col="c.concluded_at")
        scope = "JOIN accounts_organisation o ON o.uuid = c.lead_department_uuid AND o.path LIKE %(p)s"
        out.append(
            f"SELECT {sub_key} AS k, count(*) FROM cases_case c {scope} "
            f"WHERE c.submitted_at >= %(s)s AND c.submitted_at < %(e)s GROUP BY 1"
        )
        out.append(
            f"SELECT {con_key} AS k, count(*), count(*) FILTER (WHERE c.actual_days <= c.promised_days), "
            f"sum(c.promised_days), sum(c.legal_days), sum(c.actual_days), "
            f"count(*) FILTER (WHERE c.actual_days <= c.promised_days / 2.0) FROM cases_case c {scope} "
            f"WHERE c.concluded_at >= %(s)s AND c.concluded_at < %(e)s AND c.actual_days IS NOT NULL GROUP BY 1"
        )
        out.append(
            f"SELECT {sub_key} AS k, count(*), count(*) FILTER (WHERE m.mode <> 'uploaded') "
            f"FROM cases_casematerial m JOIN cases_case c ON c.id = m.case_id {scope} "
            f"WHERE c.submitted_at >= %(s)s AND c.submitted_at < %(e)s GROUP BY 1"
        )
    join_case = "JOIN cases_case c2 ON c2.uuid = e.subject_uuid" if "c2." in ekey else ""
    out.append(
        f"SELECT {ekey} AS k, count(*), count(*) FILTER (WHERE e.level >= 4), count(*) FILTER (WHERE e.level <= 2), "
        f"sum(e.level), count(*) FILTER (WHERE e.kind = 'case' AND e.round = 1) FROM ratings_evaluation e {join_case} "
        f"JOIN accounts_organisation o ON o.uuid = e.unit_uuid AND o.path LIKE %(p)s "
        f"WHERE e.created_at >= %(s)s AND e.created_at < %(e)s {efilter} "
        f"AND NOT EXISTS (SELECT 1 FROM ratings_evaluationmark mk WHERE mk.evaluation_id = e.id "
        f"AND mk.kind IN ('fraud_confirmed', 'appeal_upheld')) GROUP BY 1"
    )
    return out


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    from tongban.supervision.rollup import day_bounds

    return day_bounds(start)[0], day_bounds(end)[1]


# Every counter of the evaluations and cases families, from the raw rows of [s, e) under a path.
RAW_TOTALS = """
WITH scope AS (SELECT uuid FROM accounts_organisation WHERE path LIKE %(p)s),
c AS (SELECT * FROM cases_case WHERE lead_department_uuid IN (SELECT uuid FROM scope)),
v AS (SELECT e.* FROM ratings_evaluation e WHERE e.unit_uuid IN (SELECT uuid FROM scope)
      AND e.created_at >= %(s)s AND e.created_at < %(e)s
      AND NOT EXISTS (SELECT 1 FROM ratings_evaluationmark mk WHERE mk.evaluation_id = e.id
                      AND mk.kind IN ('fraud_confirmed', 'appeal_upheld')))
SELECT
 (SELECT count(*) FROM v), (SELECT count(*) FROM v WHERE level >= 4), (SELECT count(*) FROM v WHERE level <= 2),
 (SELECT coalesce(sum(level), 0) FROM v), (SELECT count(*) FROM v WHERE kind = 'case' AND round = 1),
 (SELECT count(*) FROM c WHERE submitted_at >= %(s)s AND submitted_at < %(e)s),
 (SELECT count(*) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days IS NOT NULL),
 (SELECT count(*) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days <= promised_days),
 (SELECT coalesce(sum(promised_days), 0) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days IS NOT NULL),
 (SELECT coalesce(sum(legal_days), 0) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days IS NOT NULL),
 (SELECT coalesce(sum(actual_days), 0) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days IS NOT NULL),
 (SELECT count(*) FROM c WHERE concluded_at >= %(s)s AND concluded_at < %(e)s AND actual_days <= promised_days / 2.0),
 (SELECT count(*) FROM cases_casematerial m JOIN c ON c.id = m.case_id WHERE c.submitted_at >= %(s)s AND c.submitted_at < %(e)s),
 (SELECT count(*) FROM cases_casematerial m JOIN c ON c.id = m.case_id WHERE c.submitted_at >= %(s)s AND c.submitted_at < %(e)s AND m.mode <> 'uploaded'),
 (SELECT count(*) FROM cases_caseevent ev JOIN c ON c.id = ev.case_id WHERE ev.at >= %(s)s AND ev.at < %(e)s AND ev.action = 'refuse'),
 (SELECT count(*) FROM cases_caseevent ev JOIN c ON c.id = ev.case_id WHERE ev.at >= %(s)s AND ev.at < %(e)s AND ev.action = 'request_supplement'),
 (SELECT count(*) FROM cases_supervisionevent se JOIN c ON c.id = se.case_id WHERE se.created_at >= %(s)s AND se.created_at < %(e)s AND se.rule = 'case_overdue')
"""
RAW_NAMES = (
    "evaluations",
    "good",
    "bad",
    "level_sum",
    "case_first",
    "submitted",
    "concluded",
    "on_time",
    "promised_sum",
    "legal_sum",
    "actual_sum",
    "within_half",
    "materials_total",
    "materials_exempt",
    "refused",
    "supplemented",
    "turned_red",
)


def raw_totals(conn, path: str, start: date, end: date) -> dict:
    s, e = _bounds(start, end)
    row = conn.execute(RAW_TOTALS, {"p": path + "%", "s": s, "e": e}).fetchone()
    return dict(zip(RAW_NAMES, (int(v) for v in row), strict=True))


def compare_totals(scope: list[str], start: date, end: date, conn) -> dict:
    from tongban.supervision.figures import total_figures

    rolled = total_figures(scope=scope, start=start, end=end)
    raw = raw_totals(conn, scope[0], start, end)
    diff = {k: (getattr(rolled, k), v) for k, v in raw.items() if getattr(rolled, k) != v}
    return {"raw": raw, "differ": diff}


def child_dashboard(args) -> dict:
    import os

    from bench.harness.replay import connect

    scopes = _scopes()
    reads = _reads()
    combos = [(sc, per, name) for sc in scopes for per in PERIODS for name in reads]
    times: dict[str, list[float]] = {f"{sc}|{per}|{name}": [] for sc, per, name in combos}
    rows_out: dict[str, int] = {}
    for sc, per, name in combos:  # warm-up: one call each (plans, caches)
        s, e = PERIODS[per]
        found = reads[name](scopes[sc], s, e)
        rows_out[f"{sc}|{per}|{name}"] = len(found) if isinstance(found, list) else 1
    for _ in range(args.calls):
        for sc, per, name in combos:
            s, e = PERIODS[per]
            t0 = time.perf_counter()
            reads[name](scopes[sc], s, e)
            times[f"{sc}|{per}|{name}"].append((time.perf_counter() - t0) * 1000.0)
    scan: dict[str, list[float]] = {}
    scan_rows: dict[str, int] = {}
    with connect(os.environ["DATABASE_URL"]) as conn:
        conn.autocommit = True
        for _ in range(args.scan_calls):
            for sc, per, name in combos:
                s, e = _bounds(*PERIODS[per])
                params = {"s": s, "e": e, "p": scopes[sc][0] + "%"}
                t0 = time.perf_counter()
                n = 0
                for sql in scan_statements(name):
                    n += len(conn.execute(sql, params).fetchall())
                scan.setdefault(f"{sc}|{per}|{name}", []).append((time.perf_counter() - t0) * 1000.0)
                scan_rows[f"{sc}|{per}|{name}"] = n
        checks = {sc: compare_totals(scopes[sc], BASE_START, BASE_END, conn) for sc in scopes}
    return {
        "scopes": scopes,
        "times": times,
        "scan": scan,
        "rows": rows_out,
        "scan_rows": scan_rows,
        "checks": checks,
    }


# --- the nightly roll-up -----------------------------------------------------------------------------------


def _reset_watermark() -> None:
    from tongban.supervision.constants import Family
    from tongban.supervision.models import RollupDirty, RollupState
    from tongban.supervision.rollup import SAFETY_MARGIN

    for family in Family.values:
        RollupState.objects.update_or_create(
            family=family, defaults={"watermark": _event_start() - SAFETY_MARGIN}
        )
    RollupDirty.objects.all().delete()


def _replay(statements: list[str], selects_only: bool) -> float:
    import os

    from bench.harness.replay import connect

    with connect(os.environ["DATABASE_URL"]) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for sql in statements:
                if selects_only and not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cur.execute(sql)
                if cur.description is not None:
                    cur.fetchall()
        if selects_only:
            conn.rollback()
        else:
            conn.commit()
        return time.perf_counter() - t0


def _explain(sql: str) -> list[str]:
    import os

    from bench.harness.replay import connect

    with connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
        conn.rollback()
    return [r[0] for r in rows]


def child_nightly(args) -> dict:
    import os

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.harness.inprocess import SqlTimer
    from bench.harness.replay import connect
    from tongban.supervision.constants import Family
    from tongban.supervision.rollup import recount, rollup_run

    night = _night()
    today = night.date()
    out: dict = {"runs": [], "recount": {}}
    for _ in range(args.nightly_repeats):
        _reset_watermark()
        timer = SqlTimer(keep=True)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        with connection.execute_wrapper(timer):
            done = rollup_run(now=night)
        seconds = time.perf_counter() - t0
        slow = sorted(timer.statements, key=lambda s: -s[2])[:8]
        out["runs"].append(
            {
                "seconds": seconds,
                "cpu_s": time.process_time() - cpu0,
                "sql_s": timer.ms / 1000.0,
                "queries": timer.queries,
                "days": done,
                "slowest": [{"ms": ms, "sql": sql[:300]} for sql, _p, ms in slow],
            }
        )
    for family in Family.values:
        took, sql_s, queries = [], [], 0
        for _ in range(args.recount_repeats):
            timer = SqlTimer(keep=True)
            t0 = time.perf_counter()
            with connection.execute_wrapper(timer):
                written = recount(family, EVENT_DAY, today)
            took.append(time.perf_counter() - t0)
            sql_s.append(timer.ms / 1000.0)
            queries = timer.queries
            slow = sorted(timer.statements, key=lambda s: -s[2])[:5]
        with CaptureQueriesContext(connection) as ctx:
            recount(family, EVENT_DAY, today)
        statements = [
            q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]
        bound = [_replay(statements, selects_only=False) for _ in range(args.recount_repeats)]
        selects = [_replay(statements, selects_only=True) for _ in range(args.recount_repeats)]
        entry = {
            "seconds": statistics.median(took),
            "all": took,
            "sql_s": statistics.median(sql_s),
            "queries": queries,
            "rows_written": written,
            "bound_s": statistics.median(bound),
            "bound_all": bound,
            "selects_s": statistics.median(selects),
            "statements": len(statements),
            "slowest": [{"ms": ms, "sql": sql[:300]} for sql, _p, ms in slow],
        }
        if args.explain:
            by_text = sorted(
                (
                    (q["sql"], float(q["time"]))
                    for q in ctx.captured_queries
                    if q["sql"].lstrip().startswith("SELECT")
                ),
                key=lambda x: -x[1],
            )[:2]
            entry["explain"] = [{"sql": sql[:600], "plan": _explain(sql)} for sql, _t in by_text]
        out["recount"][family] = entry
    # the event day's totals against its raw rows (city scope)
    scopes = _scopes()
    with connect(os.environ["DATABASE_URL"]) as conn:
        out["check"] = compare_totals(scopes["city"], EVENT_DAY, EVENT_DAY, conn)
    return out


def child_dispatch(args) -> dict:
    return {
        "setup": child_setup,
        "rebuild": child_rebuild,
        "dashboard": child_dashboard,
        "nightly": child_nightly,
    }[args.action](args)


def child_main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["setup", "rebuild", "dashboard", "nightly"])
    for name, default in (
        ("cases", 1_000_000),
        ("evaluations", 1_000_000),
        ("districts", 16),
        ("calls", 30),
        ("scan-calls", 3),
        ("nightly-repeats", 2),
        ("recount-repeats", 3),
    ):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--event-scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    return child_entry(parser, argv, child_dispatch)


# --- the parent --------------------------------------------------------------------------------------------


def _stored_config(url: str) -> dict | None:
    import psycopg

    ensure_postgres_database(url)
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT to_regclass(%s)", [META]).fetchone()[0] is None:
            return None
        row = conn.execute(f"SELECT value FROM {META} WHERE key = 'config'").fetchone()
        return row[0] if row else {}


def _drop_database(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url)))
        )


def run(args) -> int:
    before = loadavg()
    stored = _stored_config(args.database_url)
    if args.regenerate or (stored is not None and stored != config_of(args)):
        print(
            f"dropping {database_name(args.database_url)} (another data set, or --regenerate) …", flush=True
        )
        _drop_database(args.database_url)
    print(f"preparing {args.database_url} (migrate, demo) …", flush=True)
    env = prepare_env(args.database_url, cli.env_pairs(args.env))
    try:
        return _run_in(env, args, before)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _child_args(args) -> list[str]:
    out = [
        f"--cases={args.cases}",
        f"--evaluations={args.evaluations}",
        f"--districts={args.districts}",
        f"--event-scale={args.event_scale}",
        f"--calls={args.calls}",
        f"--scan-calls={args.scan_calls}",
        f"--nightly-repeats={args.nightly_repeats}",
        f"--recount-repeats={args.recount_repeats}",
    ]
    return out + (["--rebuild"] if args.rebuild else []) + (["--explain"] if args.explain else [])


def _ms(v: float) -> str:
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def _run_in(env: dict, args, before) -> int:
    context = machine_context(env, 0, "none")
    context["loadavg_before"] = before
    print(
        f"machine: {context['nproc']} CPUs, {context['cpu']}, load {before}; Python {context['python']}; "
        f"{context['database']}",
        flush=True,
    )
    report: dict = {
        "benchmark": "supervision",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            **config_of(args),
            "calls": args.calls,
            "scan_calls": args.scan_calls,
            "database": args.database_url,
        },
    }
    wrong: list[str] = []
    t0 = time.perf_counter()
    setup = run_child(__file__, env, "setup", *_child_args(args), what="the setup")
    report["setup"] = setup
    year, day = setup["year"], setup["event_day"]
    orgs = setup["orgs"]
    print(
        f"data:    {'generated now' if setup['generated'] else 'kept from an earlier run'}"
        f"{f' in {time.perf_counter() - t0:.0f} s' if setup['generated'] else ''}; "
        f"{orgs['districts']} districts × 20 departments, {orgs['centres']} centres × {WINDOWS_PER_CENTRE} windows, "
        f"{orgs['items']} items\n"
        f"  the year {BASE_START} – {BASE_END}: {year['cases']:,} cases, "
        f"{year['case evaluations'] + year['window evaluations']:,} evaluations "
        f"({year['case evaluations']:,} 一事一评, {year['window evaluations']:,} 一次一评), "
        f"{year['差评 tickets']:,} 差评 tickets, {year['materials']:,} materials, "
        f"{year['submit events'] + year['conclude events'] + year['refuse events'] + year['request_supplement events']:,} "
        f"case events, {year['supervision events']:,} supervision events (made in {year['seconds']:.0f} s)",
        flush=True,
    )
    from_year = day["year's cases concluded"]
    events = {
        "evaluations": day["case evaluations"] + day["window evaluations"],
        "cases submitted": day["cases submitted"],
        "cases concluded": from_year + day["cases concluded the same day"],
        "refusals": day["refuse events"],
        "supplement requests": day["request_supplement events"],
        "差评 tickets": day["差评 tickets"],
        "window services": day["window services"],
    }
    report["events"] = events
    print(
        f"  the event day {EVENT_DAY}: {sum(events.values()):,} events = "
        + ", ".join(f"{v:,} {k}" for k, v in events.items())
        + f"\n    (an event: a fact the roll-up counts that day; with them {day['submit events'] + day['conclude events']:,}"
        f" submit/conclude case events, {day['materials']:,} materials, {day['queue ticket events']:,} queue-ticket"
        f" events; {from_year:,} of the conclusions are open cases of the year)",
        flush=True,
    )

    reb = run_child(__file__, env, "rebuild", *_child_args(args), what="the rebuild")
    report["rebuild"] = reb
    print(
        f"\nrollup_rebuild of the year ({reb['days']} days × 4 families): {reb['seconds']:.1f} s "
        f"({reb['seconds'] / reb['days'] * 1000:.0f} ms a day; {reb['queries']:,} queries, {reb['sql_s']:.1f} s in SQL, "
        f"{reb['cpu_s']:.1f} s CPU in Python); {reb['rows']:,} FigureDay rows"
        f"{'' if reb['rebuilt'] else ' — timed on ' + reb['when'] + ', kept (--rebuild to run it again)'}",
        flush=True,
    )
    if reb.get("months_seconds") is not None:
        print(
            f"refresh_months of the year ({reb['months']} months): {reb['months_seconds']:.1f} s", flush=True
        )

    if not args.skip_dashboard:
        dash = run_child(__file__, env, "dashboard", *_child_args(args), what="the dashboard")
        report["dashboard"] = _print_dashboard(dash, args)
        for sc, check in dash["checks"].items():
            if check["differ"]:
                wrong.append(f"{sc} scope, the year: roll-up ≠ raw rows: {check['differ']}")
    if not args.skip_nightly:
        night = run_child(__file__, env, "nightly", *_child_args(args), what="the nightly roll-up")
        report["nightly"] = night
        _print_nightly(night, args)
        if night["check"]["differ"]:
            wrong.append(f"the event day: roll-up ≠ raw rows: {night['check']['differ']}")
    report["wrong"] = wrong
    report["loadavg_after"] = loadavg()
    out = write_json(report, args.json)
    print(f"\nload average after: {report['loadavg_after']}\nresults written to {out}")
    for w in wrong:
        print(f"FAILED: {w}")
    return 1 if wrong else 0


def _print_dashboard(dash: dict, args) -> dict:
    print(
        f"\nthe dashboard's reads, in process ({args.calls} calls each, interleaved; after one warm-up call), "
        f"against scanning the raw rows through psycopg ({args.scan_calls} each):"
    )
    rows, summary, all_ms = [], {}, []
    for key, values in dash["times"].items():
        sc, per, name = key.split("|")
        st = stats(values)
        sc_st = stats(dash["scan"][key])
        all_ms += values
        summary[key] = {
            **st,
            "scan_p50_ms": sc_st["p50_ms"],
            "ratio": sc_st["p50_ms"] / st["p50_ms"],
            "rows": dash["rows"][key],
        }
        rows.append(
            (
                f"{sc} {per} {name}",
                str(dash["rows"][key]),
                _ms(st["p50_ms"]),
                _ms(st["p95_ms"]),
                _ms(st["p99_ms"]),
                _ms(sc_st["p50_ms"]),
                f"{sc_st['p50_ms'] / st['p50_ms']:,.0f}×",
            )
        )
    table(("scope period read", "rows", "p50 ms", "p95 ms", "p99 ms", "scan p50 ms", "scan ÷ roll-up"), rows)
    overall = stats(all_ms)
    worst = max(summary.values(), key=lambda s: s["p95_ms"])
    print(
        f"all reads: p50 {overall['p50_ms']:.1f} ms, p95 {overall['p95_ms']:.1f} ms, p99 {overall['p99_ms']:.1f} ms; "
        f"the slowest read's p95 {worst['p95_ms']:.1f} ms (aim: p95 < 200 ms: "
        f"{'met' if worst['p95_ms'] < 200 else 'MISSED'})"
    )
    for sc, check in dash["checks"].items():
        raw = check["raw"]
        print(
            f"check, {sc} scope, the year: roll-up = raw rows for {len(raw) - len(check['differ'])}/{len(raw)} "
            f"counters ({raw['evaluations']:,} evaluations, {raw['submitted']:,} submitted, {raw['concluded']:,} "
            f"concluded){'' if not check['differ'] else ' DIFFER: ' + str(check['differ'])}"
        )
    return {"reads": summary, "overall": overall, "checks": dash["checks"], "scopes": dash["scopes"]}


def _print_nightly(night: dict, args) -> None:
    print("\nthe nightly roll-up of the event day (watermark before it; rollup_run at 02:00 the next day):")
    for i, r in enumerate(night["runs"]):
        print(
            f"  run {i + 1}: {r['seconds']:.1f} s ({r['queries']:,} queries, {r['sql_s']:.1f} s in SQL, "
            f"{r['cpu_s']:.1f} s CPU in Python); days counted {r['days']}"
        )
    print("  its slowest statements (first run):")
    for s in night["runs"][0]["slowest"][:5]:
        print(f"    {s['ms']:9.1f} ms  {s['sql'][:150]}")
    rows = []
    for family, r in night["recount"].items():
        rows.append(
            (
                family,
                f"{r['seconds']:.2f}",
                f"{r['sql_s']:.2f}",
                str(r["queries"]),
                str(r["rows_written"]),
                f"{r['bound_s']:.2f}",
                f"{r['selects_s']:.2f}",
                f"{r['bound_s'] / r['seconds']:.2f}",
            )
        )
    print(
        f"\nrecount(family, {EVENT_DAY}, today), medians of {args.recount_repeats}; the bound: its statements sent again through psycopg:"
    )
    table(
        ("family", "recount s", "in SQL s", "queries", "rows", "bound s", "SELECTs s", "bound ÷ recount"),
        rows,
    )
    total = sum(r["seconds"] for r in night["recount"].values())
    bound = sum(r["bound_s"] for r in night["recount"].values())
    print(f"  all families: {total:.2f} s, bound {bound:.2f} s, ratio {bound / total:.2f}")
    for family, r in night["recount"].items():
        print(f"  {family}: slowest statements")
        for s in r["slowest"][:3]:
            print(f"    {s['ms']:9.1f} ms  {s['sql'][:150]}")
        for ex in r.get("explain", []):
            print(f"    EXPLAIN ANALYZE {ex['sql'][:200]}")
            for line in ex["plan"][:40]:
                print(f"      {line}")
    check = night["check"]
    raw = check["raw"]
    print(
        f"check, the event day, city scope: roll-up = raw rows for {len(raw) - len(check['differ'])}/{len(raw)} counters "
        f"({raw['evaluations']:,} evaluations, {raw['submitted']:,} submitted, {raw['concluded']:,} concluded)"
        f"{'' if not check['differ'] else ' DIFFER: ' + str(check['differ'])}"
    )


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
