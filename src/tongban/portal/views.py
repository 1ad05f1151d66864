"""The citizen-facing composition: the home page and the error pages."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.catalog.facade import bundle_cards, featured_items, item_search, themes
from tongban.federation.facade import region_members, regional_catalogue_quarter


def home(request):
    """Search first; then popular items, the "one thing" bundles and the themes for persons and
    organisations. A search shows matching bundles above matching items."""
    query = request.GET.get("q", "").strip()[:100]
    theme_lists = themes()
    hits = item_search(query) if query else []
    bundle_hits = bundle_cards(query) if query else []
    return render(
        request,
        "portal/home.html",
        {
            "themes_person": theme_lists["person"],
            "themes_enterprise": theme_lists["organisation"],
            "query": query,
            "hits": hits,
            "bundle_hits": bundle_hits,
            # The heading counts everything listed: the bundles above and the items.
            "result_count": len(hits) + len(bundle_hits),
            "featured": [] if query else featured_items(),
            "bundles": [] if query else bundle_cards(),
            "region_members": [] if query else region_members(),
            # 长三角通办事项目录: linked once this member holds a version of it.
            "csj_quarter": regional_catalogue_quarter(),
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
