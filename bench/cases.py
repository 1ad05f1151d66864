"""Cases benchmark: ``POST /api/cases`` throughput over HTTP as a ratio of its bound (the same SQL statements
sent straight through psycopg, no Django) and of the ``GET /api/health`` floor, the reviewer's inbox with
1,000,000 cases in the database, and the supervision task over 1,000,000 open steps.

It prepares the same isolated environment as http_floor.py (migrate, demo data) on PostgreSQL, and in a child
process with that environment's settings:

1. makes ``max(--concurrency)`` bench applicants (persons at real-name level 2, password ``Tongban@2026``)
   and a bench reviewer; removes the cases a previous run posted;
2. generates ``--cases`` cases with their steps by COPY (most delivered or concluded, some thousands open with
   ready or claimed steps spread over the demo departments, due dates around today), from the published demo
   items and bundles — kept on the database and made again when the counts, the seed or the day differ;
3. times the inbox in-process (the selector with its count and page of 20, and ``GET /api/staff/inbox``
   through Django's test Client) and keeps EXPLAIN ANALYZE of its queries;
4. times ``POST /api/cases`` in-process through the WSGI application, captures the statements of one request
   with their parameters as a replayable recipe (``harness/replay.py``: new case number, key and uuids in every
   replay, the case id an earlier statement returned), checks and times its replay through psycopg alone, and
   keeps a cProfile of the requests by part.

Then it starts ``tongban serve`` and measures, with the Python load generator (one thread and persistent
connection per client), ``GET /api/health``, ``POST /api/cases`` (小孩出生一件事, a unique ``Idempotency-Key``
per request, a one-page PDF, the form filled from the bundle's JSON Schema) and the bound (the recipe replayed
on one psycopg connection per client, one transaction per request) at each concurrency, then POST paced at half
the peak rate (open loop), and the inbox over HTTP (API and page).

Last, on a second database (the name with ``_open`` appended) with the same history plus open cases up to
``--open-steps`` open steps, all lights green as before any supervision run, it times the supervision task
(``cases_tick``: deemed acceptance, then ``supervision_update``) twice, and the next working day's run.

The aims: POST ≥ 70 % of its bound's req/s (issue 14; the earlier 25 % of the floor is withdrawn) and p99 <
100 ms at half the peak rate; inbox p95 < 50 ms with 1,000,000 cases; the supervision task over 1,000,000 open
steps < 60 s.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/cases.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import capture as sql_capture  # noqa: E402
from bench.harness import cli  # noqa: E402
from bench.harness import inprocess as ip  # noqa: E402
from bench.harness import replay as sql_replay  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.cpu import cpu_median, cpu_snapshot, cpu_text, with_cpu  # noqa: E402
from bench.harness.env import (  # noqa: E402
    BENCH_KEY_ENCRYPTION_KEY,
    cleanup_env,
    database_name,
    prepare_env,
    with_suffix,
)
from bench.harness.load import measure, python_load  # noqa: E402
from bench.harness.pg import drop_secondary, restore_secondary  # noqa: E402
from bench.harness.report import (  # noqa: E402
    aim,
    finish_report,
    ljust,
    loadavg,
    machine_context,
    merge_problems,
    print_machine,
    print_run,
    stats,
    summarise,
    table,
    width,
)
from bench.harness.server import http_request, running_server  # noqa: E402
from bench.harness.session import http_sender, session_login, wsgi_sender  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "cases.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_cases"
OPEN_SUFFIX = "_open"  # the supervision database: the same history plus open cases up to --open-steps
AIM_BOUND_RATIO = 0.70  # POST /api/cases req/s ÷ its bound's (issue 14 §6)
AIM_HALF_P99_MS = 100.0
AIM_INBOX_P95_MS = 50.0
AIM_SUPERVISION_S = 60.0
CHILD_TIMEOUT = 3600
PASSWORD = "Tongban@2026"  # the demo password
APPLICANT_PREFIX = "bench_applicant_"
REVIEWER = "bench_reviewer"  # a reviewer of the department with the most open steps
DEMO_REVIEWER = "reviewer"  # 黄浦区住房保障和房屋管理局 (demo)
POST_KEY_PREFIX = "bench-post-"
GEN_KEY_PREFIX = "bench-gen-"
BUNDLE_NAME = "小孩出生一件事"
META_TABLE = "bench_cases_meta"
GEN_VERSION = 1
# The login throttle allows 60 attempts per address per hour; every client of this bench logs in from
# 127.0.0.1, and the throttle counts live in the kept database.
# The birth certificates the applicants hold are signed with an issuer key kept encrypted on the database:
# a fixed key-encryption key keeps it readable from one run to the next.
SERVER_ENV = {"TONGBAN_LOGIN_IP_PER_HOUR": "100000", "TONGBAN_KEY_ENCRYPTION_KEYS": BENCH_KEY_ENCRYPTION_KEY}
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own: emptied at the start of a run


# --- values for forms (used on both sides) -------------------------------------------------------------

_PATTERN_CANDIDATES = [
    "13800000001",
    "310101199003071230",
    "91310000MA1FL8XQ2X",
    "200000",
    "沪A12345",
    "A1",
    "1",
]
_TEXT_BY_HINT = [
    ("address", "上海市黄浦区人民大道200号"),
    ("scope", "餐饮服务；食品销售"),
    ("company", "上海示范餐饮管理有限公司"),
    ("project", "人民路100弄3号加装电梯工程"),
    ("reason", "因工作需要申请办理"),
]


def fill_form(schema: dict, name: str = "张三", today: date | None = None) -> dict:
    """A form filled for every property of a JSON Schema (the subset the catalog uses)."""
    today = today or date.today()
    out = {}
    for key, prop in (schema.get("properties") or {}).items():
        out[key] = _fill_value(key, prop, name, today)
    return out


def _fill_value(key: str, prop: dict, name: str, today: date):
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        return fill_form(prop, name, today)
    if kind == "array":
        items = prop.get("items") or {}
        return [_fill_value(key, items, name, today)] if items else []
    if kind == "integer":
        return max(int(prop.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(prop.get("minimum", 10)), 10.0)
    if kind == "boolean":
        return True
    if prop.get("format") == "date":
        return today.isoformat()
    if prop.get("format") == "email":
        return "applicant@example.cn"
    pattern = prop.get("pattern")
    if pattern:
        for candidate in _PATTERN_CANDIDATES:
            if re.search(pattern, candidate):
                return candidate
    if key.endswith("name") and "company" not in key and "project" not in key:
        value = name
    else:
        value = next((text for hint, text in _TEXT_BY_HINT if hint in key), f"{prop.get('title', key)}示例")
    limit = prop.get("maxLength")
    return value[:limit] if limit else value


def pdf_bytes() -> bytes:
    """A valid one-page PDF (what an applicant uploads), made with pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "申请书"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- child side: data (runs with Django set up) ----------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫斌宇浩凯健俊帆旭宁龙林欣悦佳琪雪慧婷晨阳涵诺轩远哲瑶怡博文"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD
)  # base32 (RFC 4648) -> Crockford
NULL = r"\N"

# Status mix of the history (shares): most cases are closed; ~0.9 % are open, 0.6 % in process.
HISTORY_MIX = [
    ("delivered", 0.795),
    ("concluded", 0.145),
    ("refused", 0.02),
    ("withdrawn", 0.03),
    ("in_process", 0.006),
    ("submitted", 0.002),
    ("supplement", 0.001),
    ("returned", 0.001),
]
BUNDLE_SHARE = 0.15  # share of the cases that apply for a bundle (the others for one item)

CASE_COLS = [
    "id",
    "uuid",
    "number",
    "target_kind",
    "target_uuid",
    "name",
    "lead_department_uuid",
    "lead_department_name",
    "applicant_kind",
    "applicant_uuid",
    "applicant_name",
    "submitted_by",
    "idempotency_key",
    "form_data",
    "status",
    "outcome",
    "decision",
    "promised_days",
    "legal_days",
    "submitted_at",
    "supplement_requested_at",
    "supplement_items",
    "accepted_on",
    "acceptance_voucher",
    "deemed_accepted",
    "refusal_reasons",
    "due_on",
    "yellow_on",
    "paused_days",
    "paused_since",
    "concluded_at",
    "actual_days",
    "delivery_method",
    "tracking_number",
    "delivered_at",
    "light",
]
STEP_COLS = [
    "id",
    "case_id",
    "key",
    "name",
    "order",
    "department_uuid",
    "department_name",
    "implementation_code",
    "version_number",
    "budget_days",
    "depends_on",
    "status",
    "started_on",
    "due_on",
    "yellow_on",
    "claimed_by",
    "claimed_by_name",
    "decided_at",
    "opinion",
    "light",
]


def _esc(text: str) -> str:
    """A value for COPY's text format."""
    if any(ch in text for ch in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


_DAY_TEXT: dict[date, str] = {}


def _d(value) -> str:
    """A date in COPY text (memoised: the generator writes a few hundred distinct days millions of times)."""
    if value is None:
        return NULL
    text = _DAY_TEXT.get(value)
    if text is None:
        text = _DAY_TEXT[value] = value.isoformat()
    return text


def _fast_random(seed: int):
    """A seeded random.Random whose randint and choice cost one ``random()`` call (the generator's hot path)."""
    import random

    class FastRandom(random.Random):
        def randint(self, a: int, b: int) -> int:
            return a + int(self.random() * (b - a + 1))

        def choice(self, seq):
            return seq[int(self.random() * len(seq))]

    return FastRandom(seed)


def _extra_columns(model, wanted: list[str]) -> tuple[list[str], list[str]]:
    """Columns of ``model`` the generator does not set (added to the model later): their defaults."""
    from django.db import models

    known = set(wanted)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in known:
            continue
        default = field.get_default()
        if default is None:
            text = NULL
        elif isinstance(field, models.JSONField) or isinstance(default, dict | list):
            text = _esc(json.dumps(default, ensure_ascii=False))
        elif isinstance(default, bool):
            text = "t" if default else "f"
        else:
            text = _esc(str(default))
        columns.append(field.column)
        values.append(text)
    missing = known - {f.column for f in model._meta.concrete_fields}
    if missing:
        raise RuntimeError(f"{model.__name__} has no column(s) {sorted(missing)}: update bench/cases.py")
    return columns, values


def _targets() -> list[dict]:
    """The published demo items and bundles, as the app sees them when one applies."""
    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.facade import application_target
    from tongban.catalog.models import Bundle, ItemVersion

    found = []
    item_uuids = (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .exclude(item__implementation_code__startswith="BENCH-")
        .order_by("item_id")
        .values_list("item__uuid", flat=True)
    )
    refs = [("item", u) for u in item_uuids] + [
        ("bundle", u) for u in Bundle.objects.order_by("id").values_list("uuid", flat=True)
    ]
    for kind, uuid_ in refs:
        target = application_target(kind, uuid_)
        if target is None or not target.steps:
            continue
        form = fill_form(target.form_schema or {}, name="@@NAME@@")
        steps, seen = [], set()
        pending = list(target.steps)
        while pending:  # plan order, every step after the steps it depends on
            ready = [s for s in pending if set(s.depends_on) <= seen] or pending[:1]
            step = ready[0]
            pending.remove(step)
            seen.add(step.key)
            steps.append(
                {
                    "key": step.key,
                    "name": _esc(step.name),
                    "dept": str(step.department_uuid),
                    "dept_name": _esc(step.department_name),
                    "impl": _esc(step.implementation_code),
                    "version": str(step.version_number),
                    "budget": int(step.budget_days),
                    "depends": tuple(step.depends_on),
                    "depends_json": _esc(json.dumps(list(step.depends_on), ensure_ascii=False)),
                }
            )
        found.append(
            {
                "kind": kind,
                "uuid": str(target.uuid),
                "name": _esc(target.name),
                "lead": str(target.lead_department_uuid),
                "lead_name": _esc(target.lead_department_name),
                "promised": int(target.promised_days),
                "legal": int(target.legal_days),
                "applicant_kind": "person" if "person" in target.audience else "enterprise",
                "form": _esc(json.dumps(form, ensure_ascii=False)),
                "steps": steps,
            }
        )
    if not found:
        raise RuntimeError("no published item or bundle: did `tongban demo` run?")
    return found


class _Generator:
    """Case and step rows in COPY text format. ``reset(seed, first_case_id)`` starts a chunk: chunks are
    made in parallel processes, each from its own seed; the popularity of the targets and the staff are the
    same in every chunk. Step ids are left to the database."""

    def __init__(self, targets: list[dict], lights_now: bool, seed: int):
        from django.utils import timezone

        from tongban.cases.deadlines import light_on, yellow_from
        from tongban.core.workdays import previous_working_day, working_days_after

        rng = _fast_random(seed)
        self.today = timezone.localdate()
        offset = timezone.localtime().strftime("%z")  # local times are written with today's UTC offset
        self.offset = f"{offset[:3]}:{offset[3:]}"
        self.lights_now = lights_now  # True: lights as the last supervision run left them; False: green
        self._after, self._before, self._yellow = {}, {}, {}
        self._wd_after, self._prev, self._yellow_from, self.light_on = (
            working_days_after,
            previous_working_day,
            yellow_from,
            light_on,
        )
        items = [t for t in targets if t["kind"] == "item"]
        bundles = [t for t in targets if t["kind"] == "bundle"]
        rng.shuffle(items)
        # A few items take most applications (a Zipf-like popularity), bundles BUNDLE_SHARE of all.
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(items))]
        scale = (1 - BUNDLE_SHARE) / sum(weights) if bundles else 1 / sum(weights)
        self.targets = items + bundles
        cumulative, total = [], 0.0
        for w in [w * scale for w in weights] + [BUNDLE_SHARE / len(bundles)] * len(bundles):
            total += w
            cumulative.append(total)
        self.cumulative = cumulative
        self.rng = rng
        self.staff = [(str(900_000 + i), f"审批人员 {self._name()}") for i in range(300)]
        for target in self.targets:  # the parts of a row that depend on the target (or its step) only
            target["static"] = "\t".join(
                [target["kind"], target["uuid"], target["name"], target["lead"], target["lead_name"]]
            )
            for order, step in enumerate(target["steps"]):
                step["static"] = "\t".join(
                    [
                        step["key"],
                        step["name"],
                        str(order),
                        step["dept"],
                        step["dept_name"],
                        step["impl"],
                        step["version"],
                        str(step["budget"]),
                        step["depends_json"],
                    ]
                )
        self.reset(seed, 1)

    def reset(self, seed, first_case_id: int) -> None:
        self.rng = _fast_random(seed)
        self.case_id = first_case_id - 1
        self.steps = 0
        self.numbers: set[str] = set()
        self.status_counts: dict[str, int] = {}
        self.open_steps = 0
        self.open_by_dept: dict[str, int] = {}
        self.open_case_numbers: dict[str, str] = {}  # department uuid -> an open case number there

    # -- dates --
    def after(self, day: date, n: int) -> date:
        key = (day, n)
        found = self._after.get(key)
        if found is None:
            found = self._after[key] = self._wd_after(day, n)
        return found

    def before(self, day: date, n: int) -> date:
        key = (day, n)
        found = self._before.get(key)
        if found is None:
            found = day
            for _ in range(n):
                found = self._prev(found)
            self._before[key] = found
        return found

    def yellow(self, start: date, due: date, budget: int) -> date:
        key = (start, due, budget)
        found = self._yellow.get(key)
        if found is None:
            found = self._yellow[key] = self._yellow_from(start, due, budget)
        return found

    def at(self, day: date) -> str:
        """A time during office hours of ``day``."""
        minute = self.rng.randint(8 * 60, 20 * 60 - 1)
        return f"{_d(day)} {minute // 60:02d}:{minute % 60:02d}:00{self.offset}"

    # -- values --
    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def _number(self, day: date) -> str:
        rng = self.rng
        while True:
            tail = base64.b32encode(rng.getrandbits(40).to_bytes(5, "big")).decode().translate(_TO_CROCKFORD)
            number = "TB" + _d(day).replace("-", "") + tail
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def pick_target(self) -> dict:
        import bisect

        index = bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.targets[min(index, len(self.targets) - 1)]

    def pick_status(self) -> str:
        r = self.rng.random()
        for status, share in HISTORY_MIX:
            if r < share:
                return status
            r -= share
        return HISTORY_MIX[0][0]

    # -- rows --
    def case(self, status: str, max_open: int | None = None) -> tuple[str, list[str]]:
        """One case of ``status`` and its steps; an in-process case opens at most ``max_open`` steps."""
        rng, today = self.rng, self.today
        target = self.pick_target()
        self.case_id += 1
        case_id = self.case_id
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        promised = target["promised"]
        if status in ("delivered", "concluded", "refused", "withdrawn"):
            submitted_on = today - timedelta(days=rng.randint(7, 730))
        elif status == "submitted":  # younger than the 5 working days after which it counts as accepted
            submitted_on = today - timedelta(days=rng.randint(0, 3))
        else:
            submitted_on = today - timedelta(days=rng.randint(3, 45))
        number = self._number(submitted_on)
        name = self._name()
        outcome = decision = refusal = voucher = ""
        supplement_at = paused_since = concluded_at = delivered_at = NULL
        supplement_items = "[]"
        accepted_on = due_on = yellow_on = None
        actual_days = NULL
        tracking = ""
        light = "green"
        r = rng.random()
        delivery = "online" if r < 0.8 else ("window" if r < 0.95 else "courier")
        steps: list[str] = []
        plan = target["steps"]
        step = self._step
        if status in ("delivered", "concluded"):
            accepted_on = submitted_on if rng.random() < 0.7 else self.after(submitted_on, 1)
            due_on = accepted_on if promised == 0 else self.after(accepted_on, promised)
            yellow_on = self.yellow(accepted_on, due_on, promised)
            late = rng.random() < 0.05
            days = promised + rng.randint(1, 5) if late else rng.randint(0, promised)
            actual_days = str(days)
            concluded_on = min(self.after(accepted_on, days), today)
            concluded_at = self.at(concluded_on)
            approved = rng.random() < 0.95
            outcome = "approved" if approved else "not_approved"
            decision = "准予许可" if approved else "申请材料与实际情况不符，不予许可"
            light = "red" if late else "green"
            voucher = "SL" + number[2:]
            if status == "delivered":
                delivered_at = self.at(min(concluded_on + timedelta(days=rng.randint(0, 3)), today))
                if delivery == "courier":
                    tracking = f"SF{rng.randint(10**11, 10**12 - 1)}"
            refused_at = len(plan) - 1 if not approved else len(plan)
            for order, spec in enumerate(plan):
                if order > refused_at:
                    steps.append(step(case_id, spec, "waiting"))
                    continue
                budget = spec["budget"]
                step_due = self.after(accepted_on, budget)
                steps.append(
                    step(
                        case_id,
                        spec,
                        "passed" if order < refused_at else "returned",
                        accepted_on,
                        step_due,
                        self.yellow(accepted_on, step_due, budget),
                        rng.choice(self.staff),
                        concluded_at,
                        "同意" if order < refused_at else decision,
                    )
                )
        elif status in ("refused", "withdrawn", "submitted", "supplement"):
            if status == "refused":
                refusal = "申请事项依法不属于本行政机关职权范围"
            if status == "supplement":
                supplement_at = self.at(submitted_on)
                supplement_items = '["请补充提交清晰的申请书扫描件"]'
            steps = [step(case_id, spec, "waiting") for spec in plan]
        elif status == "returned":
            accepted_on = submitted_on
            due_on = self.after(accepted_on, promised) if promised else accepted_on
            yellow_on = self.yellow(accepted_on, due_on, promised)
            voucher = "SL" + number[2:]
            for order, spec in enumerate(plan):
                if order == 0:
                    step_due = self.after(accepted_on, spec["budget"])
                    steps.append(
                        step(
                            case_id,
                            spec,
                            "returned",
                            accepted_on,
                            step_due,
                            self.yellow(accepted_on, step_due, spec["budget"]),
                            rng.choice(self.staff),
                            self.at(accepted_on),
                            "申请表信息不完整，请修改后重新提交",
                        )
                    )
                else:
                    steps.append(step(case_id, spec, "waiting"))
        else:  # in_process
            steps, accepted_on = self._open_steps(case_id, plan, max_open, number)
            due_on = accepted_on if promised == 0 else self.after(accepted_on, promised)
            yellow_on = self.yellow(accepted_on, due_on, promised)
            voucher = "SL" + number[2:]
            if rng.random() < 0.01:
                paused_since = _d(self.before(today, rng.randint(1, 5)))
            if self.lights_now:
                light = self.light_on(today, due=due_on, yellow=yellow_on)
        self.steps += len(steps)
        form = target["form"].replace("@@NAME@@", name)
        row = (
            f"{case_id}\t{self._uuid()}\t{number}\t{target['static']}\t{target['applicant_kind']}\t"
            f"{self._uuid()}\t{name}\t{rng.randint(1_000_000, 1_600_000)}\t{GEN_KEY_PREFIX}{case_id:09d}\t"
            f"{form}\t{status}\t{outcome}\t{decision}\t{promised}\t{target['legal']}\t{self.at(submitted_on)}\t"
            f"{supplement_at}\t{supplement_items}\t{_d(accepted_on)}\t{voucher}\tf\t{refusal}\t{_d(due_on)}\t"
            f"{_d(yellow_on)}\t0\t{paused_since}\t{concluded_at}\t{actual_days}\t{delivery}\t{tracking}\t"
            f"{delivered_at}\t{light}"
        )
        return row, steps

    def _open_steps(self, case_id: int, plan: list[dict], max_open: int | None, number: str):
        """Steps of an in-process case: a prefix of the plan passed, the steps whose dependencies have all
        passed open (ready or claimed), the rest waiting. Due dates around today: ~10 % overdue, the others
        due within their budget."""
        rng, today, step = self.rng, self.today, self._step
        passed_count = rng.randint(0, len(plan) - 1) if len(plan) > 1 else 0
        passed = {s["key"] for s in plan[:passed_count]}
        rows, open_count, earliest = [], 0, today
        for spec in plan:
            budget = spec["budget"]
            if spec["key"] in passed:
                started = self.before(today, budget + rng.randint(1, 6))
                due = self.after(started, budget)
                earliest = min(earliest, started)
                rows.append(
                    step(
                        case_id,
                        spec,
                        "passed",
                        started,
                        due,
                        self.yellow(started, due, budget),
                        rng.choice(self.staff),
                        self.at(min(due, today)),
                        "同意",
                    )
                )
            elif set(spec["depends"]) <= passed and (max_open is None or open_count < max_open):
                open_count += 1
                offset = -rng.randint(1, 10) if rng.random() < 0.10 else rng.randint(0, budget)
                due = self.after(today, offset) if offset >= 0 else self.before(today, -offset)
                started = self.before(due, budget)
                earliest = min(earliest, started)
                yellow = self.yellow(started, due, budget)
                light = self.light_on(today, due=due, yellow=yellow) if self.lights_now else "green"
                claimed = rng.random() < 0.4
                rows.append(
                    step(
                        case_id,
                        spec,
                        "claimed" if claimed else "ready",
                        started,
                        due,
                        yellow,
                        rng.choice(self.staff) if claimed else None,
                        light=light,
                    )
                )
                self.open_steps += 1
                self.open_by_dept[spec["dept"]] = self.open_by_dept.get(spec["dept"], 0) + 1
                self.open_case_numbers.setdefault(spec["dept"], number)
            else:
                rows.append(step(case_id, spec, "waiting"))
        return rows, earliest

    @staticmethod
    def _step(
        case_id: int,
        spec: dict,
        status: str,
        started: date | None = None,
        due: date | None = None,
        yellow: date | None = None,
        claimed: tuple[str, str] | None = None,
        decided: str = NULL,
        opinion: str = "",
        light: str = "green",
    ) -> str:
        """A step row (STEP_COLS without the id)."""
        who, name = claimed or (NULL, "")
        return (
            f"{case_id}\t{spec['static']}\t{status}\t{_d(started)}\t{_d(due)}\t{_d(yellow)}\t{who}\t{name}\t"
            f"{decided}\t{opinion}\t{light}"
        )


def _chunk(spec: tuple) -> dict:
    """One chunk of rows, made in a worker process (forked with the generator ready): ``("history", seed,
    first_case_id, count)`` cases of the history mix, or ``("open", seed, first_case_id, quota)`` in-process
    cases with exactly ``quota`` open steps."""
    kind, seed, first_case_id, count = spec
    gen = _POOL["generator"]
    gen.reset(seed, first_case_id)
    cases, steps = [], []
    if kind == "history":
        for _ in range(count):
            row, rows = gen.case(gen.pick_status())
            cases.append(row)
            steps.extend(rows)
    else:
        while gen.open_steps < count:
            row, rows = gen.case("in_process", max_open=count - gen.open_steps)
            cases.append(row)
            steps.extend(rows)
    return {
        "cases": "\n".join(cases) + "\n" if cases else "",
        "steps": "\n".join(steps) + "\n" if steps else "",
        "n_cases": len(cases),
        "n_steps": len(steps),
        "last_case_id": gen.case_id,
        "open_steps": gen.open_steps,
        "status_counts": gen.status_counts,
        "open_by_dept": gen.open_by_dept,
        "open_case_numbers": gen.open_case_numbers,
    }


_POOL: dict = {}  # what forked workers inherit


def _meta(cursor) -> dict:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
    cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")
    row = cursor.fetchone()
    if not row:
        return {}
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


CHUNK = 20_000  # cases per chunk of the history (made in a worker process)
OPEN_CHUNK = 20_000  # open steps per chunk of the in-process cases added for the supervision database


def _ordered(pool, specs: list, window: int):
    """The results of ``_chunk`` over ``specs`` in order, at most ``window`` chunks made ahead."""
    from collections import deque

    pending: deque = deque()
    it = iter(specs)
    for spec in it:
        pending.append(pool.apply_async(_chunk, (spec,)))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().get()
        spec = next(it, None)
        if spec is not None:
            pending.append(pool.apply_async(_chunk, (spec,)))
        yield result


def generate(cases: int, open_steps: int, seed: int, lights_now: bool) -> dict:
    """Replace every case with ``cases`` generated ones (the history mix), then add in-process cases until
    there are ``open_steps`` open steps (0: none added). Rows are made in worker processes and copied in one
    transaction: the secondary indexes and constraints of the case and step tables are dropped, the rows
    copied in, the indexes and constraints made again."""
    import multiprocessing

    from django.db import connection, connections

    from tongban.cases.models import Case, CaseStep

    started = time.perf_counter()
    targets = _targets()
    gen = _Generator(targets, lights_now, seed)
    gen.after(gen.today, 1)  # the working-day calendar, read once before the workers are forked
    case_table, step_table = Case._meta.db_table, CaseStep._meta.db_table
    case_extra, case_extra_values = _extra_columns(Case, CASE_COLS)
    step_cols = [c for c in STEP_COLS if c != "id"]  # step ids come from the table's identity
    step_extra, step_extra_values = _extra_columns(CaseStep, STEP_COLS)
    case_tail = "".join("\t" + v for v in case_extra_values) + "\n"
    step_tail = "".join("\t" + v for v in step_extra_values) + "\n"
    columns = ", ".join(f'"{c}"' for c in CASE_COLS + case_extra)
    step_columns = ", ".join(f'"{c}"' for c in step_cols + step_extra)
    stats = {"cases": 0, "steps": 0, "open": 0, "last_id": 0, "status": {}, "by_dept": {}, "numbers": {}}

    def add(result: dict, copy, step_file) -> None:
        text = result["cases"]
        copy.write(text if case_tail == "\n" else text.replace("\n", case_tail))
        text = result["steps"]
        step_file.write(text if step_tail == "\n" else text.replace("\n", step_tail))
        stats["cases"] += result["n_cases"]
        stats["steps"] += result["n_steps"]
        stats["open"] += result["open_steps"]
        stats["last_id"] = max(stats["last_id"], result["last_case_id"])
        for key, mine in (("status", "status_counts"), ("by_dept", "open_by_dept")):
            for k, v in result[mine].items():
                stats[key][k] = stats[key].get(k, 0) + v
        for k, v in result["open_case_numbers"].items():
            stats["numbers"].setdefault(k, v)

    timings = {}
    workers = max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2, 4))
    connections.close_all()  # the workers are forked: they must not share this process's connection
    _POOL["generator"] = gen
    pool = multiprocessing.get_context("fork").Pool(workers)
    # A connection of its own, opened after the fork, for the one transaction of the load.
    conn = connection.get_new_connection(connection.get_connection_params())
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as step_file, conn.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(f"TRUNCATE {case_table} RESTART IDENTITY CASCADE")
            dropped = {}
            for table in (step_table, case_table):  # the step table's foreign key to the case first
                dropped[table] = drop_secondary(cursor, table, kinds=("u", "f"))
            t0 = time.perf_counter()
            with cursor.copy(f"COPY {case_table} ({columns}) FROM STDIN") as copy:
                history = [
                    ("history", f"{seed}:h{k}", k * CHUNK + 1, min(CHUNK, cases - k * CHUNK))
                    for k in range((cases + CHUNK - 1) // CHUNK)
                ]
                for result in _ordered(pool, history, 2 * workers):
                    add(result, copy, step_file)
                history_open = stats["open"]
                remaining = max(0, open_steps - history_open)
                # In-process cases: each opens at least one step, so a chunk of OPEN_CHUNK open steps has at
                # most OPEN_CHUNK cases, numbered from its own range.
                topup = [
                    (
                        "open",
                        f"{seed}:o{k}",
                        cases + k * OPEN_CHUNK + 1,
                        min(OPEN_CHUNK, remaining - k * OPEN_CHUNK),
                    )
                    for k in range((remaining + OPEN_CHUNK - 1) // OPEN_CHUNK)
                ]
                for result in _ordered(pool, topup, 2 * workers):
                    add(result, copy, step_file)
            timings["copy_cases_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            step_file.seek(0)
            with cursor.copy(f"COPY {step_table} ({step_columns}) FROM STDIN") as copy:
                while chunk := step_file.read(1 << 20):
                    copy.write(chunk)
            timings["copy_steps_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            restore_secondary(cursor, {table: dropped[table] for table in (case_table, step_table)})
            timings["indexes_s"] = time.perf_counter() - t0
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{case_table}', 'id'), %s, true)",
                [max(stats["last_id"], 1)],
            )
            dataset = {
                "version": GEN_VERSION,
                "cases": cases,
                "open_steps_target": open_steps,
                "seed": seed,
                "lights_now": lights_now,
                "made_on": gen.today.isoformat(),
                "total_cases": stats["cases"],
                "total_steps": stats["steps"],
                "max_case_id": stats["last_id"],
                "open_steps": stats["open"],
                "history_open_steps": history_open,
                "status_counts": stats["status"],
                "open_by_dept": stats["by_dept"],
                "open_case_numbers": stats["numbers"],
                "targets": {
                    "items": sum(t["kind"] == "item" for t in targets),
                    "bundles": sum(t["kind"] == "bundle" for t in targets),
                },
                "workers": workers,
            }
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES ('dataset', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(dataset, ensure_ascii=False)],
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
        pool.terminate()
        pool.join()
        _POOL.clear()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:  # what autovacuum would do: statistics and the visibility map
        cursor.execute(f"VACUUM (ANALYZE) {case_table}")
        cursor.execute(f"VACUUM (ANALYZE) {step_table}")
    timings["vacuum_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    dataset["timings"] = timings
    return dataset


def ensure_dataset(cases: int, open_steps: int, seed: int, lights_now: bool) -> dict:
    """The generated data when it matches (counts, seed, made today) and the supervision task has not run on
    it (it rewrites the lights of half the open rows: a table after a reset has free space a freshly loaded
    one has not, so timings would not compare), else made again."""
    from django.db import connection
    from django.utils import timezone

    from tongban.cases.models import Case

    with connection.cursor() as cursor:
        meta = _meta(cursor)
    wanted = {
        "version": GEN_VERSION,
        "cases": cases,
        "open_steps_target": open_steps,
        "seed": seed,
        "lights_now": lights_now,
        "made_on": timezone.localdate().isoformat(),
    }
    reason = next((f"{k} differs" for k, v in wanted.items() if meta.get(k) != v), None)
    if reason is None and meta.get("supervised"):
        reason = "the supervision task ran on it"
    if reason is None:
        present = Case.objects.filter(pk__lte=meta["max_case_id"]).count()
        if present != meta["total_cases"]:
            reason = f"{present} cases present, {meta['total_cases']} expected"
    if reason is None:
        return {**meta, "generated_now": False, "reason": "kept"}
    if not meta:
        reason = "no generated data"
    dataset = generate(cases, open_steps, seed, lights_now)
    return {**dataset, "generated_now": True, "reason": reason}


def remove_posted() -> int:
    """Remove the cases earlier runs of this benchmark posted (their keys start with POST_KEY_PREFIX)."""
    from django.db import connection, transaction

    from tongban.accounts.models import User
    from tongban.cases.models import Case

    users = list(User.objects.filter(username__startswith=APPLICANT_PREFIX).values_list("pk", flat=True))
    if not users:
        return 0
    ids = list(
        Case.objects.filter(submitted_by__in=users, idempotency_key__startswith=POST_KEY_PREFIX).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return 0
    from django.apps import apps

    with transaction.atomic(), connection.cursor() as cursor:
        # Children first: every model of the cases app with a foreign key to the case (steps after the
        # supervision events that point at them).
        models = [m for m in apps.get_app_config("cases").get_models() if m is not Case]
        models.sort(key=lambda m: m.__name__ == "CaseStep")
        for model in models:
            fk = next(
                (f for f in model._meta.concrete_fields if f.is_relation and f.related_model is Case), None
            )
            if fk is not None:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {fk.column} = ANY(%s)", [ids])
        cursor.execute(f"DELETE FROM {Case._meta.db_table} WHERE id = ANY(%s)", [ids])
    return len(ids)


BIRTH_CERTIFICATE_TYPE = "11100000MB0143028R001"  # the demo's 出生医学证明 type (licences/demo.py)


def ensure_users(count: int) -> list[str]:
    """``count`` bench applicants: persons at real-name level 2 with the demo password."""
    from django.utils import timezone

    from tongban.accounts.demo import demo_resident_id
    from tongban.accounts.models import Person, User

    names = []
    for i in range(count):
        username = f"{APPLICANT_PREFIX}{i:02d}"
        names.append(username)
        user = User.objects.filter(username=username).first()
        phone = f"139{i:08d}"
        if user is None:
            user = User.objects.create_user(
                username=username, password=PASSWORD, phone=phone, display_name=f"压测申请人{i:02d}"
            )
        if not Person.objects.filter(user=user).exists():
            Person.objects.create(
                user=user,
                real_name=f"压测申请人{i:02d}",
                id_number=demo_resident_id("310101", "20010101", i),
                phone=phone,
                assurance_level=2,
                register_matched_at=timezone.now(),
            )
    _ensure_birth_certificates(names)
    return names


def _ensure_birth_certificates(usernames: list[str]) -> None:
    """Every bench applicant holds a 出生医学证明 in the e-licence library, so that the bundle's material
    "birth-certificate" is taken from the library (两个免于提交) as for a real parent, not uploaded."""
    from django.conf import settings

    from tongban.accounts.facade import organisation_find
    from tongban.accounts.models import Person
    from tongban.licences.models import Licence, LicenceType
    from tongban.licences.services import licence_issue

    licence_type = LicenceType.objects.filter(code=BIRTH_CERTIFICATE_TYPE).first()
    issuer = organisation_find(kind="department", name=f"{settings.TONGBAN_REGION_NAME}卫生健康委员会")
    if licence_type is None or issuer is None or not issuer.uscc:
        raise RuntimeError("the demo data has no 出生医学证明 licence type or issuing department")
    held = set(Licence.objects.filter(type=licence_type).values_list("holder_code", flat=True))
    missing = Person.objects.filter(user__username__in=usernames).exclude(id_number__in=held)
    if missing.exists():  # the issuer's key made by a run without the fixed key-encryption key: a new one
        ip.usable_signing_key(issuer.uuid, issuer.name, issuer.uscc)
    for person in Person.objects.filter(user__username__in=usernames).exclude(id_number__in=held):
        licence_issue(
            actor=None,
            type_code=BIRTH_CERTIFICATE_TYPE,
            holder_code=person.id_number,
            holder_name=person.real_name,
            issuer_uuid=issuer.uuid,
            issuer_name=issuer.name,
            issuer_code=issuer.uscc,
            face={"name": "压测新生儿", "birth_date": "2026-11-01", "mother": person.real_name},
        )


def ensure_reviewer(department_uuid: str | None) -> dict:
    """The bench reviewer, a reviewer of exactly that department."""
    from tongban.accounts.constants import Role
    from tongban.accounts.models import Organisation, StaffMembership, User

    if not department_uuid:
        return {}
    org = Organisation.objects.get(uuid=department_uuid)
    user = User.objects.filter(username=REVIEWER).first()
    if user is None:
        user = User.objects.create_user(username=REVIEWER, password=PASSWORD, display_name="审批人员 压测")
    StaffMembership.objects.filter(user=user).exclude(organisation=org, role=Role.REVIEWER).delete()
    StaffMembership.objects.get_or_create(user=user, organisation=org, role=Role.REVIEWER)
    return {"username": REVIEWER, "department": org.name, "department_uuid": str(org.uuid)}


def open_steps_by_department() -> list[dict]:
    """Open steps (ready or claimed, of in-process cases) per department, most first: what inboxes hold."""
    from django.db.models import Count

    from tongban.cases.models import CaseStep

    rows = (
        CaseStep.objects.filter(status__in=["ready", "claimed"], case__status="in_process")
        .values("department_uuid", "department_name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [{"uuid": str(r["department_uuid"]), "name": r["department_name"], "open": r["n"]} for r in rows]


def child_setup(args) -> dict:
    from django.db import connection

    from tongban.accounts.actors import actor_for
    from tongban.accounts.facade import Role, staff_department_uuids
    from tongban.accounts.models import User
    from tongban.cases.models import Case, CaseStep

    out = {"removed_posted": remove_posted()}
    if args.cases is not None:
        out["dataset"] = ensure_dataset(args.cases, args.open_steps, args.seed, not args.green)
    else:
        with connection.cursor() as cursor:
            out["dataset"] = _meta(cursor) or None
    out["applicants"] = ensure_users(args.users) if args.users else []
    by_dept = open_steps_by_department()
    out["open_by_department"] = by_dept
    demo = User.objects.filter(username=DEMO_REVIEWER).first()
    out["demo_reviewer"] = DEMO_REVIEWER if demo else None
    # The bench reviewer: the department with the most open steps other than the demo reviewer's.
    taken = set(staff_department_uuids(actor_for(demo), {Role.REVIEWER})) if demo else set()
    top = next((d for d in by_dept if d["uuid"] not in taken), by_dept[0] if by_dept else None)
    out["reviewer"] = ensure_reviewer(top["uuid"] if top else None)
    out["reviewers"] = {
        name: [{"name": d["name"], "open": d["open"]} for d in by_dept if d["uuid"] in uuids]
        for name, uuids in (
            (REVIEWER, {top["uuid"]} if top else set()),
            (DEMO_REVIEWER, taken),
        )
    }
    out["counts"] = {"cases": Case.objects.count(), "steps": CaseStep.objects.count()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s)",
            [Case._meta.db_table, CaseStep._meta.db_table],
        )
        sizes = cursor.fetchone()
    out["sizes_mb"] = {"cases": sizes[0] / 2**20, "steps": sizes[1] / 2**20}
    return out


# --- child side: timing ---------------------------------------------------------------------------------


def inbox_variants(number: str | None) -> list[tuple[str, str]]:
    """(label, query string) of the inbox requests measured; the first is the aim's page."""
    variants = [("page", ""), ("light=red", "light=red"), ("status=claimed", "status=claimed")]
    if number:
        variants.append(("q=<case number>", f"q={number}"))
    variants.append(("q=登记", "q=" + quote("登记")))
    return variants


def _explain(statements) -> list[dict]:
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql, params, ms in statements:
            if not sql.lstrip().upper().startswith("SELECT") or "cases_casestep" not in sql:
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            plans.append({"sql": sql, "params": [str(p) for p in (params or [])], "ms": ms, "plan": plan})
    return plans


def time_inbox(usernames: list[str], calls: int, numbers: dict) -> dict:
    """In-process inbox latency per reviewer and variant: the selector as the API uses it (count and the
    first page of 20) and ``GET /api/staff/inbox?limit=20`` through Django's test Client."""
    from urllib.parse import parse_qsl

    from django.db import connection
    from django.test import Client

    from tongban.accounts.actors import actor_for
    from tongban.accounts.facade import Role, staff_department_uuids
    from tongban.accounts.models import User
    from tongban.cases.selectors import inbox_steps

    out = {}
    for username in usernames:
        user = User.objects.get(username=username)
        actor = actor_for(user)
        departments = staff_department_uuids(actor, {Role.REVIEWER})
        number = next((numbers[d] for d in departments if d in numbers), None)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        per_variant = {}
        for label, query in inbox_variants(number):
            filters = dict(parse_qsl(query))

            def selector(filters=filters, actor=actor):
                qs = inbox_steps(actor=actor, **filters)
                return qs.count(), list(qs[:20])

            url = "/api/staff/inbox?limit=20" + (f"&{query}" if query else "")
            t0 = time.perf_counter()
            count, _rows = selector()
            first_ms = (time.perf_counter() - t0) * 1000.0
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} as {username} answered {response.status_code}")
            for _ in range(3):
                selector()
                client.get(url)
            sel, api = [], []
            for _ in range(calls):
                t0 = time.perf_counter()
                selector()
                sel.append((time.perf_counter() - t0) * 1000.0)
                t0 = time.perf_counter()
                client.get(url)
                api.append((time.perf_counter() - t0) * 1000.0)
            timer = ip.SqlTimer(keep=True)
            with connection.execute_wrapper(timer):
                client.get(url)
            per_variant[label] = {
                "query": query,
                "count": count,
                "first_call_ms": first_ms,
                "selector": stats(sel),
                "api": stats(api),
                "api_queries": timer.queries,
                "api_sql_ms": timer.ms,
                "explain": _explain(timer.statements),
            }
        out[username] = {"departments": len(departments), "variants": per_variant}
    return out


# Where a POST /api/cases spends its time, from a cProfile of it (inclusive ms per request): (label, [(file
# path part, function name), …]). Parts of the application are found by name under tongban/<context>/, so
# that they are found again when a module is split into a package.
POST_PARTS = [
    ip.WHOLE_REQUEST,
    ("  session load (cached_db: Redis, else the database)", [("django/contrib/sessions/backends/", "load")]),
    ("  session user load (auth.get_user)", [("django/contrib/auth/__init__.py", "get_user")]),
    ("  CSRF check", [("django/middleware/csrf.py", "process_view")]),
    ip.NINJA_VIEW,
    ip.NINJA_AUTH,
    ip.NINJA_BODY,
    ("    case_submit", [("tongban/cases/", "case_submit")]),
    ("      request fingerprint (sha256 of the body)", [("tongban/cases/", "request_fingerprint")]),
    ("      application target (kept per process)", [("tongban/catalog/", "application_target")]),
    (
        "      identity, principal, assurance level",
        [
            ("tongban/accounts/", "identity_confirmed"),
            ("tongban/accounts/", "principal_for"),
            ("tongban/accounts/", "assurance_level_of"),
        ],
    ),
    ("      form: JSON Schema validation", [("tongban/", "validate_form")]),
    ("      materials: checks (pypdf)", [("tongban/cases/", "_check_materials")]),
    ("      the applicant's licences (licence read)", [("tongban/cases/", "application_licences")]),
    ("      _create: the rows and the files", [("tongban/cases/", "_create")]),
    ("        steps and materials (bulk_create)", [("django/db/models/query.py", "bulk_create")]),
    ("        files written (storage save)", [("django/core/files/storage/", "save")]),
    ("        licence use recorded", [("tongban/licences/", "record_case_uses")]),
    ("        event and audit record", [("tongban/cases/", "event_record")]),
    ("        message and SMS outbox", [("tongban/cases/", "applicant_tell")]),
    ("      atomic exit: COMMIT and on-commit", [("django/db/transaction.py", "__exit__")]),
    ("        RQ enqueue of the SMS (Redis)", [("django_tasks_rq/backend.py", "enqueue")]),
    ip.NINJA_RESPONSE,
    ip.DB_WAIT,
    ip.ORM_CREATE,
    ip.SQL_COMPILE,
    ("across the request: audit record", [("tongban/core/audit.py", "audit_record")]),
    ("across the request: Redis commands", [("redis/connection.py", "send_packed_command")]),
]


def _statement_label(sql: str, params, many: bool) -> str:
    """``INSERT cases_casestep ×4``, ``SELECT accounts_user`` …"""
    text = " ".join(sql.split())
    verb = text.split(None, 1)[0].upper()
    if verb == "INSERT":
        table = re.search(r'INSERT INTO "?([\w.]+)"?', text)
        rows = ""
        if "UNNEST" in text and params and isinstance(params[0], list | tuple):
            rows = f" ×{len(params[0])}"
        return f"INSERT {table.group(1) if table else '?'}{rows}"
    table = re.search(r'\bFROM "?([\w.]+)"?', text) or re.search(r'^UPDATE "?([\w.]+)"?', text)
    return f"{verb} {table.group(1) if table else text[:40]}{' (executemany)' if many else ''}"


def profile_post(username: str, requests: int, recipe_path: str = "") -> dict:
    """``POST /api/cases`` in-process through the WSGI application (no socket; a real login, its session
    cookie and CSRF token, as the load generator sends them): latency, queries, SQL time and round trips per
    request; the statements of one request captured with their parameters (the bound's recipe, written to
    ``recipe_path``) and replayed through psycopg alone; and a cProfile of the requests by part."""
    from django.db import connection

    from tongban.accounts.models import User
    from tongban.cases.models import Case
    from tongban.catalog.facade import application_target
    from tongban.catalog.models import Bundle

    user = User.objects.get(username=username)
    bundle = Bundle.objects.filter(name=BUNDLE_NAME).first()
    if bundle is None:
        return {"error": f"no bundle {BUNDLE_NAME!r}"}
    target = application_target("bundle", bundle.uuid)
    materials = [{"key": m.key, "required": m.required, "obtained": m.obtained} for m in target.materials]
    bundle_data = {"uuid": str(bundle.uuid), "form_schema": target.form_schema, "materials": materials}
    body = json.dumps(post_body(bundle_data, str(user.person.uuid))).encode()
    call = ip.wsgi_caller()
    headers, _answer = session_login(wsgi_sender(call), username, PASSWORD)
    stamp = f"{POST_KEY_PREFIX}prof-{int(time.time())}"
    counter = iter(range(10**9))

    def post():
        status, content = call(
            "POST", "/api/cases", body, {**headers, "Idempotency-Key": f"{stamp}-{next(counter)}"}
        )
        if status != 201:
            raise RuntimeError(f"POST /api/cases answered {status}: {content[:300]!r}")

    for _ in range(10):
        post()
    cpu = cpu_per_call(post, requests)
    latencies, queries, sql_ms, trips, wait_ms, each = [], [], [], [], [], []
    for _ in range(requests):
        timer = ip.SqlTimer(keep=True)
        with connection.execute_wrapper(timer), ip.RoundTrips() as rt:
            t0 = time.perf_counter()
            post()
            latencies.append((time.perf_counter() - t0) * 1000.0)
        queries.append(timer.queries)
        sql_ms.append(timer.ms)
        trips.append(rt.count)
        wait_ms.append(sum(ms for _label, ms in rt.trips))
        each.append(timer.statements)
    same = [e for e in each if [st[0] for st in e] == [st[0] for st in each[-1]]]
    one = [  # the last request's statements, with the median time of each over the requests like it
        {
            "what": _statement_label(sql, params, False),
            "sql": sql[:160],
            "ms": round(statistics.median(e[k][2] for e in same), 3),
        }
        for k, (sql, params, _ms) in enumerate(each[-1])
    ]
    bound = _bound_in_process(post, recipe_path, requests)
    before = Case.objects.count()
    sql_replay.check(os.environ["DATABASE_URL"], bound["recipe"], times=2)
    if Case.objects.count() != before + 2:
        raise RuntimeError("two replays of the recipe did not make two new cases")
    profile = ip.profile(
        post,
        min(requests, 300),
        45,
        POST_PARTS,
        restrict=r"src/tongban/|pypdf/_reader|jsonschema/validators|core/files/storage|psycopg/connection.py",
    )
    del bound["recipe"]
    return {
        "requests": requests,
        **stats(latencies),
        "queries_median": statistics.median(queries),
        "sql_ms_median": statistics.median(sql_ms),
        "round_trips_median": statistics.median(trips),
        "db_wait_ms_median": statistics.median(wait_ms),
        "round_trips": [{"what": label, "ms": round(ms, 3)} for label, ms in rt.trips],
        "begins": rt.begins,
        "cpu": cpu,
        "statements": one,
        "bound": bound,
        "profile_calls": min(requests, 300),
        "profile_parts": profile["parts"],
        "profile_by_package": profile["by_package"],
        "profile_cumulative": profile["cumulative"],
        "profile_tottime": profile["tottime"],
    }


def cpu_per_call(fn, calls: int) -> dict:
    """CPU milliseconds per call of ``fn``: this process's, and the PostgreSQL backends' of the database (less
    disturbed by other work on the machine than the elapsed time)."""
    from django.db import connection

    dbname = connection.settings_dict["NAME"]
    before, cpu0 = cpu_snapshot(None, dbname), time.process_time()
    for _ in range(calls):
        fn()
    cpu1, after = time.process_time(), cpu_snapshot(None, dbname)
    return {
        "process_ms": (cpu1 - cpu0) * 1000.0 / calls,
        "postgresql_ms": (after["postgresql"] - before["postgresql"]) * 1000.0 / calls,
    }


def _bound_in_process(post, recipe_path: str, requests: int) -> dict:
    """Capture one request's statements, write the recipe, and time its replay through psycopg alone, one
    connection, sequentially (latency and round trips per replay)."""
    statements, made = sql_capture.capture(post)
    recipe = sql_capture.build_recipe(statements, made)
    if recipe_path:
        Path(recipe_path).write_text(json.dumps(recipe, ensure_ascii=False))
    replay = sql_replay.Replay(recipe)
    latencies, trips = [], []
    with sql_replay.connect(os.environ["DATABASE_URL"]) as conn:
        for _ in range(10):
            replay.run(conn)
        cpu = cpu_per_call(lambda: replay.run(conn), requests)
        for _ in range(requests):
            with ip.RoundTrips() as rt:
                t0 = time.perf_counter()
                replay.run(conn)
                latencies.append((time.perf_counter() - t0) * 1000.0)
            trips.append(rt.count)
    return {
        "recipe": recipe,
        "cpu": cpu,
        "statements": [_statement_label(st["sql"], st["params"], st["many"]) for st in statements],
        "fresh": {"uuids": len(recipe["fresh_uuids"]), "values": recipe["fresh_strings"]},
        "dependencies": [
            {
                **d,
                "what": _statement_label(
                    statements[d["statement"]]["sql"], statements[d["statement"]]["params"], False
                ),
            }
            for d in recipe["dependencies"]
        ],
        **stats(latencies),
        "round_trips_median": statistics.median(trips),
    }


def time_supervision() -> dict:
    """Lights back to green and no supervision events (as generated), then the tick three times: the first
    run, the second (must change nothing), and the next working day's."""
    from django.db import connection
    from django.utils import timezone

    from tongban.cases.models import Case, CaseStep, SupervisionEvent
    from tongban.cases.tasks import cases_tick
    from tongban.core.workdays import working_days_after

    case_table, step_table = Case._meta.db_table, CaseStep._meta.db_table
    event_table = SupervisionEvent._meta.db_table
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {event_table}")
        cursor.execute(
            f"UPDATE {step_table} SET light = 'green' WHERE light <> 'green' AND status IN ('ready', 'claimed')"
        )
        reset_steps = cursor.rowcount
        cursor.execute(
            f"UPDATE {case_table} SET light = 'green' WHERE light <> 'green' AND status = 'in_process'"
        )
        reset_cases = cursor.rowcount
        for table in (step_table, case_table, event_table):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    reset_s = time.perf_counter() - t0
    today = timezone.localdate()
    tomorrow = working_days_after(today, 1)

    def expected(day: date) -> dict:
        """What the rules say should turn, counted in SQL (the open steps of unpaused in-process cases)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE s.due_on < %s AND s.light <> 'red'), "
                f"count(*) FILTER (WHERE s.light = 'green' AND s.yellow_on <= %s AND s.due_on >= %s), count(*) "
                f"FROM {step_table} s JOIN {case_table} c ON c.id = s.case_id "
                "WHERE s.status IN ('ready', 'claimed') AND c.status = 'in_process' AND c.paused_since IS NULL",
                [day, day, day],
            )
            step_red, step_yellow, open_steps = cursor.fetchone()
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE due_on < %s AND light <> 'red'), "
                f"count(*) FILTER (WHERE light = 'green' AND yellow_on <= %s AND due_on >= %s), count(*) "
                f"FROM {case_table} WHERE status = 'in_process' AND paused_since IS NULL",
                [day, day, day],
            )
            case_red, case_yellow, open_cases = cursor.fetchone()
        return {
            "step_red": step_red,
            "step_yellow": step_yellow,
            "case_red": case_red,
            "case_yellow": case_yellow,
            "open_steps": open_steps,
            "open_cases": open_cases,
        }

    runs = []
    for label, day in (("first run", today), ("second run", today), ("next working day", tomorrow)):
        want = expected(day)
        timer = ip.SqlTimer(keep=True)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        with connection.execute_wrapper(timer):
            if day == today:
                result = cases_tick.call()
            else:  # the task has no date argument: the same two steps for another day
                from tongban.cases.services import cases_deem_accepted
                from tongban.cases.supervision import supervision_update

                result = {"deemed_accepted": cases_deem_accepted(day), **supervision_update(day)}
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        changed = {k: v for k, v in result.items() if k != "deemed_accepted"}
        by_kind: dict[str, list] = {}
        for sql, _params, ms in timer.statements:
            entry = by_kind.setdefault(sql.split(None, 1)[0].upper(), [0, 0.0])
            entry[0] += 1
            entry[1] += ms / 1000.0
        slowest = sorted(timer.statements, key=lambda st: -st[2])[:5]
        runs.append(
            {
                "label": label,
                "day": day.isoformat(),
                "seconds": seconds,
                "result": result,
                "rows_changed": sum(changed.values()),
                "expected": want,
                "as_expected": all(changed.get(k) == want[k] for k in changed),
                "queries": timer.queries,
                "sql_s": timer.ms / 1000.0,
                "python_cpu_s": cpu,
                "execute_by_kind": {k: {"n": n, "s": sec} for k, (n, sec) in by_kind.items()},
                "slowest": [{"s": ms / 1000.0, "sql": sql[:400]} for sql, _p, ms in slowest],
            }
        )
    with connection.cursor() as cursor:  # the next run makes the data again (see ensure_dataset)
        _meta(cursor)
        cursor.execute(
            f"UPDATE {META_TABLE} SET value = value || '{{\"supervised\": true}}'::jsonb WHERE key = 'dataset'"
        )
    return {
        "reset": {"steps": reset_steps, "cases": reset_cases, "seconds": reset_s},
        "events": SupervisionEvent.objects.count(),
        "runs": runs,
    }


def child_main(argv: list[str]) -> int:
    """``cases.py --child <setup|inbox|profile|supervision> …``: runs with the environment of prepare_env();
    prints one ``RESULT <json>`` line."""
    parser = argparse.ArgumentParser(prog="cases.py --child")
    parser.add_argument("action", choices=["setup", "inbox", "profile", "supervision"])
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--cases", type=int)
    parser.add_argument("--open-steps", type=int, default=0)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--green", action="store_true", help="open lights green (never supervised)")
    parser.add_argument("--reviewers", default="")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--numbers", default="{}")
    parser.add_argument("--user", default="")
    parser.add_argument("--recipe", default="", help="where the profile step writes the replay recipe")

    def step(args) -> dict:
        if args.action == "setup":
            return child_setup(args)
        if args.action == "inbox":
            reviewers = [r for r in args.reviewers.split(",") if r]
            return time_inbox(reviewers, args.calls, json.loads(args.numbers))
        if args.action == "profile":
            return profile_post(args.user, args.calls, args.recipe)
        return time_supervision()

    return child_entry(parser, argv, step)


def child(env: dict, *argv: str) -> dict:
    return run_child(__file__, env, *argv, timeout=CHILD_TIMEOUT)


# --- parent side: HTTP ------------------------------------------------------------------------------------


def login(base_url: str, username: str) -> dict:
    """A session as a browser gets it (harness ``session_login``): the headers every request of this client
    sends, and the login answer under ``_me``."""
    headers, body = session_login(http_sender(base_url), username, PASSWORD)
    return {**headers, "_me": json.loads(body)}


def post_body(bundle: dict, applicant_uuid: str) -> dict:
    """The application: the form filled from the bundle's schema, a PDF for every material to upload."""
    pdf = base64.b64encode(pdf_bytes()).decode()
    return {
        "target_kind": "bundle",
        "target": bundle["uuid"],
        "applicant_kind": "person",
        "applicant": applicant_uuid,
        "form_data": fill_form(bundle["form_schema"], name="压测申请人"),
        "materials": [
            {"key": m["key"], "filename": f"{m['key']}.pdf", "content_base64": pdf}
            for m in bundle["materials"]
            if not m["obtained"]
        ],
        "delivery_method": "online",
    }


def _post_load(base_url, clients, bodies, threads, duration, key_prefix, rate=None) -> dict:
    """POST load with the Python generator (see ``harness.load``): closed loop (``rate`` None) or open loop
    at ``rate`` requests/s. Thread i sends as applicant ``i % len(clients)``, each request with a unique
    ``Idempotency-Key``; any answer but 201 counts as an error."""
    headers, counts = [], [0] * threads
    for session in clients:
        headers.append(
            {
                "Content-Type": "application/json",
                "Accept-Encoding": "identity",
                "Cookie": session["Cookie"],
                "X-CSRFToken": session["X-CSRFToken"],
            }
        )

    def next_request(index: int):
        counts[index] += 1
        key = f"{key_prefix}-{index}-{counts[index]}"
        k = index % len(clients)
        return "POST", "/api/cases", bodies[k], {**headers[k], "Idempotency-Key": key}

    res = python_load(base_url, threads, duration, next_request, _created, rate)
    return {
        "rps": res["rps"],
        "created_per_s": res["statuses"].get("201", 0) / res["elapsed"],
        **{
            k: res[k]
            for k in ("p50_ms", "p99_ms", "service_p50_ms", "service_p99_ms", "requests", "statuses")
        },
        **{k: res[k] for k in ("non_2xx", "socket_errors", "errors", "generator", "target_rate")},
    }


def _created(status: int, _body: bytes) -> str | None:
    return None if status == 201 else str(status)


def http_latency(base_url: str, path: str, headers: dict, calls: int) -> dict:
    """One client, sequential, a new connection per request (as with gunicorn's sync workers)."""
    for _ in range(3):
        http_request(base_url, "GET", path, headers=headers)
    values, errors = [], 0
    for _ in range(calls):
        t0 = time.perf_counter()
        try:
            status, _, _ = http_request(base_url, "GET", path, headers=headers)
        except OSError:
            status = 0
        values.append((time.perf_counter() - t0) * 1000.0)
        errors += status != 200
    return {**stats(values), "errors": errors}


# --- printing ---------------------------------------------------------------------------------------------


def _print_dataset(label: str, setup: dict) -> None:
    data = setup.get("dataset") or {}
    if not data:
        print(f"{label}: no generated cases ({setup['counts']['cases']} cases in the database)")
        return
    t = data.get("timings", {})
    made = (
        f"generated now ({data.get('reason')}) in {t.get('total_s', 0):.1f} s: cases COPY "
        f"{t.get('copy_cases_s', 0):.1f} s, steps COPY {t.get('copy_steps_s', 0):.1f} s, indexes and "
        f"constraints {t.get('indexes_s', 0):.1f} s, VACUUM ANALYZE {t.get('vacuum_s', 0):.1f} s"
        if data.get("generated_now")
        else f"kept from {data.get('made_on')} (same counts and seed)"
    )
    mix = ", ".join(f"{k} {v}" for k, v in sorted(data["status_counts"].items(), key=lambda kv: -kv[1]))
    print(
        f"{label}: {data['total_cases']:,} cases, {data['total_steps']:,} steps, {data['open_steps']:,} open "
        f"steps; {setup['sizes_mb']['cases']:.0f} MB + {setup['sizes_mb']['steps']:.0f} MB; {made}"
    )
    print(f"  status mix: {mix}")
    top = setup["open_by_department"][:4]
    print("  open steps by department: " + ", ".join(f"{d['name']} {d['open']:,}" for d in top) + " …")


def _print_explain(plans: list[dict], lines: int = 30) -> None:
    for plan in plans:
        print(f"    -- {plan['ms']:.2f} ms: {plan['sql'][:150]}…")
        for line in plan["plan"][:lines]:
            print(f"       {line}")


# --- the benchmark ----------------------------------------------------------------------------------------


def _open_url(url: str) -> str:
    return with_suffix(url, OPEN_SUFFIX)


def _redis_env(redis_url: str) -> dict:
    """REDIS_URL for the server, as in production (cache, sessions in front of the database, RQ queue), after
    emptying that Redis database; nothing when ``redis_url`` is empty or Redis does not answer."""
    if not redis_url:
        print("redis: off (--redis-url ''): database cache and sessions, database task queue", flush=True)
        return {}
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.flushdb()
    except redis.RedisError as exc:
        print(f"redis: {redis_url} does not answer ({exc}); going on without it", flush=True)
        return {}
    print(f"redis: {redis_url} (emptied): cache, cached_db sessions and the RQ queue", flush=True)
    return {"REDIS_URL": redis_url}


def run(args: argparse.Namespace) -> int:
    before = loadavg()
    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise ValueError("this benchmark needs PostgreSQL (--database-url postgres://…)")
    extra_env = {**SERVER_ENV, **_redis_env(args.redis_url), **cli.env_pairs(args.env)}
    print(f"preparing an isolated environment ({url}) ...", flush=True)
    env = prepare_env(url, extra_env)
    envs = [env]
    try:
        return _run_in(envs, args, before, extra_env)
    finally:
        for e in envs:
            if args.keep:
                print(f"kept {e['TONGBAN_VAR_DIR']}")
            else:
                cleanup_env(e)


def _run_in(envs: list, args, before, extra_env) -> int:
    env = envs[0]
    context = machine_context(env, args.workers, "python")
    context["loadavg_before"] = before
    concurrency = args.concurrency
    volume = not args.skip_volume
    report: dict = {
        "benchmark": "cases",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "database_url": args.database_url,
            "open_database_url": _open_url(args.database_url) if volume and args.open_steps else None,
            "cases": args.cases if volume else None,
            "open_steps": args.open_steps if volume else None,
            "seed": args.seed,
            "workers": args.workers,
            "concurrency": concurrency,
            "duration_s": args.duration,
            "repeats": args.repeats,
            "warmup_s": args.warmup,
            "inbox_calls": args.inbox_calls,
            "generator": "python",
            "extra_env": extra_env,
        },
        "aims": {
            "post_ratio_to_bound": AIM_BOUND_RATIO,
            "post_p99_at_half_peak_ms": AIM_HALF_P99_MS,
            "inbox_p95_ms": AIM_INBOX_P95_MS,
            "supervision_s": AIM_SUPERVISION_S,
        },
    }
    if args.only_supervision:
        return _run_supervision_only(envs, args, report, extra_env)
    users = max(concurrency)
    step = f"{args.cases:,} cases" if volume else "no volume (--skip-volume)"
    print(f"data: {step}; {users} bench applicants, a bench reviewer ...", flush=True)
    setup_argv = ["setup", "--users", str(users), "--seed", str(args.seed)]
    if volume:
        setup_argv += ["--cases", str(args.cases), "--open-steps", "0"]
    setup = child(env, *setup_argv)
    report["dataset"] = setup
    if setup["removed_posted"]:
        print(f"  removed {setup['removed_posted']} cases posted by an earlier run")
    _print_dataset("  volume database", setup)
    reviewers = [r for r in (setup["reviewer"].get("username"), setup["demo_reviewer"]) if r]
    numbers = (setup.get("dataset") or {}).get("open_case_numbers", {})
    inbox_inproc = None
    if volume and reviewers:
        print(f"inbox in-process: {args.inbox_calls} calls per variant and reviewer ...", flush=True)
        inbox_inproc = child(
            env,
            "inbox",
            "--reviewers",
            ",".join(reviewers),
            "--calls",
            str(args.inbox_calls),
            "--numbers",
            json.dumps(numbers),
        )
        report["inbox_in_process"] = inbox_inproc
    print(
        "POST /api/cases in-process (the WSGI application, one bench applicant): latency, queries, round "
        "trips; its statements captured and replayed through psycopg alone (the bound); a profile ...",
        flush=True,
    )
    recipe_path = Path(env["TONGBAN_VAR_DIR"]) / "post_recipe.json"
    profile = child(
        env,
        "profile",
        "--user",
        setup["applicants"][0],
        "--calls",
        str(args.profile_calls),
        "--recipe",
        str(recipe_path),
    )
    report["post_in_process"] = profile
    recipe = json.loads(recipe_path.read_text())

    print(f"starting `tongban serve` with {args.workers} workers ...", flush=True)
    with running_server(env, args.workers) as (proc, base_url):
        part1 = _http_part(base_url, args, setup, context, env, proc.pid, recipe)
        report.update(part1)
        if volume and reviewers:
            report["inbox_http"] = _inbox_http(base_url, reviewers, args.inbox_calls, numbers)

    supervision, inbox_open = _supervision_part(envs, args, report, extra_env) if volume else (None, None)
    return _summary(report, args, setup, inbox_inproc, profile, supervision, inbox_open, env)


def _run_supervision_only(envs: list, args, report: dict, extra_env: dict) -> int:
    """--only-supervision: the supervision database and the task, without the volume database and HTTP."""
    setup = {"dataset": None, "counts": {}, "sizes_mb": {}, "open_by_department": []}
    supervision, inbox_open = _supervision_part(envs, args, report, extra_env)
    return _summary(report, args, setup, None, None, supervision, inbox_open, envs[0])


def _supervision_part(envs: list, args, report: dict, extra_env: dict) -> tuple:
    """The ``_open`` database (made when needed), the inbox on it, then the supervision task."""
    supervision = setup_open = inbox_open = None
    if args.open_steps:
        open_url = _open_url(args.database_url)
        print(f"preparing the supervision database ({open_url}) ...", flush=True)
        env_open = prepare_env(open_url, extra_env)
        envs.append(env_open)
        print(
            f"data: {args.cases:,} cases of history plus in-process cases up to {args.open_steps:,} open steps "
            "(lights green) ...",
            flush=True,
        )
        setup_open = child(
            env_open,
            "setup",
            "--cases",
            str(args.cases),
            "--open-steps",
            str(args.open_steps),
            "--seed",
            str(args.seed),
            "--green",
        )
        report["open_dataset"] = setup_open
        _print_dataset("  supervision database", setup_open)
        if setup_open["reviewer"]:
            print("inbox in-process on the supervision database (bench reviewer) ...", flush=True)
            inbox_open = child(
                env_open,
                "inbox",
                "--reviewers",
                REVIEWER,
                "--calls",
                str(max(5, args.inbox_calls // 10)),
                "--numbers",
                json.dumps(setup_open["dataset"].get("open_case_numbers", {})),
            )
            report["inbox_in_process_open"] = inbox_open
        print("supervision: reset the lights, then the tick: first run, second run, next working day ...")
        supervision = child(env_open, "supervision")
        report["supervision"] = supervision
    return supervision, inbox_open


def _http_part(base_url: str, args, setup: dict, context: dict, env: dict, pgid: int, recipe: dict) -> dict:
    print("logging in the bench applicants ...", flush=True)
    sessions = []
    for username in setup["applicants"]:
        sessions.append(login(base_url, username))
    status, _, body = http_request(base_url, "GET", "/api/catalog/bundles")
    bundles = json.loads(body) if status == 200 else []
    summary = next((b for b in bundles if b["name"] == BUNDLE_NAME), None)
    if summary is None:
        raise RuntimeError(f"no bundle {BUNDLE_NAME!r} in GET /api/catalog/bundles ({status})")
    status, _, body = http_request(base_url, "GET", f"/api/catalog/bundles/{summary['uuid']}")
    bundle = json.loads(body)
    bodies = [json.dumps(post_body(bundle, s["_me"]["person"]["uuid"])).encode() for s in sessions]
    run_id = f"{POST_KEY_PREFIX}{int(time.time()) % 10**8}"
    status, _, answer = http_request(
        base_url,
        "POST",
        "/api/cases",
        bodies[0],
        {
            "Content-Type": "application/json",
            "Cookie": sessions[0]["Cookie"],
            "X-CSRFToken": sessions[0]["X-CSRFToken"],
            "Idempotency-Key": f"{run_id}-probe",
        },
    )
    probe = {"status": status, "bytes": len(answer)}
    if status != 201:
        raise RuntimeError(f"POST /api/cases probe answered {status}: {answer[:500]!r}")
    probe["steps"] = [s["key"] for s in json.loads(answer)["steps"]]
    print()
    print_machine(context, base_url, args.workers, env)
    print(
        f"load:    generator=python (POST needs a unique Idempotency-Key per request; the floor and the bound "
        f"are loaded with the same generator)  concurrency={args.concurrency}  duration={args.duration}s  "
        f"repeats={args.repeats}  warm-up={args.warmup}s"
    )
    print(
        f"post:    {BUNDLE_NAME} {bundle['uuid']}, {len(json.loads(bodies[0])['materials'])} PDF material(s), "
        f"{len(bodies[0])} bytes of JSON, {len(sessions)} applicants; probe -> {status} steps {probe['steps']}"
    )
    print(
        f"bound:   the {len(recipe['statements'])} statements of one POST replayed through psycopg in one "
        "transaction per request (no Django), as many connections as clients"
    )
    print(flush=True)
    dbname = database_name(args.database_url)
    url = args.database_url
    per_concurrency = {}
    for c in args.concurrency:
        per_concurrency[str(c)] = _loads_at(c, base_url, args, sessions, bodies, run_id, recipe, pgid)
    workers = args.workers
    print(f"  bound at {workers} connections (as many as the server's workers) ...", flush=True)
    conns = sql_replay.connections(url, workers)
    try:
        run = with_cpu(None, dbname, lambda: sql_replay.bound_load(url, recipe, conns, args.duration))
    finally:
        sql_replay.close(conns)
    bound_workers = _summ([run])
    peak_c, peak = max(per_concurrency.items(), key=lambda kv: kv[1]["post"]["rps_median"])
    rate = peak["post"]["rps_median"] / 2
    threads = max(args.concurrency)
    print(f"  POST paced at half the peak ({rate:.1f} req/s, open loop, {threads} threads) ...", flush=True)
    half_runs = []
    for i in range(args.repeats):
        res = _post_load(base_url, sessions, bodies, threads, args.duration, f"{run_id}-h{i}", rate=rate)
        half_runs.append(res)
        tail = f"(service p99 {res['service_p99_ms']:.2f} ms)  errors {res['errors']}"
        print_run("half rate     POST /api/cases ", i, args.repeats, res, tail)
    half = _summ(half_runs)
    half["target_rate"] = rate
    return {
        "post_probe": probe,
        "bundle": {"uuid": bundle["uuid"], "name": bundle["name"]},
        "throughput": per_concurrency,
        "bound_at_workers": {"connections": workers, **bound_workers},
        "peak": {"concurrency": int(peak_c), "rps": peak["post"]["rps_median"]},
        "half_rate": half,
    }


def _loads_at(c: int, base_url: str, args, sessions, bodies, run_id: str, recipe: dict, pgid: int) -> dict:
    """At ``c`` clients, after a warm-up of each: the floor, POST /api/cases and its bound, interleaved,
    ``args.repeats`` times; their summaries and ratios."""
    url, dbname = args.database_url, database_name(args.database_url)
    floor_runs, post_runs, bound_runs = [], [], []
    conns = sql_replay.connections(url, c)
    try:
        if args.warmup > 0:
            measure(base_url + "/api/health", c, args.warmup, "python")
            _post_load(base_url, sessions, bodies, c, args.warmup, f"{run_id}-w{c}")
            sql_replay.bound_load(url, recipe, conns, args.warmup)
        for i in range(args.repeats):
            res = with_cpu(
                pgid, dbname, lambda: measure(base_url + "/api/health", c, args.duration, "python")
            )
            floor_runs.append(res)
            print_run(f"c={c:<3} GET  /api/health", i, args.repeats, res)
            key = f"{run_id}-c{c}r{i}"
            res = with_cpu(
                pgid, dbname, lambda k=key: _post_load(base_url, sessions, bodies, c, args.duration, k)
            )
            post_runs.append(res)
            print_run(
                f"c={c:<3} POST /api/cases ",
                i,
                args.repeats,
                res,
                f"errors {res['errors']} {res['statuses']}",
            )
            res = with_cpu(None, dbname, lambda: sql_replay.bound_load(url, recipe, conns, args.duration))
            bound_runs.append(res)
            print_run(f"c={c:<3} bound (psycopg)  ", i, args.repeats, res)
    finally:
        sql_replay.close(conns)
    floor, post, bound = _summ(floor_runs), _summ(post_runs), _summ(bound_runs)
    post["ratio_to_floor"] = post["rps_median"] / floor["rps_median"] if floor["rps_median"] else 0.0
    post["ratio_to_bound"] = post["rps_median"] / bound["rps_median"] if bound["rps_median"] else 0.0
    bound["ratio_to_floor"] = bound["rps_median"] / floor["rps_median"] if floor["rps_median"] else 0.0
    # With the CPUs saturated, req/s is about the inverse of the CPU time a request takes (server, PostgreSQL,
    # generator): this ratio is what POST÷bound would be on a machine with nothing else running.
    post["cpu_ratio_to_bound"] = _cpu_total(bound) / _cpu_total(post) if _cpu_total(post) else None
    return {"floor": floor, "post": post, "bound": bound}


def _cpu_total(summary: dict) -> float:
    cpu = summary.get("cpu_ms_per_request") or {}
    return sum(cpu.get(k, 0.0) for k in ("server", "postgresql", "postgresql_shared", "generator"))


def _summ(runs: list[dict]) -> dict:
    return summarise(runs, cpu_ms_per_request=cpu_median(runs))


def _inbox_http(base_url: str, reviewers: list[str], calls: int, numbers: dict) -> dict:
    out = {}
    print(f"inbox over HTTP: one client, sequential, {calls} requests per variant ...", flush=True)
    for username in reviewers:
        session = login(base_url, username)
        headers = {"Cookie": session["Cookie"]}
        per = {}
        status, _, body = http_request(base_url, "GET", "/api/staff/inbox?limit=1", headers=headers)
        first = json.loads(body) if status == 200 else {}
        count = first.get("count")
        number = first["items"][0]["number"] if first.get("items") else None
        for label, query in inbox_variants(number):
            path = "/api/staff/inbox?limit=20" + (f"&{query}" if query else "")
            per[f"API {label}"] = {"path": path, **http_latency(base_url, path, headers, calls)}
        status, _, body = http_request(base_url, "GET", "/staff/inbox/", headers=headers)
        page = {"status": status, "bytes": len(body)}
        if status == 200:
            per["page /staff/inbox/"] = {
                "path": "/staff/inbox/",
                **http_latency(base_url, "/staff/inbox/", headers, calls),
            }
        out[username] = {"count": count, "page_probe": page, "variants": per}
    return out


def _summary_post(report, args, profile, failed: list) -> None:
    """The POST throughput part of the summary: the ratios to the bound and to the floor, what one request
    sends to PostgreSQL, where the rest of its time goes."""
    print()
    print(
        "POST /api/cases throughput, ratio to its bound (the same SQL statements through psycopg alone, one "
        "transaction per request) and to the floor (GET /api/health); same run, same generator shape"
    )
    print(
        f"aim: POST ≥ {AIM_BOUND_RATIO:.0%} of the bound; p99 < {AIM_HALF_P99_MS:.0f} ms at half the peak rate "
        "(the earlier aim of 25 % of the floor is withdrawn)"
    )
    print()
    rows = []
    for c, res in report["throughput"].items():
        floor, post, bound = res["floor"], res["post"], res["bound"]
        rows.append(
            (
                c,
                f"{floor['rps_median']:.0f} ({floor['rps_min']:.0f}–{floor['rps_max']:.0f})",
                f"{post['rps_median']:.1f} ({post['rps_min']:.1f}–{post['rps_max']:.1f})",
                f"{post['p50_ms']:.1f}/{post['p99_ms']:.1f}",
                f"{bound['rps_median']:.1f} ({bound['rps_min']:.1f}–{bound['rps_max']:.1f})",
                f"{bound['p50_ms']:.1f}/{bound['p99_ms']:.1f}",
                f"{post['ratio_to_bound']:.3f}",
                "" if post.get("cpu_ratio_to_bound") is None else f"{post['cpu_ratio_to_bound']:.3f}",
                f"{post['ratio_to_floor']:.3f}",
                f"{bound['ratio_to_floor']:.3f}",
                aim(post["ratio_to_bound"] >= AIM_BOUND_RATIO),
                f"{post['non_2xx']} non-201, {post['socket_errors'] + floor['errors'] + bound['errors']} other",
            )
        )
        errors = post["errors"] + floor["errors"] + bound["errors"]
        if errors:
            failed.append(f"c={c}: {errors} errors")
            for why, p in merge_problems(bound["runs"]).items():
                print(f"  c={c} bound: {p['count']} × {why}: {p['sample'][:200]}")
    table(
        (
            "clients",
            "floor req/s",
            "POST req/s (min–max)",
            "p50/p99 ms",
            "bound req/s (min–max)",
            "p50/p99 ms",
            "POST÷bound",
            "by CPU",
            "POST÷floor",
            "bound÷floor",
            "aim",
            "errors",
        ),
        rows,
    )
    at_workers = report["bound_at_workers"]
    best = max(report["throughput"].values(), key=lambda r: r["post"]["rps_median"])["post"]["rps_median"]
    print(
        f"bound with {at_workers['connections']} connections (as many as the server's workers): "
        f"{at_workers['rps_median']:.1f} req/s, p50 {at_workers['p50_ms']:.1f} ms; the best POST is "
        f"{best / at_workers['rps_median']:.3f} of it"
    )
    print("CPU time per request, ms (median of the runs; from /proc):")
    for c, res in report["throughput"].items():
        for label, part in (
            ("GET  /api/health", res["floor"]),
            ("POST /api/cases", res["post"]),
            ("bound", res["bound"]),
        ):
            if part.get("cpu_ms_per_request"):
                print(
                    f"  c={c:<3} {label:<17} {cpu_text(part['cpu_ms_per_request'], server=label != 'bound')}"
                )
    print(
        "  (the bound has no server: its generator is the client that replays the statements through psycopg)"
    )
    print(
        "  by CPU: the bound's CPU time per request (PostgreSQL and its client) ÷ POST's (server, PostgreSQL, "
        "generator): what POST÷bound is with the CPUs to themselves (other work takes them from runs unevenly)"
    )
    half = report["half_rate"]
    ok_half = half["p99_ms"] < AIM_HALF_P99_MS
    peak = report["peak"]
    print()
    print(
        f"peak {peak['rps']:.1f} req/s at {peak['concurrency']} clients; at half the peak "
        f"({half['target_rate']:.1f} req/s offered, {half['rps_median']:.1f} served, open loop): p50 "
        f"{half['p50_ms']:.1f} ms  p99 {half['p99_ms']:.1f} ms  -> {aim(ok_half)}  ({half['errors']} errors)"
    )
    if half["errors"]:
        failed.append(f"half rate: {half['errors']} errors")
    if "error" in profile:
        print(f"in-process POST profile: {profile['error']}")
        return
    _summary_request(profile, args)


def _summary_request(profile: dict, args) -> None:
    """One request: its statements and round trips, against the bound's; where the rest of its time goes."""
    bound = profile["bound"]
    print()
    print(
        f"one POST /api/cases in-process (the WSGI application, no socket; median of {profile['requests']}): "
        f"p50 {profile['p50_ms']:.1f} ms  p95 {profile['p95_ms']:.1f} ms; {profile['queries_median']:g} "
        f"statements, {profile['round_trips_median']:g} round trips (with BEGIN and COMMIT), "
        f"{profile['sql_ms_median']:.1f} ms in cursor.execute, {profile['db_wait_ms_median']:.1f} ms waiting "
        "for PostgreSQL"
    )
    cpu, bound_cpu = profile["cpu"], bound["cpu"]
    print(
        f"CPU per request in-process: Django {cpu['process_ms']:.2f} ms + PostgreSQL {cpu['postgresql_ms']:.2f} ms; "
        f"the bound: psycopg client {bound_cpu['process_ms']:.2f} ms + PostgreSQL {bound_cpu['postgresql_ms']:.2f} "
        f"ms; Django beyond the SQL: {cpu['process_ms'] - bound_cpu['process_ms']:.2f} ms of CPU"
    )
    print(
        f"its bound in-process (the same statements through psycopg, one connection, one transaction): p50 "
        f"{bound['p50_ms']:.1f} ms  p95 {bound['p95_ms']:.1f} ms; {len(bound['statements'])} statements, "
        f"{bound['round_trips_median']:g} round trips; the request spends "
        f"{profile['p50_ms'] - bound['p50_ms']:.1f} ms (p50) beyond its SQL"
    )
    print("  the statements of one request (ms in cursor.execute, median over the requests):")
    for st in profile["statements"]:
        print(f"    {st['ms']:7.3f}  {st['what']}")
    trips = ", ".join(
        f"{t['what']} {t['ms']:.2f}" for t in profile["round_trips"] if not t["what"].startswith("autocommit")
    )
    print(f"  round trips (ms; {profile['begins']} BEGIN sent with the next query): {trips}")
    deps = "; ".join(
        f"{d['what']}.{d['column']} <- statement {d['from'] + 1} RETURNING id" for d in bound["dependencies"]
    )
    print(f"  the replay's dependencies: {deps or 'none'}")
    values = ", ".join(v if len(v) <= 40 else v[:37] + "…" for v in bound["fresh"]["values"])
    print(
        f"  new in every replay: {bound['fresh']['uuids']} uuid(s) (rows' own and request ids) and "
        f"{len(bound['fresh']['values'])} other value(s) ({values}), also inside other strings and JSON"
    )
    print()
    print(
        f"where the request spends its time (cProfile of {profile['profile_calls']} requests: inclusive ms per "
        "request under the profiler, which inflates Python more than waits; share of the whole; calls per request):"
    )
    parts = profile["profile_parts"]
    size = max(width(p["label"]) for p in parts)
    for part in parts:
        calls = "not found" if part["calls_per_call"] is None else f"{part['calls_per_call']:g}×"
        print(
            f"    {ljust(part['label'], size)}  {part['ms_per_call']:7.3f} ms  {part['share']:6.1%}  {calls}"
        )
    print("  own time by package (ms per request under the profiler, share):")
    for row in profile.get("profile_by_package", []):
        print(f"    {row['package']:<28} {row['ms_per_call']:7.3f} ms  {row['share']:6.1%}")
    print("  top of the profile (cumulative):")
    lines = [line for line in profile["profile_cumulative"] if "middleware" not in line]
    for line in lines[: args.profile_lines]:
        print(f"    {line[:160]}")


def _summary(report, args, setup, inbox_inproc, profile, supervision, inbox_open, env) -> int:
    failed = []
    if "throughput" in report:  # not with --only-supervision
        _summary_post(report, args, profile, failed)

    if inbox_inproc is not None:
        print()
        print(
            f"inbox with {report['dataset']['counts']['cases']:,} cases (aim: p95 < {AIM_INBOX_P95_MS:.0f} ms for the "
            "page); ms"
        )
        for name, depts in (report["dataset"].get("reviewers") or {}).items():
            print(f"  {name}: " + ", ".join(f"{d['name']} ({d['open']:,} open steps)" for d in depts))
        print()
        rows = []
        http_part = report.get("inbox_http", {})
        for username, data in inbox_inproc.items():
            for label, v in data["variants"].items():
                h = http_part.get(username, {}).get("variants", {}).get(f"API {label}", {})
                p95 = max(v["api"]["p95_ms"], h.get("p95_ms", 0.0))
                rows.append(
                    (
                        username,
                        f"API {label}",
                        f"{v['count']:,}",
                        f"{h.get('p50_ms', float('nan')):.1f}",
                        f"{h.get('p95_ms', float('nan')):.1f}",
                        f"{h.get('p99_ms', float('nan')):.1f}",
                        f"{v['api']['p50_ms']:.1f}",
                        f"{v['api']['p95_ms']:.1f}",
                        f"{v['selector']['p50_ms']:.1f}",
                        f"{v['api_queries']}/{v['api_sql_ms']:.1f}",
                        aim(p95 < AIM_INBOX_P95_MS),
                    )
                )
                failed += [f"inbox {username} {label}: {h['errors']} errors"] if h.get("errors") else []
            page = http_part.get(username, {}).get("variants", {}).get("page /staff/inbox/")
            probe = http_part.get(username, {}).get("page_probe", {})
            if page:
                rows.append(
                    (
                        username,
                        "page /staff/inbox/",
                        "",
                        f"{page['p50_ms']:.1f}",
                        f"{page['p95_ms']:.1f}",
                        f"{page['p99_ms']:.1f}",
                        "",
                        "",
                        "",
                        "",
                        aim(page["p95_ms"] < AIM_INBOX_P95_MS),
                    )
                )
            elif probe:
                rows.append((username, f"page /staff/inbox/ -> {probe['status']}", "", *[""] * 7, "n/a"))
        table(
            (
                "reviewer",
                "request",
                "open steps",
                "HTTP p50",
                "p95",
                "p99",
                "in-proc p50",
                "p95",
                "selector p50",
                "queries/sql",
                "aim",
            ),
            rows,
            left=2,
        )
        print(
            "(HTTP: one sequential client, a new connection per request; in-proc: the same request through "
            "Django's test Client; selector: inbox_steps + count + first 20 rows; queries/sql: per API request)"
        )
        for username, data in inbox_inproc.items():
            depts = data["departments"]
            v = data["variants"]["page"]
            if v["api"]["p95_ms"] >= AIM_INBOX_P95_MS or args.explain:
                print(f"  EXPLAIN ANALYZE, {username} ({depts} department(s)), the page:")
                _print_explain(v["explain"])
    if inbox_open is not None:
        print()
        total = report["open_dataset"]["dataset"]["open_steps"]
        depts = ", ".join(
            d["name"] for d in (report["open_dataset"].get("reviewers") or {}).get(REVIEWER, [])
        )
        print(
            f"inbox in-process on the supervision database ({total:,} open steps), {REVIEWER} ({depts}); "
            f"{max(5, args.inbox_calls // 10)} calls per request; ms:"
        )
        for label, v in inbox_open[REVIEWER]["variants"].items():
            print(
                f"  API {ljust(label, 18)} {v['count']:>9,} open  in-proc p50 {v['api']['p50_ms']:7.1f}  "
                f"p95 {v['api']['p95_ms']:7.1f}  selector p50 {v['selector']['p50_ms']:7.1f}  "
                f"sql {v['api_sql_ms']:.1f}"
            )
        if args.explain:
            _print_explain(inbox_open[REVIEWER]["variants"]["page"]["explain"])

    if supervision is not None:
        print()
        data = report["open_dataset"]["dataset"]
        print(
            f"supervision task (cases_tick: deemed acceptance + supervision_update) over {data['open_steps']:,} open "
            f"steps, {data['total_cases']:,} cases (aim: < {AIM_SUPERVISION_S:.0f} s); lights reset to green "
            f"first ({supervision['reset']['steps']:,} steps, {supervision['reset']['cases']:,} cases, "
            f"{supervision['reset']['seconds']:.1f} s)"
        )
        print()
        rows = []
        for r in supervision["runs"]:
            res, want = r["result"], r["expected"]
            rows.append(
                (
                    r["label"],
                    r["day"],
                    f"{r['seconds']:.1f}",
                    f"{r.get('python_cpu_s', float('nan')):.1f}",
                    f"{r['sql_s']:.1f}",
                    str(r["queries"]),
                    f"{res.get('step_red', 0):,}/{res.get('step_yellow', 0):,}",
                    f"{res.get('case_red', 0):,}/{res.get('case_yellow', 0):,}",
                    f"{r['rows_changed']:,}",
                    str(res.get("deemed_accepted", "")),
                    "yes" if r["as_expected"] else f"NO (want {want})",
                    aim(r["seconds"] < AIM_SUPERVISION_S),
                )
            )
        table(
            (
                "run",
                "day",
                "seconds",
                "Python CPU",
                "in execute",
                "queries",
                "steps red/yellow",
                "cases red/yellow",
                "rows changed",
                "deemed",
                "as the rules say",
                "aim",
            ),
            rows,
        )
        print(
            "(Python CPU: the task's process; the rest of the time it waits for PostgreSQL. in execute: time in "
            "cursor.execute — the fetches of the server-side cursors that iterate the rows are not in it)"
        )
        for r in supervision["runs"]:
            if r["seconds"] < AIM_SUPERVISION_S:
                continue
            kinds = ", ".join(
                f"{k} {v['n']}× {v['s']:.1f} s"
                for k, v in sorted(r["execute_by_kind"].items(), key=lambda kv: -kv[1]["s"])
            )
            print(f"  {r['label']}: execute time by statement: {kinds}; slowest:")
            for st in r["slowest"][:3]:
                print(f"    {st['s']:6.1f} s  {st['sql'][:200]}…")
        print(f"supervision events after the runs: {supervision['events']:,}")
        second = supervision["runs"][1]
        if second["rows_changed"]:
            failed.append(f"the second supervision run changed {second['rows_changed']} rows")

    finish_report(report, env, args.json)
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_CASES_DATABASE_URL",
        DEFAULT_URL,
        f"PostgreSQL database (default {DEFAULT_URL}); created when missing and kept; the supervision "
        f"part uses the same name with {OPEN_SUFFIX} appended",
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="generated cases (default 1,000,000)")
    parser.add_argument(
        "--open-steps",
        type=int,
        default=1_000_000,
        help="open steps for the supervision task (default 1,000,000; 0: skip)",
    )
    parser.add_argument("--seed", type=int, default=20261204, help="seed of the generated cases")
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis for the server as in production, emptied first (default {DEFAULT_REDIS_URL}; '' for none)",
    )
    parser.add_argument(
        "--skip-volume", action="store_true", help="only the POST throughput (no generated data)"
    )
    parser.add_argument(
        "--only-supervision",
        action="store_true",
        help="only the supervision database and task (no volume database, no HTTP)",
    )
    cli.add_load_options(parser, [8, 16, 32], per="concurrency")
    parser.add_argument(
        "--inbox-calls", type=int, default=100, help="inbox requests per variant (default 100)"
    )
    parser.add_argument("--profile-calls", type=int, default=100, help="in-process POSTs timed (default 100)")
    parser.add_argument("--profile-lines", type=int, default=25, help="profile lines printed (default 25)")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the inbox even when fast"
    )
    cli.add_output_options(
        parser, RESULTS_PATH, keep="the temporary var dirs (server.log, the replay recipe)"
    )
    return parser


def check(args) -> None:
    cli.check_args(
        args,
        positive=("workers", "duration", "repeats", "inbox_calls", "profile_calls"),
        at_least_zero=("cases", "open_steps", "warmup"),
    )
    if max(args.concurrency) > 99:
        raise SystemExit("at most 99 clients")


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
