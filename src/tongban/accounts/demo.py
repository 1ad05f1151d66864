"""Demo identity data for `tongban demo`: a region with districts, departments, a service centre and
windows, one staff account per role, citizens in the population register, an enterprise and an agent.
Safe to run again: everything is looked up before it is created."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from tongban.accounts.constants import AssuranceLevel, EnterpriseKind, OrgKind, Role
from tongban.accounts.models import (
    Authorisation,
    BusinessRegisterEntry,
    Enterprise,
    Organisation,
    Person,
    PopulationRegisterEntry,
    StaffMembership,
    User,
)
from tongban.accounts.services import organisation_create
from tongban.core.identifiers import USCC_ALPHABET, uscc_make

DEMO_PASSWORD = "Tongban@2026"


def demo_uscc(prefix: str, seed: str) -> str:
    """A valid USCC: registration authority + type (2), division code (6), an organisation code (8
    characters and their GB 11714 check character), check."""
    digest = hashlib.sha256(seed.encode()).digest()
    return uscc_make(prefix, "".join(USCC_ALPHABET[b % len(USCC_ALPHABET)] for b in digest[:8]))


def demo_resident_id(division: str, birth: str, seq: int) -> str:
    first17 = f"{division}{birth}{seq:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


ZHANG_ID_NUMBER = demo_resident_id("310101", "19900307", 123)  # the demo citizen 张三 (13800000001)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    description: str


def _org(kind, name, parent=None, division_code="", uscc_code=""):
    existing = Organisation.objects.filter(kind=kind, name=name, parent=parent).first()
    if existing:
        return existing
    return organisation_create(
        actor=None, kind=kind, name=name, parent=parent, division_code=division_code, uscc=uscc_code
    )


def _staff(username, display_name, memberships):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=display_name)
    for org, role in memberships:
        StaffMembership.objects.get_or_create(user=user, organisation=org, role=role)
    return user


def _citizen(real_name, id_number, phone, level):
    person = Person.objects.filter(id_number=id_number).first()
    if person:
        return person
    PopulationRegisterEntry.objects.get_or_create(id_number=id_number, defaults={"real_name": real_name})
    user = User.objects.create_user(
        username=phone, password=DEMO_PASSWORD, phone=phone, display_name=real_name
    )
    return Person.objects.create(
        user=user,
        real_name=real_name,
        id_number=id_number,
        phone=phone,
        assurance_level=level,
        register_matched_at=timezone.now() if level >= AssuranceLevel.L2 else None,
    )


@transaction.atomic
def demo_load() -> list[DemoAccount]:
    code = settings.TONGBAN_REGION_CODE
    region = _org(OrgKind.REGION, settings.TONGBAN_REGION_NAME, division_code=code)
    # Districts of a municipality: <2-digit province> 01 <2-digit district> (310101 黄浦区 …).
    huangpu = _org(OrgKind.DISTRICT, "黄浦区", region, division_code=code[:2] + "0101")
    xuhui = _org(OrgKind.DISTRICT, "徐汇区", region, division_code=code[:2] + "0104")
    pudong = _org(OrgKind.DISTRICT, "浦东新区", region, division_code=code[:2] + "0115")
    city_departments = {}
    for name in [
        "市场监督管理局",
        "税务局",
        "公安局",
        "人力资源和社会保障局",
        "医疗保障局",
        "住房和城乡建设管理委员会",
        "规划和自然资源局",
        "卫生健康委员会",
        "民政局",
        "教育委员会",
    ]:
        full = f"{settings.TONGBAN_REGION_NAME}{name}"
        city_departments[name] = _org(
            OrgKind.DEPARTMENT, full, region, uscc_code=demo_uscc("11" + code, full)
        )
    housing = {}
    for district in (huangpu, xuhui, pudong):
        full = f"{district.name}住房保障和房屋管理局"
        housing[district.name] = _org(
            OrgKind.DEPARTMENT, full, district, uscc_code=demo_uscc("11" + district.division_code, full)
        )
    centre = _org(OrgKind.SERVICE_CENTRE, "黄浦区行政服务中心", huangpu)
    window = _org(OrgKind.WINDOW, "1号综合窗口", centre)
    window_2 = _org(OrgKind.WINDOW, "2号综合窗口", centre)
    handout = _org(OrgKind.WINDOW, "3号统一出件窗口", centre)
    _org(OrgKind.WINDOW, "4号长三角专窗", centre)
    xuhui_centre = _org(OrgKind.SERVICE_CENTRE, "徐汇区行政服务中心", xuhui)
    _org(OrgKind.WINDOW, "1号综合窗口", xuhui_centre)

    admin = _staff("admin", "平台管理员", [(region, Role.PLATFORM_ADMIN)])
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    _staff("clerk", "窗口人员 陈敏", [(window, Role.WINDOW_CLERK)])
    _staff("clerk2", "窗口人员 周婷", [(window_2, Role.WINDOW_CLERK)])
    _staff("handout", "出件窗口 吴刚", [(handout, Role.WINDOW_CLERK)])
    _staff("reviewer", "审批人员 刘洋", [(housing["黄浦区"], Role.REVIEWER)])
    _staff("reviewer_xh", "审批人员 赵磊", [(housing["徐汇区"], Role.REVIEWER)])
    _staff("issuer", "发证人员 孙丽", [(city_departments["市场监督管理局"], Role.ISSUER)])
    _staff("seal", "印章管理 周强", [(city_departments["市场监督管理局"], Role.SEAL_AUTHORITY)])
    _staff("supervisor", "监察人员 吴静", [(huangpu, Role.SUPERVISOR)])
    _staff("supervisor_city", "监察人员 冯涛", [(region, Role.SUPERVISOR)])
    # Reviewers of the city departments that handle the demo bundles (开办企业, 小孩出生一件事).
    for username, name, department in (
        ("reviewer_market", "审批人员 黄敏", "市场监督管理局"),
        ("reviewer_police", "审批人员 林峰", "公安局"),
        ("reviewer_tax", "审批人员 何静", "税务局"),
        ("reviewer_hr", "审批人员 高远", "人力资源和社会保障局"),
        ("reviewer_health", "审批人员 罗娟", "卫生健康委员会"),
        ("reviewer_medical", "审批人员 梁宇", "医疗保障局"),
    ):
        _staff(username, name, [(city_departments[department], Role.REVIEWER)])
    _staff("catalog", "事项管理员 郑华", [(region, Role.CATALOG_ADMIN)])
    # 好差评: the handlers of the 差评 of a district department and of the 黄浦 centre, and a 12345 operator.
    _staff("handler", "差评处置 马丽", [(housing["黄浦区"], Role.RATING_HANDLER)])
    _staff("handler_centre", "差评处置 钟诚", [(centre, Role.RATING_HANDLER)])
    _staff("handler_market", "差评处置 韩梅", [(city_departments["市场监督管理局"], Role.RATING_HANDLER)])
    _staff("hotline", "12345话务员 许佳", [(region, Role.HOTLINE_OPERATOR)])

    zhang = _citizen("张三", ZHANG_ID_NUMBER, "13800000001", AssuranceLevel.L2)
    li = _citizen("李四", demo_resident_id("310104", "19851112", 456), "13800000002", AssuranceLevel.L2)
    wang = _citizen("王五", demo_resident_id("310115", "19780521", 789), "13800000003", AssuranceLevel.L3)
    for i, name in enumerate(["赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈三"]):
        PopulationRegisterEntry.objects.get_or_create(
            id_number=demo_resident_id("310101", f"19{70 + i}0101", 100 + i), defaults={"real_name": name}
        )
    company_code = demo_uscc("91" + code, "上海通办示范科技有限公司")
    # The market-entity register: the demo company (already registered on the platform by 王五) and one
    # that 张三 may register himself, to try the enterprise registration.
    for name, rep in (("上海通办示范科技有限公司", wang), ("上海示范餐饮管理有限公司", zhang)):
        BusinessRegisterEntry.objects.get_or_create(
            uscc=demo_uscc("91" + code, name),
            defaults={"name": name, "legal_representative_id_number": rep.id_number},
        )
    company = Enterprise.objects.filter(uscc=company_code).first() or Enterprise.objects.create(
        name="上海通办示范科技有限公司", uscc=company_code, kind=EnterpriseKind.LLC, legal_representative=wang
    )
    if not Authorisation.objects.filter(enterprise=company, agent=li).exists():
        today = timezone.localdate()
        Authorisation.objects.create(
            enterprise=company,
            agent=li,
            all_items=True,
            valid_from=today,
            valid_until=today + timedelta(days=365),
            granted_by=wang.user,
        )
    return [
        DemoAccount("平台管理员 platform admin", "admin", DEMO_PASSWORD, f"{region.name}，可进入 /admin/"),
        DemoAccount("综合窗口 window clerk", "clerk", DEMO_PASSWORD, "黄浦区行政服务中心 1号综合窗口"),
        DemoAccount("综合窗口 window clerk", "clerk2", DEMO_PASSWORD, "黄浦区行政服务中心 2号综合窗口"),
        DemoAccount(
            "统一出件 hand-out clerk", "handout", DEMO_PASSWORD, "黄浦区行政服务中心 3号统一出件窗口"
        ),
        DemoAccount("审批人员 reviewer", "reviewer", DEMO_PASSWORD, "黄浦区住房保障和房屋管理局"),
        DemoAccount("审批人员 reviewer (另一区)", "reviewer_xh", DEMO_PASSWORD, "徐汇区住房保障和房屋管理局"),
        DemoAccount("发证人员 issuer", "issuer", DEMO_PASSWORD, "市场监督管理局"),
        DemoAccount("印章管理 seal authority", "seal", DEMO_PASSWORD, "市场监督管理局"),
        DemoAccount("监察人员 supervisor", "supervisor", DEMO_PASSWORD, "黄浦区"),
        DemoAccount("监察人员 supervisor (全市)", "supervisor_city", DEMO_PASSWORD, region.name),
        *(
            DemoAccount(f"审批人员 reviewer ({department})", username, DEMO_PASSWORD, department)
            for username, department in (
                ("reviewer_market", "市场监督管理局"),
                ("reviewer_police", "公安局"),
                ("reviewer_tax", "税务局"),
                ("reviewer_hr", "人力资源和社会保障局"),
                ("reviewer_health", "卫生健康委员会"),
                ("reviewer_medical", "医疗保障局"),
            )
        ),
        DemoAccount("事项管理员 catalog admin", "catalog", DEMO_PASSWORD, region.name),
        DemoAccount("差评处置 rating handler", "handler", DEMO_PASSWORD, "黄浦区住房保障和房屋管理局"),
        DemoAccount("差评处置 rating handler (中心)", "handler_centre", DEMO_PASSWORD, "黄浦区行政服务中心"),
        DemoAccount("差评处置 rating handler (市场监管)", "handler_market", DEMO_PASSWORD, "市场监督管理局"),
        DemoAccount("12345 热线话务员 hotline operator", "hotline", DEMO_PASSWORD, region.name),
        DemoAccount(
            "自然人 citizen",
            "13800000001",
            DEMO_PASSWORD,
            f"张三，L2；可注册法人 上海示范餐饮管理有限公司 {demo_uscc('91' + code, '上海示范餐饮管理有限公司')}",
        ),
        DemoAccount("自然人·经办人 agent", "13800000002", DEMO_PASSWORD, "李四，L2，受托办理示范公司事项"),
        DemoAccount(
            "法定代表人 legal representative",
            "13800000003",
            DEMO_PASSWORD,
            "王五，L3，上海通办示范科技有限公司",
        ),
    ]


def demo_principal_uuids() -> dict[str, str]:
    """The demo persons and enterprises by name (other contexts' demo data refer to them)."""
    names = ["张三", "李四", "王五"]
    companies = ["上海通办示范科技有限公司", "上海示范餐饮管理有限公司"]
    found = {p.real_name: str(p.uuid) for p in Person.objects.filter(real_name__in=names).order_by("id")}
    found.update({e.name: str(e.uuid) for e in Enterprise.objects.filter(name__in=companies)})
    return found


def demo_users(*usernames: str) -> dict[str, User]:
    """The demo accounts by login name (other contexts' demo data act as them)."""
    return {u.username: u for u in User.objects.filter(username__in=usernames)}


# --- the people of the demo history (cases.demo_history, ratings.demo) --------------------------------------
# Made-up names (common surnames and given names, none of the named demo citizens), made-up resident
# identity numbers (valid check digits, sequence numbers 500-999, which the named ones do not use) and phone
# numbers next to the demo's 13800000001-3. Nobody real.
HISTORY_SURNAMES = (
    "陈林黄周吴徐孙胡朱高何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘"
    "杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟万段雷汤尹易常武乔贺赖龚"
)
HISTORY_GIVEN_NAMES = (  # two characters each
    "建华晓燕志强丽娟海涛秀英文杰佳怡国平雨欣俊杰静怡宇航欣然浩然梦琪思远雅婷振东玉兰"
    "立新春梅晓峰慧敏德明淑珍子涵若曦家豪婉清明辉红霞卫东美玲一鸣诗雨永康桂芳天佑书瑶"
)
HISTORY_GIVEN = [HISTORY_GIVEN_NAMES[i : i + 2] for i in range(0, len(HISTORY_GIVEN_NAMES), 2)]
HISTORY_PERSONS = 40
HISTORY_DIVISIONS = ("310101", "310104", "310115", "310105", "310106", "310107")
HISTORY_COMPANIES = (
    "上海申江示范餐饮管理有限公司",
    "上海外滩示范贸易有限公司",
    "上海滨江示范信息技术有限公司",
    "上海徐家汇示范文化传播有限公司",
    "上海豫园示范食品有限公司",
    "上海浦江示范建筑工程有限公司",
    "上海淮海示范物业管理有限公司",
    "上海漕河泾示范医疗器械有限公司",
    "上海新天地示范咨询有限公司",
    "上海陆家嘴示范物流有限公司",
)


@dataclass(frozen=True)
class DemoApplicant:
    """A made-up applicant of the demo history: a person, or an enterprise with its legal representative
    (who submits for it). ``label`` names the submitting user as the audit trail and a case's timeline do
    (actors.actor_for), ``masked`` as staff who may contact them see them (facade.user_masked_label)."""

    kind: str  # person | enterprise
    uuid: str
    name: str
    code: str  # the person's resident identity number or the enterprise's USCC
    user_id: int
    person_name: str  # the person, or the enterprise's legal representative
    phone: str
    label: str
    masked: str


def _history_people() -> list[tuple[str, str, str]]:
    """(name, resident identity number, phone) of the made-up persons, always the same."""
    people = []
    for i in range(HISTORY_PERSONS):
        name = (
            HISTORY_SURNAMES[(i * 7) % len(HISTORY_SURNAMES)] + HISTORY_GIVEN[(i * 11) % len(HISTORY_GIVEN)]
        )
        birth = f"{1958 + (i * 13) % 45}{1 + (i * 5) % 12:02d}{1 + (i * 17) % 28:02d}"
        id_number = demo_resident_id(HISTORY_DIVISIONS[i % len(HISTORY_DIVISIONS)], birth, 500 + i * 11)
        people.append((name, id_number, f"1380000{1001 + i:04d}"))
    return people


@transaction.atomic
def demo_history_applicants() -> list[DemoApplicant]:
    """The made-up persons (with accounts that cannot log in: no password) and enterprises whose past cases
    fill the demo history; made when missing (a few bulk inserts), the same ones every time."""
    from django.contrib.auth.hashers import make_password

    from tongban.core.identifiers import mask_name, mask_phone

    people = _history_people()
    phones = [phone for _name, _id, phone in people]
    users = {u.username: u for u in User.objects.filter(username__in=phones)}
    missing = [(n, i, p) for n, i, p in people if p not in users]
    if missing:
        User.objects.bulk_create(
            User(username=p, phone=p, display_name=n, password=make_password(None)) for n, _i, p in missing
        )
        users = {u.username: u for u in User.objects.filter(username__in=phones)}
        PopulationRegisterEntry.objects.bulk_create(
            [PopulationRegisterEntry(id_number=i, real_name=n) for n, i, _p in missing], ignore_conflicts=True
        )
        now = timezone.now()
        Person.objects.bulk_create(
            Person(
                user=users[p],
                real_name=n,
                id_number=i,
                phone=p,
                assurance_level=AssuranceLevel.L2,
                register_matched_at=now,
            )
            for n, i, p in missing
            if not Person.objects.filter(user=users[p]).exists()
        )
    persons = {p.user_id: p for p in Person.objects.filter(user__in=list(users.values()))}
    out = []
    for name, _id, phone in people:
        user = users[phone]
        person = persons[user.pk]
        out.append(
            DemoApplicant(
                "person",
                str(person.uuid),
                name,
                person.id_number,
                user.pk,
                name,
                phone,
                f"{mask_phone(phone)}（{mask_name(name)}）",
                f"{mask_name(name)} {mask_phone(phone)}",
            )
        )
    code = settings.TONGBAN_REGION_CODE
    for n, company in enumerate(HISTORY_COMPANIES):
        rep = out[(n * 3 + 1) % HISTORY_PERSONS]
        uscc_code = demo_uscc("91" + code, company)
        enterprise = Enterprise.objects.filter(uscc=uscc_code).first()
        if enterprise is None:
            BusinessRegisterEntry.objects.get_or_create(
                uscc=uscc_code, defaults={"name": company, "legal_representative_id_number": rep.code}
            )
            enterprise = Enterprise.objects.create(
                name=company,
                uscc=uscc_code,
                kind=EnterpriseKind.LLC,
                legal_representative=persons[rep.user_id],
            )
        out.append(
            DemoApplicant(
                "enterprise",
                str(enterprise.uuid),
                company,
                uscc_code,
                rep.user_id,
                rep.name,
                rep.phone,
                rep.label,
                rep.masked,
            )
        )
    return out
