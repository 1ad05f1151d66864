"""Catalog benchmark: search latency over ~5,000 generated published items, and the item and bundle pages'
req/s as a ratio of the ``GET /api/health`` floor in the same run.

`make bench` runs this file after http_floor.py. It prepares the same isolated environment as http_floor.py
(demo data; SQLite by default, or the PostgreSQL database given by --database-url / BENCH_DATABASE_URL), then
adds ``--items`` published item versions with realistic Chinese names (department objects × actions such as
登记/变更登记/注销登记/备案/核发/核准 × qualifiers) and their stored search text, in a child process with the
environment's settings. It measures:

1. search latency in-process: ``tongban.catalog.services.catalog_search`` (what the API calls) with the count
   and the first page of 20, p50/p95/p99 over a fixed mix of queries (Chinese words, full pinyin, initials,
   several terms, a miss), the queries and SQL time per search, the first call of a process apart; also at a
   few smaller catalog sizes on the way to ``--items`` (how the latency grows with the data);
2. search latency over HTTP: ``GET /api/catalog/items?q=…&limit=20``, one client, sequential, p50/p95;
3. req/s, p50, p99 and the ratio to the floor, under load (wrk or the Python generator of http_floor.py),
   of ``GET /api/health``, the item guide and bundle API, the item and bundle portal pages (when they answer
   200) and a narrow and a broad search.

The aim (issue 3): search p95 < 50 ms over 5,000 items.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/catalog.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import cleanup_env, prepare_env  # noqa: E402
from bench.harness.inprocess import SqlTimer  # noqa: E402
from bench.harness.load import load_generator, percentile  # noqa: E402
from bench.harness.report import (  # noqa: E402
    add_ratio,
    aim,
    finish_report,
    loadavg,
    machine_context,
    print_endpoints,
    print_load_line,
    print_machine,
    table,
)
from bench.harness.server import http_get, probe, running_server  # noqa: E402
from bench.http_floor import measure_endpoints  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "catalog.json"
AIM_P95_MS = 50.0
CHILD_TIMEOUT = 1800  # seconds for one generation + in-process measurement step
CODE_PREFIX = (
    "BENCH-"  # implementation codes of the generated items (a re-run on a kept database replaces them)
)
BUNDLE_NAME = "开办企业一件事（基准测试）"

# The fixed query mix: (query, what it exercises).
QUERIES = [
    ("营业执照", "Chinese word"),
    ("登记", "broad Chinese word"),
    ("许可", "broad Chinese word"),
    ("yingyezhizhao", "full pinyin"),
    ("dengji", "broad full pinyin"),
    ("yyzz", "initials"),
    ("kbqy", "initials (theme 开办企业)"),
    ("食品 许可", "two terms"),
    ("不动产 转移 登记", "three terms"),
    ("公安局 证明", "department + word"),
    ("医保", "Chinese word (keyword)"),
    ("火星移民签证", "no hit (recorded as a miss)"),
]
NARROW_QUERY, BROAD_QUERY = "yyzz", "登记"


# --- generated catalog (runs in the child process, with Django set up) ---------------------------------

# Objects by department short name (the demo departments without the region name): (object, action class, synonyms,
# person themes, enterprise themes, service objects).
L, R, S = "licence", "registration", "service"
OBJECTS = {
    "市场监督管理局": [
        ("营业执照", R, ["工商执照", "开公司"], [], ["开办企业"], ["2"]),
        ("食品经营许可证", L, ["开餐馆", "餐饮许可"], [], ["经营许可"], ["2"]),
        ("食品生产许可证", L, ["食品厂"], [], ["经营许可"], ["2"]),
        ("特种设备使用", R, ["电梯登记", "锅炉"], [], ["经营许可"], ["2"]),
        ("计量器具型式批准", L, ["计量"], [], ["经营许可"], ["2"]),
        ("医疗器械经营许可证", L, ["医疗器械"], [], ["经营许可"], ["2"]),
        ("广告发布", R, ["广告"], [], ["经营许可"], ["2"]),
        ("个体工商户", R, ["个体户", "小店"], [], ["开办企业"], ["1"]),
        ("农民专业合作社", R, ["合作社"], [], ["开办企业"], ["2"]),
        ("企业名称", R, ["公司名称", "核名"], [], ["开办企业"], ["2"]),
    ],
    "税务局": [
        ("税务", R, ["报税"], [], ["税务"], ["2"]),
        ("增值税发票", S, ["开票", "发票"], [], ["税务"], ["2"]),
        ("个人所得税", S, ["个税"], [], [], ["1"]),
        ("车辆购置税", S, ["购置税", "买车"], [], ["税务"], ["1", "2"]),
        ("出口退税", S, ["退税"], [], ["税务"], ["2"]),
        ("纳税信用", S, ["纳税等级"], [], ["税务"], ["2"]),
        ("完税证明", S, ["纳税证明"], [], ["税务"], ["1", "2"]),
    ],
    "公安局": [
        ("户口", R, ["户籍", "落户"], ["出生"], [], ["1"]),
        ("居民身份证", L, ["身份证"], [], [], ["1"]),
        ("居住证", L, ["暂住证"], ["住房"], [], ["1"]),
        ("机动车", R, ["汽车上牌", "车牌"], [], [], ["1", "2"]),
        ("机动车驾驶证", L, ["驾照"], [], [], ["1"]),
        ("出入境证件", L, ["护照", "港澳通行证"], [], [], ["1"]),
        ("养犬", R, ["狗证"], [], [], ["1"]),
        ("公章刻制", R, ["刻章", "印章"], [], ["开办企业"], ["2"]),
        ("保安服务许可证", L, ["保安公司"], [], ["经营许可"], ["2"]),
        ("无犯罪记录证明", S, ["良民证"], ["就业"], [], ["1"]),
    ],
    "人力资源和社会保障局": [
        ("社会保险", S, ["社保", "五险"], ["社保"], ["社保登记"], ["1", "2"]),
        ("就业", R, ["找工作"], ["就业"], [], ["1"]),
        ("职业资格证书", L, ["职业证书"], ["就业"], [], ["1"]),
        ("人力资源服务许可证", L, ["职业中介"], [], ["经营许可"], ["2"]),
        ("劳务派遣经营许可证", L, ["劳务派遣"], [], ["经营许可"], ["2"]),
        ("失业保险金", S, ["失业金"], ["就业", "社保"], [], ["1"]),
        ("职业技能等级证书", L, ["技能证书"], ["就业"], [], ["1"]),
        ("社会保障卡", L, ["社保卡"], ["社保"], [], ["1"]),
        ("养老保险", S, ["养老金", "退休"], ["养老", "社保"], [], ["1"]),
    ],
    "医疗保障局": [
        ("医疗保险", S, ["医保"], ["医疗", "社保"], [], ["1"]),
        ("异地就医", S, ["外地看病"], ["医疗"], [], ["1"]),
        ("医疗费用", S, ["报销"], ["医疗"], [], ["1"]),
        ("门诊特殊病", R, ["慢特病", "门特"], ["医疗"], [], ["1"]),
        ("生育保险", S, ["生育津贴"], ["出生", "医疗"], [], ["1"]),
        ("定点医药机构", R, ["医保定点"], [], ["经营许可"], ["2"]),
    ],
    "住房和城乡建设管理委员会": [
        ("建筑工程施工许可证", L, ["施工证"], [], ["工程建设"], ["2"]),
        ("建筑业企业资质", L, ["建筑资质"], [], ["工程建设"], ["2"]),
        ("燃气经营许可证", L, ["燃气"], [], ["经营许可"], ["2"]),
        ("商品房预售许可证", L, ["预售证", "买房"], ["住房"], ["工程建设"], ["2"]),
        ("物业服务", R, ["物业"], ["住房"], [], ["1", "2"]),
        ("住房公积金", S, ["公积金"], ["住房"], [], ["1"]),
        ("建设工程竣工验收", R, ["竣工验收"], [], ["工程建设"], ["2"]),
    ],
    "规划和自然资源局": [
        ("不动产", R, ["房产", "房产证"], ["住房"], [], ["1", "2"]),
        ("建设用地规划许可证", L, ["用地许可"], [], ["工程建设"], ["2"]),
        ("建设工程规划许可证", L, ["规划许可"], [], ["工程建设"], ["2"]),
        ("国有土地使用权", R, ["土地证"], [], ["工程建设"], ["2"]),
        ("测绘资质", L, ["测绘"], [], ["经营许可"], ["2"]),
        ("不动产权证书", L, ["房产证"], ["住房"], [], ["1", "2"]),
    ],
    "卫生健康委员会": [
        ("医师执业", R, ["医生执业"], ["就业"], [], ["1"]),
        ("护士执业", R, ["护士证"], ["就业"], [], ["1"]),
        ("医疗机构执业许可证", L, ["诊所", "开医院"], [], ["经营许可"], ["2"]),
        ("公共场所卫生许可证", L, ["卫生许可"], [], ["经营许可"], ["2"]),
        ("放射诊疗许可证", L, ["放射"], [], ["经营许可"], ["2"]),
        ("出生医学证明", L, ["出生证"], ["出生"], [], ["1"]),
        ("母婴保健技术服务", L, ["母婴"], ["出生", "医疗"], [], ["2"]),
    ],
    "民政局": [
        ("婚姻", R, ["结婚", "离婚"], ["婚姻"], [], ["1"]),
        ("社会团体", R, ["社团", "协会"], [], [], ["4"]),
        ("民办非企业单位", R, ["民非"], [], [], ["4"]),
        ("养老机构", R, ["养老院"], ["养老"], ["经营许可"], ["2", "4"]),
        ("最低生活保障", S, ["低保"], ["社保"], [], ["1"]),
        ("残疾人两项补贴", S, ["残疾人补贴"], ["社保"], [], ["1"]),
        ("殡葬服务", S, ["丧葬"], ["养老"], [], ["1"]),
    ],
    "教育委员会": [
        ("民办学校办学许可证", L, ["办学许可", "民办学校"], ["教育"], [], ["2", "4"]),
        ("教师资格", R, ["教师证"], ["教育", "就业"], [], ["1"]),
        ("校外培训机构", R, ["培训班"], ["教育"], ["经营许可"], ["2"]),
        ("学籍", R, ["转学", "学籍档案"], ["教育"], [], ["1"]),
        ("义务教育入学", R, ["上学", "入学"], ["教育"], [], ["1"]),
    ],
    "黄浦区住房保障和房屋管理局": [
        ("公有住房", R, ["公房"], ["住房"], [], ["1"]),
        ("房屋租赁合同", R, ["租房"], ["住房"], [], ["1"]),
        ("既有多层住宅加装电梯", R, ["加装电梯", "加梯"], ["住房", "养老"], [], ["1"]),
        ("廉租住房", S, ["廉租房", "保障房"], ["住房"], [], ["1"]),
        ("住宅专项维修资金", S, ["维修基金"], ["住房"], [], ["1"]),
    ],
}
# Actions by class: (action, item type (GB/T 39046 A.1), result kind, synonym of the action).
ACTIONS = {
    L: [
        ("核发", "01", "licence", "办证"),
        ("变更", "01", "licence", "修改"),
        ("延续", "01", "licence", "续期"),
        ("注销", "01", "filing", "注销"),
        ("补发", "20", "licence", "遗失补办"),
        ("换发", "20", "licence", "到期换证"),
        ("核准", "01", "approval_document", "审批"),
    ],
    R: [
        ("登记", "07", "filing", "办理"),
        ("变更登记", "07", "filing", "修改"),
        ("注销登记", "07", "filing", "关闭"),
        ("备案", "10", "filing", "报备"),
        ("证明开具", "20", "other", "证明"),
        ("信息查询", "20", "other", "查询"),
        ("迁移登记", "07", "filing", "迁移"),
    ],
    S: [
        ("申领", "05", "other", "领取"),
        ("转移接续", "20", "other", "转移"),
        ("缴费", "04", "other", "交费"),
        ("备案", "10", "filing", "报备"),
        ("补贴申请", "05", "other", "补贴"),
        ("信息查询", "20", "other", "查询"),
        ("证明开具", "20", "other", "证明"),
    ],
}
QUALIFIERS = [
    "",
    "外商投资企业",
    "分支机构",
    "港澳台居民",
    "外国人",
    "个体",
    "农村",
    "临时",
    "跨省通办",
    "长三角",
]
DISTRICTS = [
    "浦东新区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
]
MATERIAL_KEYS = ["application-form", "id-card", "business-licence", "photo", "premises-proof", "bank-account"]


def _compositions(count: int, rng) -> list[tuple]:
    """``count`` (name, department short name, object row, action row, qualifier), in a shuffled order."""
    combos = [
        (dept, obj, action, qualifier)
        for dept, objects in OBJECTS.items()
        for obj in objects
        for action in ACTIONS[obj[1]]
        for qualifier in QUALIFIERS
    ]
    rng.shuffle(combos)
    out = []
    for i in range(count):
        dept, obj, action, qualifier = combos[i % len(combos)]
        district = DISTRICTS[(i // len(combos) - 1) % len(DISTRICTS)] if i >= len(combos) else ""
        out.append((f"{district}{qualifier}{obj[0]}{action[0]}", dept, obj, action, qualifier))
    return out


def _generated_fields(rng, name, dept_info, obj, action, qualifier) -> dict:
    obj_name, _cls, synonyms, person_themes, enterprise_themes, service_objects = obj
    action_name, item_type, result_kind, action_synonym = action
    keywords = rng.sample(synonyms, k=min(len(synonyms), rng.randint(1, 2)))
    keywords.append(f"{rng.choice(synonyms)}{action_synonym}")
    if qualifier:
        keywords.append(f"{qualifier}{obj_name}")
    legal = rng.choice([1, 5, 10, 15, 20, 30, 60])
    online = rng.random() < 0.6
    return {
        "name": name,
        "keywords": keywords,
        "item_type": item_type,
        "exercise_level": "3",
        "department_uuid": dept_info["department_uuid"],
        "department_name": dept_info["department_name"],
        "department_uscc": dept_info["department_uscc"],
        "legal_limit_days": legal,
        "promised_limit_days": max(1, legal // rng.choice([1, 2, 3, 5])),
        "visits": 0 if online else 1,
        "visits_reason": "" if online else "现场核验原件",
        "handling_forms": ["1", "2", "3"] if online else ["1", "2"],
        "case_type": "1" if legal == 1 else "2",
        "online_depth": 4 if online else 3,
        "service_objects": service_objects,
        "person_themes": person_themes,
        "enterprise_themes": enterprise_themes,
        "locations": dept_info["locations"],
        "hours": dept_info["hours"],
        "consultation_phone": dept_info["consultation_phone"],
        "supervision_phone": dept_info["supervision_phone"],
        "faq": [{"q": f"{name}需要多长时间？", "a": f"承诺{max(1, legal // 2)}个工作日内办结。"}],
        "acceptance_conditions": f"申请人符合{obj_name}{action_name}的法定条件，材料齐全、符合法定形式。",
        "result_name": f"{obj_name}{action_name}结果",
        "result_kind": result_kind,
        "form_schema": {
            "type": "object",
            "properties": {
                "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
                "contact_phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9-]{7,20}$"},
            },
            "required": ["applicant_name", "contact_phone"],
        },
    }


def _departments() -> dict[str, dict]:
    """Department short name → uuid, name, USCC, phones, locations and hours, taken from the published demo
    items."""
    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.models import ItemVersion

    rows = (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .values(
            "department_uuid",
            "department_name",
            "department_uscc",
            "locations",
            "hours",
            "consultation_phone",
            "supervision_phone",
        )
        .distinct()
    )
    found = {}
    for short in OBJECTS:
        for row in rows:
            if row["department_name"].endswith(short):
                found[short] = dict(row)
                break
    missing = sorted(set(OBJECTS) - set(found))
    if missing:
        raise RuntimeError(f"no published demo item of the department(s) {missing}: did `tongban demo` run?")
    return found


def _demo_materials() -> dict[str, dict]:
    """The materials of MATERIAL_KEYS as the demo catalog file has them (the first item with each key)."""
    from tongban.catalog.demo import demo_catalog

    found = {}
    for item in demo_catalog()["items"]:
        for version in item["versions"]:
            for material in version["materials"]:
                if material["key"] in MATERIAL_KEYS:
                    found.setdefault(material["key"], {k: v for k, v in material.items() if k != "order"})
    return found


def generate_items(target: int, seed: int = 20261127) -> dict:
    """Make the number of generated published versions ``target`` (the first ``target`` of a fixed
    sequence): bulk inserts of items, published versions (search text computed as the app does) and 2–4
    materials each. Generated items already there are kept when they are a prefix of the sequence."""
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.models import ItemVersion, Material, ServiceItem

    existing = ServiceItem.objects.filter(implementation_code__startswith=CODE_PREFIX).count()
    if existing > target:
        _delete_generated()
        existing = 0
    started = time.perf_counter()
    rng = random.Random(seed)
    compositions = _compositions(target, rng)
    departments = _departments()
    demo_materials = _demo_materials()
    now = timezone.now()
    with transaction.atomic():
        for start in range(existing, target, 1000):
            batch = range(start, min(start + 1000, target))
            items = ServiceItem.objects.bulk_create(
                [
                    ServiceItem(
                        implementation_code=f"{CODE_PREFIX}{i:07d}",
                        basic_code=f"{compositions[i][3][1]}{i:07d}",
                    )
                    for i in batch
                ]
            )
            if any(item.pk is None for item in items):  # databases that return no keys from bulk inserts
                codes = [item.implementation_code for item in items]
                items = list(ServiceItem.objects.filter(implementation_code__in=codes).order_by("pk"))
            versions = []
            for i, item in zip(batch, items, strict=True):
                name, dept, obj, action, qualifier = compositions[i]
                item_rng = random.Random(f"{seed}:{i}")
                fields = _generated_fields(item_rng, name, departments[dept], obj, action, qualifier)
                version = ItemVersion(
                    item=item, number=1, status=VersionStatus.PUBLISHED, published_at=now, **fields
                )
                _derive(version)
                versions.append(version)
            versions = ItemVersion.objects.bulk_create(versions)
            if any(v.pk is None for v in versions):
                by_item = dict(
                    ItemVersion.objects.filter(item__in=items).values_list("item_id", "pk").iterator()
                )
                for v in versions:
                    v.pk = v.id = by_item[v.item_id]
            materials = []
            for i, version in zip(batch, versions, strict=True):
                keys = ["application-form", *random.Random(f"m{seed}:{i}").sample(MATERIAL_KEYS[1:], k=2)]
                for order, key in enumerate(keys):
                    materials.append(Material(version_id=version.pk, order=order, **demo_materials[key]))
            Material.objects.bulk_create(materials)
    from tongban.catalog import search

    if hasattr(search, "catalog_changed"):  # what publishing does after commit (bulk_create skips it)
        search.catalog_changed()
    with connection.cursor() as cursor:  # what autovacuum / a DBA would have done
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {ItemVersion._meta.db_table}")
            cursor.execute(f"ANALYZE {ServiceItem._meta.db_table}")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
    return {
        "generated_now": max(0, target - existing),
        "generated_total": ServiceItem.objects.filter(implementation_code__startswith=CODE_PREFIX).count(),
        "generation_s": time.perf_counter() - started,
        "published_versions": ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).count(),
    }


def _derive(version) -> None:
    """The fields ``ItemVersion.save`` derives (bulk_create skips save): the search text, and the browse
    facets where the app has them."""
    from tongban.catalog import search

    version.search_text = search.search_text_for(version)
    if hasattr(search, "facets_for") and hasattr(version, "facets"):
        version.facets = search.facets_for(version)


def _delete_generated() -> None:
    from django.db import transaction

    from tongban.catalog.models import ItemVersion, ServiceItem

    with transaction.atomic():
        ItemVersion.objects.filter(item__implementation_code__startswith=CODE_PREFIX).delete()
        ServiceItem.objects.filter(implementation_code__startswith=CODE_PREFIX).delete()


def ensure_bundle() -> dict:
    """A bundle to measure: the first existing one, or else a 开办企业 bundle of four demo items made with
    ``bundle_create`` (the demo data has none yet)."""
    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.models import Bundle, ItemVersion
    from tongban.catalog.services import bundle_create

    bundle = Bundle.objects.order_by("name", "id").first()
    if bundle is not None:
        return {"uuid": str(bundle.uuid), "name": bundle.name, "created": False}
    names = ["营业执照核发", "公章刻制备案", "新办纳税人套餐式服务", "社保登记（单位参保登记）"]
    versions = {
        v.name: v
        for v in ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, name__in=names).exclude(
            item__implementation_code__startswith=CODE_PREFIX
        )
    }
    missing = [n for n in names if n not in versions]
    if missing:
        return {"uuid": None, "name": None, "created": False, "error": f"demo items missing: {missing}"}
    keys = ["licence", "seal", "tax", "social"]
    steps = [
        {
            "key": key,
            "item_version": str(versions[name].uuid),
            "depends_on": [] if key == "licence" else ["licence"],
        }
        for key, name in zip(keys, names, strict=True)
    ]
    bundle = bundle_create(
        actor=None,
        name=BUNDLE_NAME,
        theme="开办企业",
        audience="2",
        lead_department_uuid=versions[names[0]].department_uuid,
        steps=steps,
        description="由 bench/catalog.py 生成：营业执照、公章、发票与税务、社保登记一次办。",
    )
    return {"uuid": str(bundle.uuid), "name": bundle.name, "created": True}


PAGE = 20  # results per page, as the API is asked for (limit=20)


def _search_page(catalog_search, query: str) -> int:
    """What ``GET /api/catalog/items?q=…&limit=20`` asks of the search: the results, their count and the
    first page as model objects (the results may be lazy). Returns the count."""
    found = catalog_search(query=query)
    count = len(found)
    list(found[:PAGE])
    return count


def time_search(queries: list[str], calls_per_query: int) -> dict:
    """In-process latency of ``catalog_search`` (what ``GET /api/catalog/items?q=`` calls) with its count and
    first page of 20: the first call of the process alone (connection, caches, any index built on first use),
    then two warm-up calls per query, then ``calls_per_query`` rounds over the queries, interleaved. Then, per
    query, the queries it runs and the time spent in them (median of 5 more calls)."""
    from django.db import connection

    from tongban.catalog.services import catalog_search

    t0 = time.perf_counter()
    _search_page(catalog_search, queries[0])
    first_ms = (time.perf_counter() - t0) * 1000.0
    hits = {}
    for query in queries:
        for _ in range(2):
            hits[query] = _search_page(catalog_search, query)
    samples: dict[str, list[float]] = {q: [] for q in queries}
    for _ in range(calls_per_query):
        for query in queries:
            t0 = time.perf_counter()
            _search_page(catalog_search, query)
            samples[query].append((time.perf_counter() - t0) * 1000.0)
    every = sorted(ms for values in samples.values() for ms in values)
    per_query = {}
    for query in queries:
        values = sorted(samples[query])
        timers = []
        for _ in range(5):
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                _search_page(catalog_search, query)
            timers.append(timer)
        per_query[query] = {
            "hits": hits[query],
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "max_ms": values[-1],
            "calls": len(values),
            "queries": statistics.median(t.queries for t in timers),
            "sql_ms": statistics.median(t.ms for t in timers),
        }
    return {
        "first_call_ms": first_ms,
        "calls": len(every),
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "p99_ms": percentile(every, 99),
        "per_query": per_query,
    }


def child_main(argv: list[str]) -> int:
    """``catalog.py --child --target N --calls C [--reset]``: generate, then time the search in-process.
    Runs with the environment of prepare_env(); prints one ``RESULT <json>`` line."""
    parser = argparse.ArgumentParser(prog="catalog.py --child")
    parser.add_argument("--target", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--reset", action="store_true")

    def step(args) -> dict:
        if args.reset:
            _delete_generated()
        data = generate_items(args.target, args.seed)
        data["bundle"] = ensure_bundle()
        data["search"] = time_search([q for q, _ in QUERIES], args.calls)
        return data

    return child_entry(parser, argv, step)


def generate_and_time(env: dict, target: int, calls: int, seed: int, reset: bool = False) -> dict:
    argv = [
        "--target",
        str(target),
        "--calls",
        str(calls),
        "--seed",
        str(seed),
        *(["--reset"] if reset else []),
    ]
    return run_child(__file__, env, *argv, timeout=CHILD_TIMEOUT, what="generation/search step")


# --- HTTP ---------------------------------------------------------------------------------------------


def search_path(query: str, limit: int = 20) -> str:
    return f"/api/catalog/items?q={quote(query)}&limit={limit}"


def _get_json(base_url: str, path: str):
    status, _, body = http_get(base_url, path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    return json.loads(body)


def pick_uuids(base_url: str) -> dict:
    """The item (营业执照核发, else the first hit of 营业执照) and the bundle (the first) to measure."""
    items = _get_json(base_url, search_path("营业执照"))["items"]
    if not items:
        raise RuntimeError("the search for 营业执照 found nothing")
    item = next((i for i in items if i["name"] == "营业执照核发"), items[0])
    bundles = _get_json(base_url, "/api/catalog/bundles")
    bundle = bundles[0] if bundles else None
    return {
        "item": {"uuid": item["uuid"], "name": item["name"]},
        "bundle": {"uuid": bundle["uuid"], "name": bundle["name"]} if bundle else None,
    }


def http_search_latency(base_url: str, queries: list[str], calls_per_query: int) -> dict:
    """One client, sequential, a new connection per request (as with gunicorn's sync workers)."""
    samples: dict[str, list[float]] = {q: [] for q in queries}
    counts, errors = {}, 0
    for query in queries:  # warm-up
        for _ in range(2):
            status, _, body = http_get(base_url, search_path(query))
            counts[query] = json.loads(body).get("count") if status == 200 else None
    for _ in range(calls_per_query):
        for query in queries:
            t0 = time.perf_counter()
            try:
                status, _, _ = http_get(base_url, search_path(query))
            except OSError:
                status = 0
            samples[query].append((time.perf_counter() - t0) * 1000.0)
            errors += status != 200
    every = sorted(ms for values in samples.values() for ms in values)
    per_query = {}
    for query in queries:
        values = sorted(samples[query])
        per_query[query] = {
            "count": counts[query],
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "max_ms": values[-1],
            "requests": len(values),
        }
    return {
        "requests": len(every),
        "errors": errors,
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "p99_ms": percentile(every, 99),
        "per_query": per_query,
    }


# --- the benchmark ------------------------------------------------------------------------------------


def _stages(items: int) -> list[int]:
    """Catalog sizes (generated items) at which the in-process search is timed: 0, 1/5, 1/2, all."""
    return sorted({0, items // 5, items // 2, items})


def _aim(p95: float) -> str:
    return aim(p95 < AIM_P95_MS)


def print_search(final: dict, http: dict) -> None:
    inproc = final["search"]
    header = ("query", "kind", "hits", "in-proc p50", "p95", "queries", "sql", "HTTP p50", "p95", "aim")
    rows = []
    for query, kind in QUERIES:
        q, h = inproc["per_query"][query], http["per_query"][query]
        rows.append(
            (
                query,
                kind,
                str(q["hits"]),
                f"{q['p50_ms']:.2f}",
                f"{q['p95_ms']:.2f}",
                f"{q['queries']:g}",
                f"{q['sql_ms']:.2f}",
                f"{h['p50_ms']:.2f}",
                f"{h['p95_ms']:.2f}",
                _aim(max(q["p95_ms"], h["p95_ms"])),
            )
        )
    table(header, rows, left=2, last_raw=True)
    print(
        "(ms; in-process = catalog_search + its count + the first page of 20 as model objects; queries and sql ="
        " the SQL it runs and the time in cursor.execute, medians of 5 calls; SQLite computes rows while they"
        " are fetched, so its sql is a lower bound)"
    )


def print_growth(stages: list[dict]) -> None:
    watched = [BROAD_QUERY, "dengji", "许可", NARROW_QUERY]
    header = ["published", "mix p50", "mix p95", *(f"{q} hits/p50/p95" for q in watched)]
    rows = []
    for stage in stages:
        search = stage["search"]
        row = [str(stage["published_versions"]), f"{search['p50_ms']:.2f}", f"{search['p95_ms']:.2f}"]
        for q in watched:
            pq = search["per_query"][q]
            row.append(f"{pq['hits']}/{pq['p50_ms']:.1f}/{pq['p95_ms']:.1f}")
        rows.append(row)
    table(header, rows, left=0, header_right=True)


def run(args: argparse.Namespace) -> int:
    before = loadavg()
    generator = load_generator(args.generator)
    database_url = args.database_url or None
    print(f"preparing an isolated environment ({database_url or 'SQLite'}) ...", flush=True)
    env = prepare_env(database_url, cli.env_pairs(args.env))
    try:
        return _run_in(env, args, generator, database_url, before)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _run_in(
    env: dict, args: argparse.Namespace, generator: str, database_url: str | None, before: list | None
) -> int:
    context = machine_context(env, args.workers, generator)
    context["loadavg_before"] = before
    stages = []
    for n, target in enumerate(_stages(args.items)):
        last = target == args.items
        calls = args.search_calls if last else max(5, args.search_calls // 2)
        print(f"catalog with {target} generated items: generating, then timing the search ...", flush=True)
        stage = generate_and_time(env, target, calls, args.seed, reset=n == 0)
        stage["generated_target"] = target
        stages.append(stage)
        s = stage["search"]
        print(
            f"  {stage['published_versions']:>6} published versions (+{stage['generated_now']} in "
            f"{stage['generation_s']:.1f} s): in-process search over the mix p50 {s['p50_ms']:.2f} ms  "
            f"p95 {s['p95_ms']:.2f} ms  p99 {s['p99_ms']:.2f} ms  ({s['calls']} calls; "
            f"first call of the process {s['first_call_ms']:.0f} ms)",
            flush=True,
        )
    final = stages[-1]
    if final["bundle"].get("created"):
        print(f"no bundle in the demo data: made {final['bundle']['name']!r} with bundle_create")
    elif final["bundle"].get("error"):
        print(f"no bundle to measure: {final['bundle']['error']}")

    print(f"starting `tongban serve` with {args.workers} workers ...", flush=True)
    with running_server(env, args.workers) as (_proc, base_url):
        picked = pick_uuids(base_url)
        item_uuid = picked["item"]["uuid"]
        endpoints = [
            ("/api/health", "/api/health", "floor: one SELECT 1"),
            (f"/api/catalog/items/{item_uuid}", "/api/catalog/items/<item>", "item guide (API)"),
        ]
        if picked["bundle"]:
            bundle_uuid = picked["bundle"]["uuid"]
            endpoints.append(
                (f"/api/catalog/bundles/{bundle_uuid}", "/api/catalog/bundles/<bundle>", "bundle (API)")
            )
        pages = [(f"/items/{item_uuid}/", "/items/<item>/", "item guide page")]
        if picked["bundle"]:
            pages.append((f"/bundles/{bundle_uuid}/", "/bundles/<bundle>/", "bundle page"))
        probes = {label: probe(base_url, path) for path, label, _ in endpoints + pages}
        endpoints += [(path, label, what) for path, label, what in pages if probes[label]["status"] == 200]
        endpoints += [
            (search_path(NARROW_QUERY), f"/api/catalog/items?q={NARROW_QUERY}", "narrow search"),
            (search_path(BROAD_QUERY), f"/api/catalog/items?q={BROAD_QUERY}", "broad search"),
        ]
        for path, label, _ in endpoints[-2:]:
            probes[label] = probe(base_url, path)

        print()
        print_machine(context, base_url, args.workers, env)
        print(
            f"data:    {final['published_versions']} published versions ({final['generated_total']} generated)"
            f"  item={picked['item']['name']} {item_uuid}"
            f"  bundle={(picked['bundle'] or {}).get('name')} {(picked['bundle'] or {}).get('uuid', '')}"
        )
        for label, found in probes.items():
            chinese = " (Chinese text)" if found["has_chinese"] else ""
            note = (
                "  (not measured)"
                if label.startswith(("/items", "/bundles")) and found["status"] != 200
                else ""
            )
            print(
                f"probe:   GET {label} -> {found['status']} {found['content_type']} {found['bytes']} bytes"
                f"{chinese}{note}"
            )
        print(flush=True)

        print(
            f"search over HTTP: one client, sequential, {args.http_calls} requests per query ...", flush=True
        )
        http = http_search_latency(base_url, [q for q, _ in QUERIES], args.http_calls)

        print_load_line(generator, args, f" ({context['wrk']})" if context["wrk"] else "")
        measured = measure_endpoints(
            base_url, [(path, label) for path, label, _ in endpoints], args, generator, 31
        )
        results = {label: {**measured[label], "path": path, "what": what} for path, label, what in endpoints}

    floor = results["/api/health"]["rps_median"]
    add_ratio(results, floor)
    inproc = final["search"]
    print()
    print(f"search over {final['published_versions']} published versions (aim: p95 < {AIM_P95_MS:.0f} ms)")
    print()
    print_search(final, http)
    print()
    print(
        f"in-process catalog_search, {inproc['calls']} calls over the mix: p50 {inproc['p50_ms']:.2f} ms  "
        f"p95 {inproc['p95_ms']:.2f} ms  p99 {inproc['p99_ms']:.2f} ms  -> {_aim(inproc['p95_ms'])}"
        f"  (first call of the process {inproc['first_call_ms']:.0f} ms)"
    )
    print(
        f"HTTP GET /api/catalog/items?q=…&limit=20, {http['requests']} sequential requests: "
        f"p50 {http['p50_ms']:.2f} ms  p95 {http['p95_ms']:.2f} ms  p99 {http['p99_ms']:.2f} ms  "
        f"-> {_aim(http['p95_ms'])}  ({http['errors']} errors)"
    )
    print()
    print("growth of the in-process search latency with the catalog (ms; hits/p50/p95 per query):")
    print_growth(stages)
    print()
    print("throughput under load, ratio to the floor (GET /api/health) in the same run:")
    print_endpoints(results)

    report = {
        "benchmark": "catalog",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "items": args.items,
            "seed": args.seed,
            "search_calls_per_query": args.search_calls,
            "http_calls_per_query": args.http_calls,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "repeats": args.repeats,
            "warmup_s": args.warmup,
            "generator": generator,
            "database": "postgresql" if database_url else "sqlite (temporary)",
            "extra_env": cli.env_pairs(args.env),
        },
        "data": {
            "published_versions": final["published_versions"],
            "generated": final["generated_total"],
            "item": picked["item"],
            "bundle": picked["bundle"],
            "bundle_made_by_bench": final["bundle"].get("created", False),
        },
        "search": {
            "aim_p95_ms": AIM_P95_MS,
            "queries": [{"query": q, "kind": k} for q, k in QUERIES],
            "in_process": inproc,
            "http_sequential": http,
            "growth": [
                {
                    "generated": s["generated_target"],
                    "published_versions": s["published_versions"],
                    "search": s["search"],
                }
                for s in stages
            ],
            "pass": inproc["p95_ms"] < AIM_P95_MS and http["p95_ms"] < AIM_P95_MS,
        },
        "probes": probes,
        "results": results,
        "floor_rps": floor,
    }
    finish_report(report, env, args.json)
    total_errors = sum(res["errors"] for res in results.values()) + http["errors"]
    bad_probes = [
        label
        for label, found in probes.items()
        if not label.startswith(("/items", "/bundles")) and not 200 <= found["status"] < 300
    ]
    if total_errors or bad_probes:
        print(f"FAILED: {total_errors} errors/non-2xx responses; non-2xx probes: {bad_probes or 'none'}")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser(__doc__)
    cli.add_database_or_sqlite(parser, ", and its generated items replaced")
    parser.add_argument("--items", type=int, default=5000, help="published items to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=20261127, help="seed of the generated catalog")
    parser.add_argument(
        "--search-calls", type=int, default=20, help="in-process calls per query (default 20, x12 queries)"
    )
    parser.add_argument(
        "--http-calls", type=int, default=20, help="sequential HTTP requests per query (default 20)"
    )
    cli.add_load_options(parser, 32, generator=True)
    cli.add_output_options(parser, RESULTS_PATH, keep="the temporary var dir (server.log, SQLite)")
    return parser


def check(args) -> None:
    cli.check_args(
        args,
        positive=("workers", "concurrency", "duration", "repeats", "search_calls", "http_calls"),
        at_least_zero=("items", "warmup"),
    )


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
