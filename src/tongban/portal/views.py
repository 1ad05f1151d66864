"""The citizen-facing composition: the home page and the error pages."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.catalog.facade import item_search

THEMES_PERSON = ["出生", "教育", "就业", "住房", "婚姻", "医疗", "社保", "养老"]
THEMES_ENTERPRISE = ["开办企业", "工程建设", "税务", "社保登记", "经营许可", "注销"]


def home(request):
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "portal/home.html",
        {
            "themes_person": THEMES_PERSON,
            "themes_enterprise": THEMES_ENTERPRISE,
            "query": query,
            "hits": item_search(query) if query else [],
        },
    )


def _error(request, status: int, heading: str, detail: str):
    return render(
        request, "errors/error.html", {"status": status, "heading": heading, "detail": detail}, status=status
    )


def error_403(request, exception=None):
    return _error(
        request, 403, _("无权访问"), _("您没有权限访问此页面。如需办理，请先登录或联系窗口工作人员。")
    )


def error_404(request, exception=None):
    return _error(
        request, 404, _("页面不存在"), _("您访问的页面不存在或已被移除，请检查网址，或从首页重新查找服务。")
    )


def error_500(request):
    return render(request, "500.html", status=500)
