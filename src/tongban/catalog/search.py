"""Catalogue search: by name, synonyms and keywords, pinyin and pinyin initials (`yyzz` finds 营业执照,
`kbqy` finds 开办企业), department and theme, ranked by where the match is."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

from tongban.catalog.constants import VersionStatus, audiences_of

_SPLIT = re.compile(r"[\s,，、;；/]+")


def _pinyin_forms(text: str) -> tuple[str, str]:
    """(full pinyin without spaces, initials) of a Chinese phrase: 营业执照 → (yingyezhizhao, yyzz)."""
    return "".join(lazy_pinyin(text)).lower(), "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def search_text_for(version) -> str:
    """Everything a search can match, one phrase form per line (stored on the version): the name's three
    forms (text, full pinyin, initials) first, then the keywords', then department and themes'."""
    phrases = [
        version.name,
        *version.keywords,
        version.department_name,
        *version.person_themes,
        *version.enterprise_themes,
    ]
    lines = []
    for phrase in phrases:
        phrase = (phrase or "").strip()
        full, initials = _pinyin_forms(phrase)
        lines.extend([phrase.lower(), full, initials])
    return "\n".join(lines)


def facets_for(version) -> str:
    """The browse facets of a version, each on its own line and the whole framed by newlines, so that
    ``facets__contains="\ntheme:出生\n"`` matches one facet exactly."""
    lines = [f"audience:{a}" for a in sorted(audiences_of(version.service_objects))]
    lines += [f"theme:{t}" for t in dict.fromkeys([*version.person_themes, *version.enterprise_themes])]
    return "\n" + "\n".join(lines) + "\n"


def facet(kind: str, value: str) -> str:
    return f"\n{kind}:{value}\n"


def bundle_search_text(bundle) -> str:
    """The search forms of a bundle: its name, keywords and theme, as for items."""
    lines = []
    for phrase in [bundle.name, *bundle.keywords, bundle.theme]:
        phrase = (phrase or "").strip()
        full, initials = _pinyin_forms(phrase)
        lines.extend([phrase.lower(), full, initials])
    return "\n".join(lines)


def _score(version, term: str) -> int:
    """Higher is better: the name itself, then its start, then inside it, then a keyword, then department or
    themes (anywhere in the search text). Uses the stored forms: no pinyin work at query time."""
    lines = version.search_text.split("\n")
    name, full, initials = lines[0:3]
    keyword_forms = lines[3 : 3 + 3 * len(version.keywords)]
    if term in (name, full, initials):
        return 100
    if name.startswith(term) or full.startswith(term) or initials.startswith(term):
        return 80
    if term in name or term in full:
        return 60
    if term in keyword_forms:
        return 50
    return 20


def search_published(query: str, *, limit: int | None = None, within=None):
    """Published versions matching every term of the query, best first; ``within`` narrows the search to
    a queryset of published versions (a browse filter)."""
    from tongban.catalog.models import ItemVersion

    terms = [t.lower() for t in _SPLIT.split(query or "") if t][:8]
    if not terms:
        return []
    qs = within if within is not None else ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    qs = qs.select_related("item")
    for term in terms:
        qs = qs.filter(search_text__icontains=term)
    ranked = sorted(qs, key=lambda v: (-sum(_score(v, t) for t in terms), len(v.name), v.name))
    return ranked[:limit] if limit else ranked


def search_bundles(query: str):
    """Bundles matching every term of the query, best first (ranked as items are)."""
    from tongban.catalog.models import Bundle

    terms = [t.lower() for t in _SPLIT.split(query or "") if t][:8]
    if not terms:
        return []
    qs = Bundle.objects.all()
    for term in terms:
        qs = qs.filter(search_text__icontains=term)
    ranked = sorted(qs, key=lambda b: (-sum(_score(b, t) for t in terms), len(b.name), b.name))
    return ranked
