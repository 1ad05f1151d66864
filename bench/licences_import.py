"""Licence import benchmark (issue 5 §2, 归集): ``tongban licences import`` of 1,000,000 generated licences on
PostgreSQL and on SQLite, against a raw load of the same rows; then the holder look-up with 10,000,000
licences on PostgreSQL.

1. Generates ``--rows`` valid licences as JSON Lines (the file ``tongban licences import`` reads): GB/T 36904
   identifiers with their check characters (serials in the three styles issuers use: year + sequence,
   32 hex digits, 20 random letters and digits), holders with valid resident ID numbers (80 %, birth places
   stdnum knows for the birth year) or USCCs (20 %), about 3 licences per holder, 16 issuing departments,
   4 licence types, face data of 150–250 bytes, a status mix and validity dates.
2. PostgreSQL (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/tongban_bench_licence_import``,
   created and migrated when missing; the licence table is emptied first): in one child process, the raw
   COPY limit — ``COPY`` of the same rows (parsed before the timer) into a plain table with a primary key on
   the identifier and an index on the holder code, as in docs/performance/limits.md §3 —, then
   ``import_licences`` of the file (reading, checking, COPY to a temporary table, sorted upsert, commit), the
   same file again (nothing changes), the raw COPY once more, and the signing task over ``--sign-rows``
   licences. The import's rows/s is compared with the mean of the two raw loads of the same run.
3. SQLite (a fresh file, ``--sqlite-path``): a raw ``executemany`` of the same rows into a plain table with
   the same two indexes, then the import and the re-run.
4. Look-up (``<database>_lookup``, kept between runs): ``--lookup-rows`` licences made in SQL from
   generated holders (the licence table's indexes dropped during the load and made again after it), then
   2,000 look-ups of random holders through the ORM: the card bag's query (``holder_kind``, ``holder_code``,
   newest first, with the type) and ``facade.valid_licences_of``: p50/p95/p99, the plan, the sizes.

The aims (issue 5): import ≥ 50,000 rows/s on PostgreSQL and ≥ 20,000 rows/s on SQLite; holder look-up
p99 < 5 ms with 10,000,000 licences. Run it alone on the machine (`flock /tmp/tongban-bench.lock …`): every
figure shares the two cores with the database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/licences_import.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import isolated_environ, migrate, with_suffix  # noqa: E402
from bench.harness.load import percentile  # noqa: E402
from bench.harness.pg import drop_secondary, restore_secondary  # noqa: E402
from bench.harness.report import aim, loadavg, nproc, table, versions, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "licences_import.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_licence_import"
LOOKUP_SUFFIX = "_lookup"
DEFAULT_SQLITE = "/tmp/tongban-bench-licences.sqlite3"
AIM_PG_ROWS_S = 50_000
AIM_SQLITE_ROWS_S = 20_000
AIM_LOOKUP_P99_MS = 5.0
LIMITS_COPY_ROWS_S = 38_705  # docs/performance/limits.md §3: COPY write_row, PK + holder index
CHILD_TIMEOUT = 7200
LOOKUP_GEN_VERSION = 1

# --- the generated licences (parent side: no Django) --------------------------------------------------------
ROOT_CODE = "1.2.156.3005.2"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEP = [[((((p + v) % 36) or 36) * 2) % 37 for v in range(36)] for p in range(37)]
_INDEX = {ch: i for i, ch in enumerate(ALNUM)}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫斌宇浩凯健俊帆旭宁龙林欣悦佳琪雪慧婷晨阳涵诺轩远哲瑶怡博文"
OCCUPATIONS = [
    "电工",
    "焊工",
    "育婴员",
    "养老护理员",
    "中式烹调师",
    "美容师",
    "保安员",
    "汽车维修工",
    "电梯安装维修工",
]
GRADES = ["五级", "四级", "三级", "二级", "一级"]
FIRMS = ["科技", "贸易", "餐饮管理", "建筑工程", "物流", "文化传媒", "医药", "信息技术", "咨询", "服装"]
DISTRICTS = [
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "浦东新区",
    "闵行区",
    "宝山区",
]
STATUS_MIX = [("01", 0.95), ("04", 0.02), ("05", 0.02), ("02", 0.01)]
ENTERPRISE_SHARE = 0.2
REGION_NAME = "上海市（归集基准）"


def uscc_with_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    return body17 + USCC_ALPHABET[(31 - total) % 31]


def mod3736_state(text: str, state: int = 36) -> int:
    for ch in text:
        state = _STEP[state][_INDEX[ch]]
    return state


def mod3736_check(state: int) -> str:
    return ALNUM[(37 - state) % 36]


def organisation_code(body8: str) -> str:
    """An 8-character organisation code body with its GB 11714 check character (USCC characters 9–17)."""
    c9 = 11 - sum(int(ch, 36) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body8 + {10: "X", 11: "0"}.get(c9, str(c9))


# Licence types: (code, name, defining authority, holder kind, face kind).
TYPES = [
    ("111000007178000872010", "职业资格证书", "人力资源和社会保障部", "111", "person"),
    (
        "11100000000013338W032",
        "建筑施工企业安全生产管理人员考核合格证书",
        "住房和城乡建设部",
        "111",
        "person",
    ),
    (uscc_with_check("11100000MB0143257") + "001", "营业执照", "国家市场监督管理总局", "001", "enterprise"),
    (
        uscc_with_check("11100000MB0143257") + "017",
        "食品经营许可证",
        "国家市场监督管理总局",
        "001",
        "enterprise",
    ),
]
# Issuing departments: USCCs whose organisation code (characters 9–17) has its GB 11714 check character.
ISSUERS = [
    (uscc_with_check("11310000" + organisation_code(f"MB2F{k:04d}")), f"上海市第{k}发证机关")
    for k in range(1, 17)
]
PERSON_TYPES = [t for t in TYPES if t[3] == "111"]
HOLDER_KINDS = {t[0]: t[3] for t in TYPES}
ENTERPRISE_TYPES = [t for t in TYPES if t[3] == "001"]


def _valid_places() -> list[tuple[str, int]]:
    """(region, birth year) pairs whose resident ID numbers stdnum accepts (the birth place must exist in
    the birth year)."""
    from stdnum.cn import ric

    regions = [f"3101{n:02d}" for n in range(1, 52)] + ["110101", "110102", "110105", "320102", "330106"]
    found = []
    for region in regions:
        for year in range(1945, 2007):
            body = f"{region}{year}0101001"
            try:
                ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
            except Exception:  # stdnum's InvalidComponent: no such place that year
                continue
            found.append((region, year))
    if not found:
        raise RuntimeError("stdnum knows none of the bench's regions")
    return found


def resident_ids(count: int, seed: int) -> list[str]:
    """``count`` distinct valid resident ID numbers (shuffled)."""
    from stdnum.cn import ric

    places = _valid_places()
    days = [(date(2001, 1, 1) + timedelta(days=d)).strftime("%m%d") for d in range(365)]
    out = []
    span = len(places) * len(days)
    for j in range(count):
        region, year = places[j % len(places)]
        body = f"{region}{year}{days[(j // len(places)) % len(days)]}{(j // span) % 1000:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
    random.Random(seed).shuffle(out)
    return out


def enterprise_usccs(count: int, seed: int) -> list[str]:
    out = [uscc_with_check(f"913101{(j % 15) + 1:02d}" + organisation_code(f"{j:08d}")) for j in range(count)]
    random.Random(seed + 1).shuffle(out)
    return out


def _person_name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2)))


def _company_name(rnd: random.Random) -> str:
    return f"上海{rnd.choice(GIVEN)}{rnd.choice(GIVEN)}{rnd.choice(FIRMS)}有限公司"


def licence_rows(count: int, seed: int):
    """``count`` valid licences as dicts (the file's rows), about 3 per holder."""
    rnd = random.Random(seed)
    holders = max(1, count // 3)
    enterprises = max(1, int(holders * ENTERPRISE_SHARE))
    persons = resident_ids(holders - enterprises, seed)
    companies = enterprise_usccs(enterprises, seed)
    person_names = [_person_name(rnd) for _ in range(min(len(persons), 50_000))]
    company_names = [_company_name(rnd) for _ in range(min(len(companies), 20_000))]
    prefix_state = {}
    statuses, weights = zip(*STATUS_MIX, strict=True)
    epoch = date(2000, 1, 1)
    dates = [(epoch + timedelta(days=d)).isoformat() for d in range(0, 26 * 365)]
    until = [(epoch + timedelta(days=d + 5 * 365 - 1)).isoformat() for d in range(0, 26 * 365)]
    for i in range(count):
        if rnd.random() < ENTERPRISE_SHARE:
            k = rnd.randrange(len(companies))
            holder, name = companies[k], company_names[k % len(company_names)]
            code, _name, _auth, _kind, _face = ENTERPRISE_TYPES[i % len(ENTERPRISE_TYPES)]
            face = {
                "name": name,
                "legal_representative": person_names[k % len(person_names)],
                "registered_capital": f"{rnd.randint(1, 5000)}万元",
                "address": f"上海市{rnd.choice(DISTRICTS)}{rnd.choice(GIVEN)}{rnd.choice(GIVEN)}路{rnd.randint(1, 999)}号",
            }
        else:
            k = rnd.randrange(len(persons))
            holder, name = persons[k], person_names[k % len(person_names)]
            code, _name, _auth, _kind, _face = PERSON_TYPES[i % len(PERSON_TYPES)]
            face = {
                "name": name,
                "occupation": rnd.choice(OCCUPATIONS),
                "grade": rnd.choice(GRADES),
                "training_org": f"上海市{rnd.choice(DISTRICTS)}职业技能培训中心",
            }
        issuer, issuer_name = ISSUERS[i % len(ISSUERS)]
        day = rnd.randrange(len(dates))
        style = i % 3
        if style == 0:
            serial = f"{dates[day][:4]}{i:010d}"
        elif style == 1:
            serial = f"{rnd.getrandbits(128):032X}"
        else:
            serial = "".join(rnd.choices(ALNUM, k=20))
        state = prefix_state.get((code, issuer))
        if state is None:
            state = prefix_state[(code, issuer)] = mod3736_state(code + issuer)
        check = mod3736_check(mod3736_state(serial + "001", state))
        row = {
            "identifier": f"{ROOT_CODE}.{code}.{issuer}.{serial}.001.{check}",
            "number": f"{dates[day][:4]}{i:08d}",
            "holder_code": holder,
            "holder_name": name,
            "issuer_name": issuer_name,
            "issue_date": dates[day],
            "status": rnd.choices(statuses, weights)[0],
            "face": face,
        }
        if rnd.random() < 0.7:
            row["valid_until"] = until[day]
        yield row


def write_jsonl(path: Path, count: int, seed: int) -> dict:
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as fh:
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for row in licence_rows(count, seed):
            fh.write(dumps(row))
            fh.write("\n")
    return {"seconds": time.perf_counter() - started, "bytes": path.stat().st_size}


# --- child side (Django set up) -----------------------------------------------------------------------------
def _prepare_library() -> dict:
    """The issuing departments and licence types of the generated rows (made once)."""
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.facade import organisations_by_uscc
    from tongban.accounts.models import Organisation
    from tongban.accounts.services import organisation_create
    from tongban.licences.models import LicenceType
    from tongban.licences.services import licence_type_create

    parent = Organisation.objects.filter(kind=OrgKind.REGION, name=REGION_NAME).first()
    if parent is None:
        parent = organisation_create(
            actor=None, kind=OrgKind.REGION, name=REGION_NAME, division_code="310000"
        )
    known = organisations_by_uscc([code for code, _n in ISSUERS], kind=OrgKind.DEPARTMENT)
    departments = {}
    for code, name in ISSUERS:
        if code in known:
            departments[code] = known[code][0].uuid
        else:
            departments[code] = str(
                organisation_create(
                    actor=None, kind=OrgKind.DEPARTMENT, name=name, parent=parent, uscc=code
                ).uuid
            )
    for code, name, authority, kind, face_kind in TYPES:
        if LicenceType.objects.filter(code=code).exists():
            continue
        props = (
            {"name": "姓名", "occupation": "职业", "grade": "等级", "training_org": "培训机构"}
            if face_kind == "person"
            else {
                "name": "名称",
                "legal_representative": "法定代表人",
                "registered_capital": "注册资本",
                "address": "住所",
            }
        )
        licence_type_create(
            actor=None,
            code=code,
            name=name,
            define_authority_name=authority,
            holder_kind=kind,
            face_schema={
                "type": "object",
                "properties": {k: {"type": "string", "title": t} for k, t in props.items()},
                "required": ["name"],
            },
            multiple_per_holder=True,
            issuer_department_uuids=list(departments.values()),
        )
    return departments


def _checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _raw_rows(path: str) -> list[tuple]:
    """The file's rows as tuples for the raw loads (parsed before any timer starts)."""
    rows = []
    with open(path, "rb") as fh:
        for line in fh:
            r = json.loads(line)
            rows.append(
                (
                    r["identifier"],
                    r["number"],
                    r["holder_code"],
                    r["holder_name"],
                    r["issuer_name"],
                    r["issue_date"],
                    r["issue_date"],
                    r.get("valid_until"),
                    r["status"],
                    json.dumps(r["face"], ensure_ascii=False, separators=(",", ":")),
                )
            )
    return rows


RAW_COLUMNS = "identifier, number, holder_code, holder_name, issuer_name, issue_date, valid_from, valid_until, status, face"


def _raw_copy(rows: list[tuple]) -> float:
    """rows/s of COPY (write_row) into a plain table with a primary key and a holder index
    (docs/performance/limits.md §3)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_licence")
        cursor.execute(
            "CREATE TABLE bench_raw_licence (identifier text PRIMARY KEY, number text NOT NULL, holder_code text "
            "NOT NULL, holder_name text NOT NULL, issuer_name text NOT NULL, issue_date date NOT NULL, "
            "valid_from date NOT NULL, valid_until date, status text NOT NULL, face jsonb NOT NULL)"
        )
        cursor.execute("CREATE INDEX bench_raw_licence_holder ON bench_raw_licence (holder_code)")
    _checkpoint()
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY bench_raw_licence ({RAW_COLUMNS}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_licence")
    return len(rows) / seconds


def _raw_sqlite(rows: list[tuple], path: str) -> float:
    """rows/s of executemany into a plain SQLite table with the same two indexes, one transaction, WAL."""
    import sqlite3

    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # as the app's settings
        db.execute(
            "CREATE TABLE licence (identifier TEXT PRIMARY KEY, number TEXT, holder_code TEXT, holder_name TEXT, "
            "issuer_name TEXT, issue_date TEXT, valid_from TEXT, valid_until TEXT, status TEXT, face TEXT)"
        )
        db.execute("CREATE INDEX licence_holder ON licence (holder_code)")
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO licence ({RAW_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
        return len(rows) / (time.perf_counter() - started)
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


def _import(path: str) -> dict:
    from tongban.licences.imports import import_licences

    report = import_licences(path, enqueue_signing=False)
    if report.rejected:
        raise RuntimeError(
            f"{report.rejected_count} generated rows were rejected, first: {report.rejected[0]}"
        )
    return {**report.counts(), "seconds": report.seconds, "rows_per_s": report.rows_per_second}


def _sign(limit: int) -> dict | None:
    if not limit:
        return None
    from tongban.licences.signing import licences_sign_unsigned

    started = time.perf_counter()
    result = licences_sign_unsigned(limit=limit)
    seconds = time.perf_counter() - started
    return {**result, "seconds": seconds, "rows_per_s": result["signed"] / seconds if seconds else 0.0}


def _verify_sample(path: str) -> None:
    """The generator's identifiers and holder codes pass the library's own checks (a sample)."""
    from tongban.licences.identifiers import verify_licence_id
    from tongban.licences.services import validate_holder

    with open(path, "rb") as fh:
        for n, line in enumerate(fh):
            if n >= 2000:
                break
            row = json.loads(line)
            if not verify_licence_id(row["identifier"]):
                raise RuntimeError(f"generated identifier does not check: {row['identifier']}")
            validate_holder(HOLDER_KINDS[row["identifier"].split(".")[5]], row["holder_code"])


def child_import(args) -> dict:
    from django.db import connection

    from tongban.licences.models import IssuerKey, Licence

    _prepare_library()
    _verify_sample(args.file)
    rows = _raw_rows(args.file)
    vendor = connection.vendor
    out: dict = {"database": vendor, "rows": len(rows)}
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Licence._meta.db_table} CASCADE")
            # Keys of an earlier run were encrypted under that run's secret key: make new ones.
            cursor.execute(f"DELETE FROM {IssuerKey._meta.db_table}")
            cursor.execute("SHOW server_version")
            out["server_version"] = cursor.fetchone()[0]
            cursor.execute("SHOW max_wal_size")
            out["max_wal_size"] = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            out["shared_buffers"] = cursor.fetchone()[0]
        out["raw_before"] = _raw_copy(rows)
        _checkpoint()
        out["import"] = _import(args.file)
        _checkpoint()
        out["rerun"] = _import(args.file)
        out["raw_after"] = _raw_copy(rows)
    else:
        out["raw_before"] = _raw_sqlite(rows, args.file + ".raw.sqlite3")
        out["import"] = _import(args.file)
        out["rerun"] = _import(args.file)
        out["raw_after"] = _raw_sqlite(rows, args.file + ".raw.sqlite3")
    del rows
    out["sign"] = _sign(args.sign_rows)
    out["licences"] = Licence.objects.count()
    return out


# --- the look-up table ----------------------------------------------------------------------------------------
LOOKUP_META = "bench_licences_meta"


def _lookup_dataset(rows: int, seed: int) -> dict:
    """``rows`` licences made in SQL from generated holders (kept: made again when the count or seed
    differs)."""
    from django.db import connection, transaction

    from tongban.licences.models import Licence, LicenceType

    table = Licence._meta.db_table
    departments = _prepare_library()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {LOOKUP_META} (rows bigint, seed bigint, version int)")
        cursor.execute(f"SELECT rows, seed, version FROM {LOOKUP_META}")
        meta = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {table}")
        have = cursor.fetchone()[0]
    if meta == (rows, seed, LOOKUP_GEN_VERSION) and have == rows:
        return {"made": False, "rows": have}
    timings = {}
    started = time.perf_counter()
    holders = max(1, rows // 3)
    enterprises = int(holders * ENTERPRISE_SHARE)
    codes = [("111", c) for c in resident_ids(holders - enterprises, seed)]
    codes += [("001", c) for c in enterprise_usccs(enterprises, seed)]
    random.Random(seed + 2).shuffle(codes)
    rnd = random.Random(seed)
    timings["holders_generated_s"] = time.perf_counter() - started
    types = {t.code: t.id for t in LicenceType.objects.all()}
    person_types = [types[t[0]] for t in PERSON_TYPES]
    enterprise_types = [types[t[0]] for t in ENTERPRISE_TYPES]
    type_code = {types[t[0]]: t[0] for t in TYPES}
    issuers = [(code, name, departments[code]) for code, name in ISSUERS]
    with transaction.atomic(), connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("DROP TABLE IF EXISTS bench_holders")
        cursor.execute("CREATE TABLE bench_holders (i int PRIMARY KEY, kind text, code text, name text)")
        with cursor.cursor.copy("COPY bench_holders (i, kind, code, name) FROM STDIN") as copy:
            for i, (kind, code) in enumerate(codes):
                copy.write_row((i, kind, code, _person_name(rnd) if kind == "111" else _company_name(rnd)))
        cursor.execute("DROP TABLE IF EXISTS bench_lookup_types")
        cursor.execute("CREATE TABLE bench_lookup_types (kind text, n int, type_id bigint, code text)")
        for kind, ids in (("111", person_types), ("001", enterprise_types)):
            for n, type_id in enumerate(ids):
                cursor.execute(
                    "INSERT INTO bench_lookup_types VALUES (%s, %s, %s, %s)",
                    [kind, n, type_id, type_code[type_id]],
                )
        cursor.execute("DROP TABLE IF EXISTS bench_lookup_issuers")
        cursor.execute("CREATE TABLE bench_lookup_issuers (n int, code text, name text, uuid uuid)")
        for n, (code, name, uuid_) in enumerate(issuers):
            cursor.execute("INSERT INTO bench_lookup_issuers VALUES (%s, %s, %s, %s)", [n, code, name, uuid_])
        timings["holders_copied_s"] = time.perf_counter() - t0
        dropped = {table: drop_secondary(cursor, table)}
        t0 = time.perf_counter()
        # Each licence: holder (i · 7919) mod holders (about 3 each), a type of the holder's kind, one of the
        # issuers, an issue date over 25 years, 70 % with a 5-year validity, 95 % valid. Identifiers have
        # the standard's shape; their check characters are not computed (the look-up does not read them).
        cursor.execute(
            f"""
            INSERT INTO {table} (uuid, identifier, type_id, number, holder_kind, holder_code, holder_name,
                issuer_uuid, issuer_name, issuer_code, area_code, issue_date, valid_from, valid_until, status,
                status_reason, version, serial, current, face, kid, signature, item_code, created_at)
            SELECT gen_random_uuid(),
                   '{ROOT_CODE}.' || t.code || '.' || s.code || '.' || to_char(d.day, 'YYYY') || lpad(g.i::text, 10, '0')
                       || '.001.' || substr('{ALNUM}', 1 + g.i % 36, 1),
                   t.type_id, to_char(d.day, 'YYYY') || lpad(g.i::text, 8, '0'), h.kind, h.code, h.name,
                   s.uuid, s.name, s.code, '', d.day, d.day,
                   CASE WHEN g.i % 10 < 7 THEN d.day + 1825 END,
                   CASE WHEN g.i % 100 < 95 THEN '01' WHEN g.i % 100 < 97 THEN '04' ELSE '05' END,
                   '', 1, to_char(d.day, 'YYYY') || lpad(g.i::text, 10, '0'), true,
                   CASE WHEN h.kind = '111'
                        THEN jsonb_build_object('name', h.name, 'occupation', '电工', 'grade', '三级',
                                                'training_org', '上海市黄浦区职业技能培训中心')
                        ELSE jsonb_build_object('name', h.name, 'legal_representative', '张三',
                                                'registered_capital', (g.i % 5000) || '万元',
                                                'address', '上海市黄浦区人民大道' || (g.i % 999) || '号') END,
                   '', '', '', now()
            FROM generate_series(0, {int(rows) - 1}) AS g(i)
            JOIN bench_holders h ON h.i = (g.i::bigint * 7919) % {len(codes)}
            JOIN bench_lookup_types t ON t.kind = h.kind AND t.n = g.i % 2
            JOIN bench_lookup_issuers s ON s.n = g.i % {len(issuers)}
            CROSS JOIN LATERAL (SELECT date '2000-01-01' + (g.i * 37) % 9125 AS day) d
            """
        )
        timings["rows_inserted_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        restore_secondary(cursor, dropped)
        timings["indexes_made_s"] = time.perf_counter() - t0
        cursor.execute(f"DELETE FROM {LOOKUP_META}")
        cursor.execute(f"INSERT INTO {LOOKUP_META} VALUES (%s, %s, %s)", [rows, seed, LOOKUP_GEN_VERSION])
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("VACUUM (ANALYZE) bench_holders")
    timings["vacuum_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    return {"made": True, "rows": rows, "timings": timings}


def _sizes() -> dict:
    from django.db import connection

    from tongban.licences.models import Licence

    table = Licence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass), pg_total_relation_size(%s::regclass)",
            [table, table, table],
        )
        heap, indexes, total = cursor.fetchone()
        cursor.execute(
            "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass ORDER BY 2 DESC",
            [table],
        )
        per_index = dict(cursor.fetchall())
    return {"table_bytes": heap, "indexes_bytes": indexes, "total_bytes": total, "per_index": per_index}


def child_lookup(args) -> dict:
    from django.db import connection

    from tongban.licences.facade import valid_licences_of
    from tongban.licences.models import Licence

    dataset = _lookup_dataset(args.lookup_rows, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_holders")
        holders = cursor.fetchone()[0]
        rnd = random.Random(args.seed + 3)
        picks = [rnd.randrange(holders) for _ in range(args.lookups + 200)]
        cursor.execute("SELECT i, kind, code FROM bench_holders WHERE i = ANY(%s)", [picks])
        found = {i: (kind, code) for i, kind, code in cursor.fetchall()}
        cursor.execute("SELECT code FROM licences_licencetype")
        type_codes = {row[0] for row in cursor.fetchall()}
    sample = [found[i] for i in picks]

    def card_bag(kind: str, code: str) -> list:
        return list(
            Licence.objects.select_related("type")
            .filter(holder_kind=kind, holder_code=code)
            .order_by("-current", "-issue_date", "-id")
        )

    def valid(kind: str, code: str) -> dict:
        return valid_licences_of(holder_kind=kind, holder_code=code, type_codes=type_codes)

    results = {}
    for label, call in (("card_bag", card_bag), ("valid_licences_of", valid)):
        for kind, code in sample[:200]:  # warm-up
            call(kind, code)
        times, rows = [], 0
        for kind, code in sample[200:]:
            started = time.perf_counter()
            got = call(kind, code)
            times.append((time.perf_counter() - started) * 1000)
            rows += len(got)
        times.sort()
        results[label] = {
            "calls": len(times),
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99),
            "max_ms": times[-1],
            "mean_ms": statistics.fmean(times),
            "rows_per_call": rows / len(times),
        }
    kind, code = sample[-1]
    query = (
        Licence.objects.select_related("type")
        .filter(holder_kind=kind, holder_code=code)
        .order_by("-current", "-issue_date", "-id")
    )
    plan = query.explain(analyze=True, buffers=True)
    return {
        "dataset": dataset,
        "holders": holders,
        "results": results,
        "plan": plan.replace(code, "<holder>"),
        "sizes": _sizes(),
    }


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="licences_import.py --child")
    parser.add_argument("action", choices=["import", "lookup"])
    parser.add_argument("--file", default="")
    parser.add_argument("--sign-rows", type=int, default=0)
    parser.add_argument("--lookup-rows", type=int, default=0)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261127)
    return child_entry(
        parser, argv, lambda args: child_import(args) if args.action == "import" else child_lookup(args)
    )


# --- parent side --------------------------------------------------------------------------------------------
def _environment(database_url: str, var_dir: Path) -> dict:
    extra = {"DJANGO_SETTINGS_MODULE": "tongban.settings", "TONGBAN_TASKS_BACKEND": "immediate"}
    return isolated_environ(database_url, var_dir, extra)


def _child(env: dict, *argv: str) -> dict:
    return run_child(__file__, env, *argv, timeout=CHILD_TIMEOUT)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _print_import(label: str, data: dict, target: int, limits_ratio: bool) -> dict:
    raw = [data["raw_before"], data["raw_after"]]
    raw_mean = statistics.fmean(raw)
    imp, rerun = data["import"], data["rerun"]
    ratio = imp["rows_per_s"] / raw_mean
    raw_label = "raw COPY, PK + holder index" if limits_ratio else "raw executemany, PK + holder index"
    rows = [
        (f"{raw_label} (before / after)", f"{_n(raw[0])} / {_n(raw[1])}", "", "", ""),
        (
            "tongban licences import (first load)",
            _n(imp["rows_per_s"]),
            f"{imp['seconds']:.1f}",
            f"{ratio:.2f}",
            aim(imp["rows_per_s"] >= target),
        ),
        (
            "the same file again (nothing changes)",
            _n(rerun["rows_per_s"]),
            f"{rerun['seconds']:.1f}",
            f"{rerun['rows_per_s'] / raw_mean:.2f}",
            "",
        ),
    ]
    print(f"\n{label}: {data['rows']:,} licences")
    table(("load", "rows/s", "s", "÷ raw", f"aim ≥ {_n(target)}/s"), rows)
    print(
        f"  first load: {imp['imported']:,} imported, {imp['awaiting_signature']:,} await signing; "
        f"again: {rerun['unchanged']:,} unchanged, {rerun['updated']} updated, {rerun['imported']} imported"
    )
    if limits_ratio:
        print(
            f"  import ÷ raw COPY, docs/performance/limits.md §3 ({_n(LIMITS_COPY_ROWS_S)}/s): "
            f"{imp['rows_per_s'] / LIMITS_COPY_ROWS_S:.2f}; server: PostgreSQL {data.get('server_version')}, "
            f"shared_buffers {data.get('shared_buffers')}, max_wal_size {data.get('max_wal_size')}"
        )
    if data.get("sign"):
        s = data["sign"]
        print(
            f"  signing task: {s['signed']:,} signed in {s['seconds']:.1f} s = {_n(s['rows_per_s'])}/s "
            f"(no issuer {s['no_issuer']}, not an issuer {s['not_an_issuer']})"
        )
    return {"raw_mean_rows_per_s": raw_mean, "ratio_to_raw": ratio, "aim_met": imp["rows_per_s"] >= target}


def run(args) -> int:
    report: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "rows": args.rows,
            "lookup_rows": args.lookup_rows,
            "lookups": args.lookups,
            "seed": args.seed,
            "sign_rows": args.sign_rows,
        },
        "machine": {
            "nproc": nproc(),
            "python": sys.version.split()[0],
            "versions": versions(),
            "loadavg_before": loadavg(),
        },
    }
    print(
        f"machine: {report['machine']['nproc']} CPUs, load average {report['machine']['loadavg_before']}, "
        f"Python {report['machine']['python']}, {report['machine']['versions']}"
    )
    with tempfile.TemporaryDirectory(prefix="tongban-bench-licences-") as tmp:
        var_dir = Path(tmp)
        path = var_dir / "licences.jsonl"
        if not (args.skip_pg and args.skip_sqlite):
            generated = write_jsonl(path, args.rows, args.seed)
            report["file"] = generated
            print(
                f"generated {args.rows:,} licences: {generated['bytes'] / 1e6:.0f} MB of JSON Lines "
                f"in {generated['seconds']:.1f} s"
            )
        if not args.skip_pg:
            env = _environment(args.database_url, var_dir)
            migrate(env)
            data = _child(env, "import", "--file", str(path), "--sign-rows", str(args.sign_rows))
            report["postgresql"] = {**data, **_print_import("PostgreSQL", data, AIM_PG_ROWS_S, True)}
        if not args.skip_sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(args.sqlite_path + suffix).unlink(missing_ok=True)
            env = _environment(f"sqlite:///{args.sqlite_path}", var_dir)
            migrate(env)
            data = _child(env, "import", "--file", str(path), "--sign-rows", "0")
            report["sqlite"] = {**data, **_print_import("SQLite", data, AIM_SQLITE_ROWS_S, False)}
            for suffix in ("", "-wal", "-shm"):
                Path(args.sqlite_path + suffix).unlink(missing_ok=True)
        if not args.skip_lookup:
            env = _environment(with_suffix(args.database_url, LOOKUP_SUFFIX), var_dir)
            migrate(env)
            data = _child(
                env,
                "lookup",
                "--lookup-rows",
                str(args.lookup_rows),
                "--lookups",
                str(args.lookups),
                "--seed",
                str(args.seed),
            )
            report["lookup"] = data
            made = data["dataset"]
            if made.get("made"):
                t = made["timings"]
                print(
                    f"\nlook-up table: {args.lookup_rows:,} licences made in {t['total_s']:.0f} s (holders "
                    f"{t['holders_generated_s'] + t['holders_copied_s']:.0f} s, rows {t['rows_inserted_s']:.0f} s, "
                    f"indexes {t['indexes_made_s']:.0f} s, vacuum {t['vacuum_s']:.0f} s)"
                )
            else:
                print(f"\nlook-up table: {made['rows']:,} licences (kept from an earlier run)")
            sizes = data["sizes"]
            print(
                f"  {data['holders']:,} holders; table {sizes['table_bytes'] / 2**30:.2f} GiB, indexes "
                f"{sizes['indexes_bytes'] / 2**30:.2f} GiB: "
                + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in sizes["per_index"].items())
            )
            rows = [
                (
                    name,
                    f"{r['p50_ms']:.2f}",
                    f"{r['p95_ms']:.2f}",
                    f"{r['p99_ms']:.2f}",
                    f"{r['max_ms']:.1f}",
                    f"{r['rows_per_call']:.1f}",
                    aim(r["p99_ms"] < AIM_LOOKUP_P99_MS),
                )
                for name, r in data["results"].items()
            ]
            print(f"holder look-up through the ORM, {args.lookups:,} random holders (after 200 warm-up):")
            table(
                (
                    "query",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "max ms",
                    "rows",
                    f"aim p99 < {AIM_LOOKUP_P99_MS:g} ms",
                ),
                rows,
            )
            print("plan of the card bag's query:")
            for line in data["plan"].splitlines():
                print(f"  {line}")
    report["loadavg_after"] = loadavg()
    out = write_json(report, args.json)
    print(f"\nload average after: {report['loadavg_after']}")
    print(f"results written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_LICENCE_IMPORT_DATABASE_URL",
        DEFAULT_URL,
        f"PostgreSQL database (default {DEFAULT_URL}); created when missing; the look-up part uses the "
        f"same name with {LOOKUP_SUFFIX} appended (kept between runs)",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="licences to import (default 1,000,000)")
    parser.add_argument(
        "--lookup-rows", type=int, default=10_000_000, help="licences for the look-up (default 10,000,000)"
    )
    parser.add_argument("--lookups", type=int, default=2000, help="timed look-ups per query (default 2,000)")
    parser.add_argument(
        "--sign-rows",
        type=int,
        default=20_000,
        help="imported licences the signing task signs, timed (0: skip)",
    )
    parser.add_argument(
        "--sqlite-path", default=DEFAULT_SQLITE, help=f"SQLite file (default {DEFAULT_SQLITE})"
    )
    parser.add_argument("--skip-pg", action="store_true", help="no PostgreSQL import")
    parser.add_argument("--skip-sqlite", action="store_true", help="no SQLite import")
    parser.add_argument("--skip-lookup", action="store_true", help="no look-up part")
    parser.add_argument("--seed", type=int, default=20261127, help="seed of the generated licences")
    cli.add_output_options(parser, RESULTS_PATH, keep=None)
    return parser


def check(args) -> None:
    if args.rows < 1 or args.lookup_rows < 1 or args.lookups < 1 or args.sign_rows < 0:
        raise SystemExit("rows, look-up rows and look-ups must be at least 1; sign rows at least 0")


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
