"""The public page of the regional item catalogue (长三角通办事项目录, ``/csj/items/``): a quarter's entries, by
name, 通办 mode, audience and member, and what the quarter changed against the one before
(docs/domain/federation.md §9). Anyone may read it."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tongban.catalog.facade import item_states
from tongban.core.errors import DomainError
from tongban.federation import catalogue, trust
from tongban.federation.constants import EntryKind, EntryMode
from tongban.federation.models import CatalogueHandler

PAGE_SIZE = 50


class CatalogueForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    mode = forms.ChoiceField(required=False, choices=[("", ""), *EntryMode.choices])
    kind = forms.ChoiceField(required=False, choices=[("", ""), *EntryKind.choices])
    member = forms.RegexField(required=False, regex=r"^[0-9]{6}$")
    quarter = forms.RegexField(required=False, regex=catalogue.QUARTER_RE.pattern)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


def _member_names() -> dict[str, str]:
    snapshot = trust.current()
    if snapshot is None:
        return {}
    english = (get_language() or "").startswith("en")
    return {code: (english and m.name_en) or m.name for code, m in snapshot.members.items()}


def _rows(entries, names: dict[str, str]) -> list[dict]:
    """Each entry with its handlers in member order: the member's name, and the link — this member's own
    item page when the item is published here, the partner's page otherwise."""
    from django.conf import settings

    own = settings.TONGBAN_REGION_CODE
    own_codes = [h.item_code for e in entries for h in e.handlers.all() if h.member == own]
    local = item_states(own_codes)
    english = (get_language() or "").startswith("en")
    rows = []
    for e in entries:
        handlers = []
        for h in sorted(e.handlers.all(), key=lambda h: h.member):
            link, external, unavailable = h.item_url, True, False
            if h.member == own:
                state = local.get(h.item_code)
                external = False
                if state is not None and state.published:
                    link = reverse("catalog:item", args=[state.uuid])
                else:
                    link, unavailable = "", True
            handlers.append(
                {
                    "member": h.member,
                    "name": names.get(h.member) or h.member,
                    "own": h.member == own,
                    "item_name": h.item_name,
                    "link": link,
                    "external": external,
                    "unavailable": unavailable,
                }
            )
        rows.append(
            {
                "entry": e,
                "name": (english and e.name_en) or e.name,
                "modes": [str(EntryMode(m).label) for m in e.modes],
                "handlers": handlers,
            }
        )
    return rows


def regional_items(request):
    """长三角通办事项目录: the chosen quarter's entries (the newest by default), filtered, and its changes."""
    form = CatalogueForm(request.GET)
    error = None
    if form.is_valid():
        data = form.cleaned_data
    else:
        error = _("筛选条件无效，已显示全部事项。")
        data = {}
    held = catalogue.quarters()
    if not held:
        return render(request, "federation/catalogue.html", {"version": None, "form_error": error})
    try:
        version = catalogue.version_get(data.get("quarter") or None)
    except DomainError as exc:
        raise Http404 from exc
    query = (data.get("q") or "").strip()
    found = catalogue.entries(
        version,
        query=query,
        mode=data.get("mode") or "",
        kind=data.get("kind") or "",
        member=data.get("member") or "",
    )
    page = Paginator(found, PAGE_SIZE).get_page(data.get("page") or 1)
    names = _member_names()
    changes = catalogue.changes(version)
    members = sorted(
        set(CatalogueHandler.objects.filter(entry__version=version).values_list("member", flat=True))
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "federation/catalogue.html",
        {
            "form_error": error,
            "version": version,
            "latest": version.quarter == held[0],
            "quarters": held,
            "data": data,
            "query": query,
            "page": page,
            "rows": _rows(list(page.object_list), names),
            "total": version.entries.count(),
            "filtered": bool(query or data.get("mode") or data.get("kind") or data.get("member")),
            "querystring": params.urlencode(),
            "modes": EntryMode.choices,
            "kinds": EntryKind.choices,
            "members": [(code, names.get(code) or code) for code in members],
            "changes": changes,
            "changed_modes": [
                {
                    "entry": c.entry,
                    "before": [str(EntryMode(m).label) for m in c.before],
                    "after": [str(EntryMode(m).label) for m in c.entry.modes],
                }
                for c in changes.modes_changed
            ],
        },
    )
