"""The public catalog pages: browse, the item guide (办事指南), bundles (一件事) and department pages.

Anyone may read them; only published versions are shown."""

from __future__ import annotations

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from tongban.accounts.facade import organisation_info, organisation_list
from tongban.catalog.bundles import PlannedStep, stage_count
from tongban.catalog.constants import (
    AUDIENCE_ORGANISATION,
    AUDIENCE_PERSON,
    DeliveryMethod,
    HandlingForm,
    MaterialSource,
    theme_label,
)
from tongban.catalog.search import catalog_token, search_bundles
from tongban.catalog.selectors import (
    Browse,
    bundle_list_all,
    bundles_with_item,
    department_counts,
    published_version_browse,
    published_version_get,
    theme_counts,
    time_stats,
)
from tongban.catalog.services import catalog_search

PAGE_SIZE = 20


class BrowseForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    audience = forms.ChoiceField(
        required=False,
        choices=[
            ("", ""),
            (AUDIENCE_PERSON, gettext_lazy("个人")),
            (AUDIENCE_ORGANISATION, gettext_lazy("法人")),
        ],
    )
    theme = forms.CharField(required=False, max_length=50)
    department = forms.UUIDField(required=False)
    district = forms.UUIDField(required=False)
    zero_visits = forms.BooleanField(required=False)
    fully_online = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


def _browse(data) -> Browse:
    departments = None
    if data.get("district"):
        departments = tuple(o.uuid for o in organisation_list(kind="department", under=data["district"]))
    if data.get("department"):
        wanted = str(data["department"])
        departments = (wanted,) if departments is None or wanted in departments else ()
    return Browse(
        audience=data.get("audience") or "",
        theme=(data.get("theme") or "").strip(),
        department_uuids=departments,
        zero_visits=bool(data.get("zero_visits")),
        fully_online=bool(data.get("fully_online")),
    )


def browse(request):
    """Browse by audience, theme, department and district; 零跑动 and 全程网办 lists; search within."""
    form = BrowseForm(request.GET)
    error = None
    if form.is_valid():
        data = form.cleaned_data
    else:
        error = _("筛选条件无效，已显示全部事项。")
        data = {}
    chosen = _browse(data)
    qs = published_version_browse(chosen)
    query = (data.get("q") or "").strip()
    found = catalog_search(query=query, within=qs) if query else qs
    page = Paginator(found, PAGE_SIZE).get_page(data.get("page") or 1)
    # Counts over the whole published catalog: cached for a minute (publishing shows up within it).
    themes = cache.get_or_set("catalog:theme_counts", theme_counts, 60)
    counts = cache.get_or_set("catalog:department_counts", department_counts, 60)
    departments = organisation_list(kind="department")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/browse.html",
        {
            "form_error": error,
            "data": data,
            "query": query,
            "page": page,
            "querystring": params.urlencode(),
            "themes_person": themes["person"],
            "themes_organisation": themes["organisation"],
            "departments": [(d, counts.get(d.uuid, 0)) for d in departments if counts.get(d.uuid)],
            "districts": organisation_list(kind="district"),
            "selected_department": str(data.get("department") or ""),
            "selected_district": str(data.get("district") or ""),
            "heading": _heading(data),
        },
    )


def _heading(data) -> str:
    if data.get("zero_visits"):
        return _("零跑动事项")
    if data.get("fully_online"):
        return _("全程网办事项")
    if data.get("theme"):
        return _("主题：%(theme)s") % {"theme": theme_label(data["theme"])}
    if data.get("audience") == AUDIENCE_PERSON:
        return _("个人办事")
    if data.get("audience") == AUDIENCE_ORGANISATION:
        return _("法人办事")
    return _("全部事项")


def _material_row(m) -> dict:
    """A material as the guide shows it: whether the applicant must bring it, and why not."""
    if m.source == MaterialSource.PLATFORM:
        exempt, how = True, _("由平台生成，无需提交")
    elif m.source == MaterialSource.LICENCE and m.exempt_when_obtainable:
        exempt, how = True, _("平台从电子证照库调取，无需提交")
    elif m.source == MaterialSource.SHARED_DATA and m.exempt_when_obtainable:
        exempt, how = (
            True,
            _("平台通过%(dept)s共享数据获取，无需提交") % {"dept": m.shared_data_source or _("部门")},
        )
    else:
        exempt, how = False, ""
    return {"m": m, "exempt": exempt, "how": how}


# Published versions and bundles never change, so their pages are rendered once per catalog token (a new one
# on every publish, retire, import or new bundle) and language, and served from the cache.
PAGE_CACHE_SECONDS = 3600


def _cached_page(request, key: str, build, stats: dict | None = None):
    """The page whose body ``build()`` renders (it raises Http404 for what is not there), from the cache;
    ``stats`` (actual vs promised time, changing with every concluded case) is rendered fresh."""
    cache_key = f"catalog:page:{key}:{get_language()}:{catalog_token()}"
    cached = cache.get(cache_key)
    if cached is None:
        title, template, context = build()
        cached = (title, render_to_string(template, context))
        cache.set(cache_key, cached, PAGE_CACHE_SECONDS)
    title, body = cached
    return render(
        request,
        "catalog/page.html",
        {"title": title, "body": mark_safe(body), "stats": stats},  # noqa: S308
    )


def item_guide(request, item_uuid):
    """办事指南 of one published item."""

    def build():
        version = published_version_get(item_uuid=item_uuid)
        if version is None:
            raise Http404
        rows = [_material_row(m) for m in version.materials.all()]
        context = {
            "v": version,
            "to_bring": [r for r in rows if not r["exempt"]],
            "not_needed": [r for r in rows if r["exempt"]],
            "ratio_pct": round(100 * version.promised_limit_days / version.legal_limit_days)
            if version.legal_limit_days
            else None,
            "bundles": bundles_with_item(version),
            "department": organisation_info(version.department_uuid),
            "handling_forms": [
                str(HandlingForm(f).label) for f in version.handling_forms if f in HandlingForm
            ],
        }
        label = _("办事指南")
        return f"{version.name} · {label}", "catalog/_item_body.html", context

    return _cached_page(request, f"item:{item_uuid}", build, time_stats("item", item_uuid))


def _stages(bundle) -> dict:
    """Stored with the figures since the stages were added; computed from the plan for older bundles."""
    stored = bundle.figures.get("stages")
    if stored:
        return stored
    steps = [PlannedStep(s.key, s.budget_days, tuple(s.depends_on)) for s in bundle.steps.all()]
    return {"before": len(steps), "after": stage_count(steps)}


def _bars(figures: dict, stages: dict) -> list[dict]:
    """Before/after bars of a bundle's five 双减半 figures (time, materials, visits, steps, departments),
    widths as a percentage of the longer bar; the amounts as text in the plural the language needs."""

    def pair(label, amount, before, after):
        top = max(before, after) or 1
        return {
            "label": label,
            "before": before,
            "after": after,
            "before_text": amount(before),
            "after_text": amount(after),
            "before_pct": round(100 * before / top, 1),
            "after_pct": max(round(100 * after / top, 1), 0.5 if after else 0),
            "reduction_pct": round(100 * (1 - after / before)) if before else 0,
        }

    def days(n):
        return ngettext("%(n)s 个工作日", "%(n)s 个工作日", n) % {"n": n}

    def materials(n):
        return ngettext("%(n)s 份", "%(n)s 份", n) % {"n": n}

    def visits(n):
        return ngettext("%(n)s 次", "%(n)s 次", n) % {"n": n}

    def steps(n):
        return ngettext("%(n)s 个环节", "%(n)s 个环节", n) % {"n": n}

    def departments(n):
        return ngettext("%(n)s 个部门", "%(n)s 个部门", n) % {"n": n}

    return [
        pair(
            _("办理时限"),
            days,
            figures["time"]["legal_sequential_days"],
            figures["time"]["promised_days"],
        ),
        pair(_("申请材料"), materials, figures["materials"]["before"], figures["materials"]["after"]),
        pair(_("跑动次数"), visits, figures["visits"]["before"], figures["visits"]["after"]),
        pair(_("办理环节"), steps, stages["before"], stages["after"]),
        # Item by item the applicant deals with each department; a bundle is accepted at one window.
        pair(_("对接部门"), departments, figures["departments"], min(figures["departments"], 1)),
    ]


def bundle_list(request):
    query = request.GET.get("q", "").strip()[:100]
    bundles = search_bundles(query) if query else list(bundle_list_all())
    return render(
        request,
        "catalog/bundles.html",
        {"bundles": [(b, _bars(b.figures, _stages(b))) for b in bundles], "query": query},
    )


def bundle_page(request, bundle_uuid):
    """A bundle (一件事) with its 双减半 figures, plan, items, merged materials and combined form."""

    def build():
        bundle = bundle_list_all().filter(uuid=bundle_uuid).first()
        if bundle is None:
            raise Http404
        steps = list(bundle.steps.all())
        names = {s.key: s.name for s in steps}
        delivery = dict(DeliveryMethod.choices)
        fields = bundle.form_schema.get("properties", {})
        required = set(bundle.form_schema.get("required", []))
        return (
            bundle.name + " · " + _("一件事"),
            "catalog/_bundle_body.html",
            {
                "bundle": bundle,
                "f": bundle.figures,
                "bars": _bars(bundle.figures, _stages(bundle)),
                "items": bundle.figures.get("items", []),
                "steps": [
                    {"step": s, "after": [names[d] for d in s.depends_on if d in names]} for s in steps
                ],
                "to_bring": [m for m in bundle.materials if not m["obtained"]],
                "not_needed": [m for m in bundle.materials if m["obtained"]],
                "fields": [(k, d.get("title", k), k in required) for k, d in fields.items()],
                "delivery": [delivery.get(m, m) for m in bundle.delivery_methods],
                "time_pct": round(100 * bundle.figures["time"]["ratio"]),
                "materials_pct": round(100 * bundle.figures["materials"]["ratio"]),
            },
        )

    return _cached_page(request, f"bundle:{bundle_uuid}", build, time_stats("bundle", bundle_uuid))


def department_page(request, org_uuid):
    info = organisation_info(org_uuid)
    if info is None or info.kind != "department":
        raise Http404
    versions = list(published_version_browse(Browse(department_uuids=(info.uuid,))))
    bundles = [
        b
        for b in bundle_list_all()
        if str(b.lead_department_uuid) == info.uuid
        or any(str(s.department_uuid) == info.uuid for s in b.steps.all())
    ]
    return render(
        request,
        "catalog/department.html",
        {
            "dept": info,
            "versions": versions,
            "bundles": bundles,
            "zero_visits": sum(1 for v in versions if v.visits == 0),
            "fully_online": sum(1 for v in versions if v.online_depth == 4),
            "contact": versions[0] if versions else None,
        },
    )
