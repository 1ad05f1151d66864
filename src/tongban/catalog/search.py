"""Catalog search: by name, synonyms and keywords, pinyin and pinyin initials (`yyzz` finds 营业执照,
`kbqy` finds 开办企业), department and theme, ranked by where the match is."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
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


def _score_lines(lines: list[str], keyword_count: int, term: str) -> int:
    """Higher is better: the name itself, then its start, then inside it, then a keyword, then department or
    themes (anywhere in the search text). Uses the stored forms: no pinyin work at query time."""
    name, full, initials = lines[0:3]
    if term in (name, full, initials):
        return 100
    if name.startswith(term) or full.startswith(term) or initials.startswith(term):
        return 80
    if term in name or term in full:
        return 60
    if term in lines[3 : 3 + 3 * keyword_count]:
        return 50
    return 20


def _score(obj, term: str) -> int:
    return _score_lines(obj.search_text.split("\n"), len(obj.keywords), term)


def query_terms(query: str) -> list[str]:
    return [t.lower() for t in _SPLIT.split(query or "") if t][:8]


# --- the in-process index of the published catalog ---------------------------------------------------
# Every process keeps the search forms of the published versions in memory (about 400 bytes an item: 2 MB
# for 5,000) and matches them in Python, so a search costs one small query for the page of results instead of
# a LIKE scan and a fetch of every matching row. A token in the shared cache says which catalog an index
# was built from: publishing, retiring or importing sets a new token after commit (`catalog_changed`), and
# every process rebuilds on its next search. The token lives in the shared cache (Redis or the database cache
# in production); if it is evicted, the next search sets a new one and every process rebuilds once.
GENERATION_KEY = "catalog:search_generation"


@dataclass(frozen=True)
class _Entry:
    version_id: int
    text: str
    lines: tuple[str, ...]
    keyword_count: int
    name: str


@dataclass(frozen=True)
class _Index:
    token: str
    entries: tuple[_Entry, ...]


_index: _Index | None = None
_index_lock = threading.Lock()


def catalog_changed() -> None:
    """Mark the published catalog as changed: every process's index is rebuilt on its next search."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def catalog_token() -> str:
    """The token of the published catalog as it is now (see `catalog_changed`)."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or ""
    return token


def _published_index() -> tuple[_Entry, ...]:
    global _index
    from tongban.catalog.models import ItemVersion

    token = catalog_token()
    index = _index
    if index is not None and index.token == token:
        return index.entries
    with _index_lock:
        if _index is not None and _index.token == token:
            return _index.entries
        rows = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list(
            "id", "search_text", "keywords", "name"
        )
        entries = tuple(
            _Entry(pk, text, tuple(text.split("\n")), len(keywords), name)
            for pk, text, keywords, name in rows
        )
        _index = _Index(token, entries)
        return entries


class RankedVersions(Sequence):
    """Search results, best first, fetched from the database only for the slice asked for (a page), in rank
    order, with their item. Pagination and templates take it like a list."""

    def __init__(self, version_ids: list[int]):
        self.version_ids = version_ids

    def __len__(self) -> int:
        return len(self.version_ids)

    def __bool__(self) -> bool:
        return bool(self.version_ids)

    def _fetch(self, ids: list[int]) -> list:
        from tongban.catalog.models import ItemVersion

        # Published only: a version retired since the index was built drops out of the page.
        rows = ItemVersion.objects.filter(id__in=ids, status=VersionStatus.PUBLISHED).select_related("item")
        by_id = {v.id: v for v in rows}
        return [by_id[i] for i in ids if i in by_id]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._fetch(self.version_ids[index])
        return self._fetch([self.version_ids[index]])[0]

    def __iter__(self):
        for start in range(0, len(self.version_ids), 200):
            yield from self._fetch(self.version_ids[start : start + 200])


def search_published(query: str, *, limit: int | None = None, within=None) -> RankedVersions:
    """Published versions matching every term of the query, best first; ``within`` narrows the search to
    a queryset of published versions (a browse filter)."""
    terms = query_terms(query)
    if not terms:
        return RankedVersions([])
    entries = _published_index()
    if within is not None:
        allowed = set(within.values_list("id", flat=True))
        entries = [e for e in entries if e.version_id in allowed]
    matches = [e for e in entries if all(t in e.text for t in terms)]
    matches.sort(
        key=lambda e: (-sum(_score_lines(e.lines, e.keyword_count, t) for t in terms), len(e.name), e.name)
    )
    ids = [e.version_id for e in matches]
    return RankedVersions(ids[:limit] if limit else ids)


def search_bundles(query: str):
    """Bundles matching every term of the query, best first (ranked as items are)."""
    from tongban.catalog.models import Bundle

    terms = query_terms(query)
    if not terms:
        return []
    qs = Bundle.objects.all()
    for term in terms:
        qs = qs.filter(search_text__icontains=term)
    ranked = sorted(qs, key=lambda b: (-sum(_score(b, t) for t in terms), len(b.name), b.name))
    return ranked
