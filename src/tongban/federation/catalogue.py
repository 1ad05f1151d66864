"""The regional item catalogue (长三角通办事项目录), one version per quarter (docs/domain/federation.md §9,
docs/federation/protocol.md §8).

The coordinator's operator writes the quarter's list as a JSON file; :func:`catalogue_publish` checks it, signs
it with the coordinator's trust-list key (a compact JWS, typ ``tongban-catalogue+jwt``), accepts it here and
sends it to every other member as a durable message ``catalogue.version``. Each member accepts a version only
when it is signed by one of its trust anchors (the check of the trust list), of its region, and of a newer
quarter than the one it holds; the quarter it holds again, as signed, changes nothing; an older quarter, or the
quarter it holds with other content, is refused. A version never changes once accepted.

Each member checks the entries it handles against its own catalog (:func:`catalogue_check`): the
implementation code (实施编码) must name a local item with a published version."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from tongban.core.errors import DomainError
from tongban.federation import keys, trust
from tongban.federation.constants import CATALOGUE_TYP, EntryKind, EntryMode, KeyPurpose, LogDirection
from tongban.federation.errors import (
    CatalogueFileInvalid,
    CatalogueNotFound,
    CatalogueOutdated,
    FederationError,
    FederationRefused,
)
from tongban.federation.handlers import handles
from tongban.federation.models import CatalogueEntry, CatalogueHandler, CatalogueVersion, InboundMessage

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "catalogue.version"
QUARTER_RE = re.compile(r"^(20[0-9]{2})Q([1-4])$")
ENTRY_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}-[0-9]{4,6}$")
MAX_ENTRIES = 2000
# The signed version travels inside a message (at most 1,000,000 characters, base64 once more): its own text
# stays under 600,000 characters.
MAX_TOKEN_CHARS = 600_000
MODES = tuple(m.value for m in EntryMode)
KINDS = tuple(k.value for k in EntryKind)

REFUSALS = trust.AnchorRefusals(
    invalid=(FederationError.CATALOGUE_INVALID, _("长三角通办事项目录格式无效")),
    signature=(FederationError.CATALOGUE_SIGNATURE, _("事项目录不是由受信任的协调成员签名的")),
    bad_signature_message=_("事项目录的签名无效"),
)


def quarter_valid(quarter: object) -> bool:
    return isinstance(quarter, str) and QUARTER_RE.match(quarter) is not None


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


# --- the entries: one form for the operator's file and the signed version ----------------------------------------
def _text(value: object, limit: int, what: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError(what)
    text = " ".join(value.split())
    if (required and not text) or len(text) > limit:
        raise ValueError(what)
    return text


def _url(value: object) -> str:
    url = _text(value, 500, "item_url")
    if not url.startswith(("https://", "http://")) or any(c in url for c in "<>\"' "):
        raise ValueError("item_url")
    return url


def clean_entry(raw: object, *, members: set[str] | None = None) -> dict:
    """One entry in its canonical form (ValueError naming the bad field otherwise). ``members``: the member
    codes the entry may name (the trust list's, at publication); None accepts any six-digit code."""
    if not isinstance(raw, dict):
        raise ValueError("entry")
    code = raw.get("code")
    if not isinstance(code, str) or not ENTRY_CODE_RE.match(code):
        raise ValueError("code")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError("kind")
    modes = raw.get("modes")
    if (
        not isinstance(modes, list)
        or not modes
        or any(m not in MODES for m in modes)
        or len(set(modes)) != len(modes)
    ):
        raise ValueError("modes")
    handlers = raw.get("members")
    if not isinstance(handlers, dict) or not handlers:
        raise ValueError("members")
    clean_handlers = {}
    for member, local in sorted(handlers.items()):
        if not (isinstance(member, str) and member.isdigit() and len(member) == 6):
            raise ValueError("members")
        if members is not None and member not in members:
            raise ValueError(f"members.{member}")
        if not isinstance(local, dict):
            raise ValueError(f"members.{member}")
        clean_handlers[member] = {
            "item_code": _text(local.get("item_code"), 64, f"members.{member}.item_code"),
            "item_name": _text(local.get("item_name"), 200, f"members.{member}.item_name"),
            "item_url": _url(local.get("item_url")),
        }
    # 多地联办: several places' authorities work together — at least two members handle it (our choice).
    if EntryMode.MULTI_SITE in modes and len(clean_handlers) < 2:
        raise ValueError("modes.multi_site")
    return {
        "code": code,
        "name": _text(raw.get("name"), 200, "name"),
        "name_en": _text(raw.get("name_en"), 200, "name_en", required=False),
        "kind": kind,
        "modes": [m for m in MODES if m in modes],
        "members": clean_handlers,
    }


def clean_entries(raw: object, *, members: set[str] | None = None) -> list[dict]:
    """Every entry, checked, in the file's order; a code twice, no entry or too many: ValueError."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ENTRIES:
        raise ValueError("entries")
    out, seen = [], set()
    for index, entry in enumerate(raw):
        try:
            clean = clean_entry(entry, members=members)
        except ValueError as exc:
            raise ValueError(f"entries[{index}].{exc}") from exc
        if clean["code"] in seen:
            raise ValueError(f"entries[{index}].code (twice)")
        seen.add(clean["code"])
        out.append(clean)
    return out


# --- the coordinator publishes ----------------------------------------------------------------------------------
@dataclass
class Published:
    version: CatalogueVersion
    sent_to: list[str] = field(default_factory=list)


@transaction.atomic
def catalogue_publish(*, quarter: str, data: object) -> Published:
    """(The coordinator) sign the quarter's catalogue from the operator's file ``data`` (its parsed JSON),
    accept it here and send it to every other member of the trust list as a durable message, all in one
    transaction: nothing is sent for a version that was not stored, and the other way round."""
    from tongban.federation.messages import send

    snapshot = trust.require_current()
    if snapshot.coordinator != settings.TONGBAN_REGION_CODE:
        raise FederationRefused(
            FederationError.NOT_FEDERATED, _("本成员不是协调成员（没有信任列表签名密钥）"), status=409
        )
    if not quarter_valid(quarter):
        raise CatalogueFileInvalid(reason="quarter")
    if not isinstance(data, dict):
        raise CatalogueFileInvalid(reason="file")
    if data.get("quarter") not in (None, quarter):
        raise CatalogueFileInvalid(reason="quarter (the file names another)")
    try:
        entries = clean_entries(data.get("entries"), members=set(snapshot.members))
    except ValueError as exc:
        raise CatalogueFileInvalid(reason=str(exc)[:200]) from exc
    held = CatalogueVersion.objects.filter(quarter=quarter).first()
    if held is not None and held.payload["entries"] == entries:
        return Published(held)  # published before with these entries: nothing to sign or send again
    payload = {
        "region": snapshot.region,
        "quarter": quarter,
        "iat": int(timezone.now().timestamp()),
        "coordinator": snapshot.coordinator,
        "entries": entries,
    }
    token = keys.sign(payload, typ=CATALOGUE_TYP, purpose=KeyPurpose.TRUST_LIST)
    if len(token) > MAX_TOKEN_CHARS:
        raise CatalogueFileInvalid(reason="too_large", limit=MAX_TOKEN_CHARS)
    row, _accepted = catalogue_accept(token)  # refused when older, or the quarter held with other entries
    published = Published(row)
    for member in snapshot.others():
        send(to=member.code, type=MESSAGE_TYPE, body={"catalogue": token})
        published.sent_to.append(member.code)
    return published


# --- every member accepts ---------------------------------------------------------------------------------------
def catalogue_read(token: object) -> dict:
    """The payload of a catalogue version signed by one of this member's trust anchors, checked in form."""
    payload = anchor_signed_catalogue(token)
    try:
        if not quarter_valid(payload["quarter"]):
            raise ValueError("quarter")
        payload["region"] = str(payload["region"])
        payload["coordinator"] = str(payload["coordinator"])
        payload["iat"] = int(payload["iat"])
        payload["entries"] = clean_entries(payload["entries"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FederationRefused(*REFUSALS.invalid) from exc
    return payload


def anchor_signed_catalogue(token: object) -> dict:
    return trust.anchor_signed(token, typ=CATALOGUE_TYP, refusals=REFUSALS, max_chars=MAX_TOKEN_CHARS)


def _refuse_unless_newer(payload: dict, token: str, latest: CatalogueVersion | None) -> bool:
    """True when ``payload`` is newer than ``latest``; False when it is ``latest`` itself; refused otherwise."""
    snapshot = trust.current()
    region = settings.TONGBAN_FEDERATION_REGION or (snapshot.region if snapshot is not None else "")
    if region and payload["region"] != region:
        raise FederationRefused(
            FederationError.CATALOGUE_REGION,
            _("事项目录属于另一个区域"),
            status=409,
            region=payload["region"],
        )
    if latest is None or payload["quarter"] > latest.quarter:
        return True
    if payload["quarter"] == latest.quarter:
        if token == latest.token:
            return False
        raise FederationRefused(
            FederationError.CATALOGUE_CONFLICT,
            _("同一季度的事项目录内容不同"),
            status=409,
            quarter=payload["quarter"],
        )
    raise CatalogueOutdated(quarter=payload["quarter"], current=latest.quarter)


def catalogue_check_newer(token: object) -> dict:
    """Whether ``token`` would be accepted now (no lock, nothing written): its payload, or the refusal."""
    payload = catalogue_read(token)
    assert isinstance(token, str)
    _refuse_unless_newer(payload, token, CatalogueVersion.objects.order_by("-quarter").first())
    return payload


@transaction.atomic
def catalogue_accept(token: object) -> tuple[CatalogueVersion, bool]:
    """Accept a newer catalogue version: (the row, True); the one held again: (its row, False)."""
    from tongban.federation.locks import lock_catalogue
    from tongban.federation.log import log_append

    payload = catalogue_read(token)
    assert isinstance(token, str)
    latest = lock_catalogue()
    if not _refuse_unless_newer(payload, token, latest):
        assert latest is not None
        return latest, False
    row = CatalogueVersion.objects.create(
        region=payload["region"],
        quarter=payload["quarter"],
        coordinator=payload["coordinator"],
        token=token,
        payload=payload,
        issued_at=datetime.fromtimestamp(payload["iat"], tz=UTC),
    )
    _store_entries(row, payload["entries"])
    log_append(
        direction=LogDirection.CATALOGUE,
        peer=payload["coordinator"],
        message_id=None,
        type=f"catalogue.{payload['quarter']}",
        text=token,
    )
    from tongban.federation.facade import portal_state_forget

    transaction.on_commit(portal_state_forget)
    transaction.on_commit(lambda: _report_mismatches(row.quarter), robust=True)
    logger.info("regional catalogue %s %s accepted", row.region, row.quarter)
    return row, True


def _store_entries(version: CatalogueVersion, entries: list[dict]) -> None:
    rows = []
    for order, e in enumerate(entries):
        phrases = [e["name"], *(h["item_name"] for h in e["members"].values())]
        lines = [e["code"].casefold(), e["name_en"].casefold()]
        for phrase in phrases:
            full = "".join(lazy_pinyin(phrase)).casefold()
            initials = "".join(lazy_pinyin(phrase, style=Style.FIRST_LETTER)).casefold()
            lines += [phrase.casefold(), full, initials]
        rows.append(
            CatalogueEntry(
                version=version,
                code=e["code"],
                name=e["name"],
                name_en=e["name_en"],
                kind=e["kind"],
                modes=e["modes"],
                order=order,
                search_text="\n".join(lines),
            )
        )
    created = CatalogueEntry.objects.bulk_create(rows)
    if any(r.pk is None for r in created):  # a backend that does not return ids
        created = list(version.entries.order_by("order"))
    CatalogueHandler.objects.bulk_create(
        CatalogueHandler(entry=entry, member=member, **local)
        for entry, e in zip(created, entries, strict=True)
        for member, local in e["members"].items()
    )


def _report_mismatches(quarter: str) -> None:
    problems = catalogue_check(quarter=quarter)
    if problems:
        logger.warning(
            "regional catalogue %s: %d entries of this member do not match its catalog "
            "(tongban federation catalogue-check)",
            quarter,
            len(problems),
        )


def _check_message(body: dict) -> None:
    catalogue_check_newer(body.get("catalogue"))


@handles(MESSAGE_TYPE, check=_check_message)
def catalogue_version_received(message: InboundMessage) -> None:
    """A catalogue version from the coordinator. It was checked on arrival; a newer one accepted since (two
    versions in flight) makes it outdated now, which is logged, not retried."""
    try:
        catalogue_accept(message.body.get("catalogue"))
    except DomainError as exc:
        logger.warning("catalogue version from %s refused: %s", message.from_member, exc.code)


def catalogue_pull() -> str | None:
    """Fetch the coordinator's latest version (``GET /api/federation/catalogue``) and accept it when newer: the
    quarter now held, or None. A member that missed a message (or joined later) catches up this way."""
    from tongban.federation.transport import Unreachable, get_json

    snapshot = trust.current()
    latest = CatalogueVersion.objects.order_by("-quarter").values_list("quarter", flat=True).first()
    if snapshot is None or snapshot.coordinator == settings.TONGBAN_REGION_CODE:
        return latest
    coordinator = snapshot.members.get(snapshot.coordinator)
    if coordinator is None:
        return latest
    try:
        answer = get_json(f"{coordinator.base_url}/api/federation/catalogue")
    except Unreachable:
        logger.warning("catalogue: the coordinator did not answer")
        return latest
    token = answer.data.get("catalogue") if answer.ok else None
    if token and str(answer.data.get("quarter", "")) > (latest or ""):
        try:
            catalogue_accept(token)
        except DomainError as exc:
            logger.warning("catalogue from the coordinator refused: %s", exc.code)
    return CatalogueVersion.objects.order_by("-quarter").values_list("quarter", flat=True).first()


# --- reads ------------------------------------------------------------------------------------------------------
def quarters() -> list[str]:
    """The quarters held here, newest first."""
    return list(CatalogueVersion.objects.order_by("-quarter").values_list("quarter", flat=True))


def version_get(quarter: str | None = None) -> CatalogueVersion:
    """The version of ``quarter``, or the newest; CatalogueNotFound when there is none."""
    qs = CatalogueVersion.objects.order_by("-quarter")
    row = qs.filter(quarter=quarter).first() if quarter else qs.first()
    if row is None:
        raise CatalogueNotFound(quarter=(quarter or "")[:6])
    return row


def entries(
    version: CatalogueVersion, *, query: str = "", mode: str = "", kind: str = "", member: str = ""
) -> QuerySet[CatalogueEntry]:
    """The version's entries, by name (or pinyin, initials, code, a member's item name), 通办 mode, audience and
    handling member, in the catalogue's order, with their handlers."""
    qs = version.entries.prefetch_related("handlers").order_by("order", "id")
    term = " ".join(query.split()).casefold()
    if term:
        qs = qs.filter(search_text__contains=term)
    if mode:
        qs = qs.filter(modes__icontains=f'"{mode}"')  # the JSON text: one quoted mode, on both databases
    if kind:
        qs = qs.filter(kind=kind)
    if member:
        qs = qs.filter(handlers__member=member)
    return qs


@dataclass(frozen=True)
class ModesChange:
    entry: CatalogueEntry
    before: list[str]


@dataclass(frozen=True)
class Changes:
    """A version against the one before it held here (None when it is the first)."""

    previous: str | None
    added: list[CatalogueEntry]
    removed: list[CatalogueEntry]
    modes_changed: list[ModesChange]

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.modes_changed)


def changes(version: CatalogueVersion) -> Changes:
    """What the version added, removed and changed the modes of, by regional code, against the version of the
    latest quarter before it held here."""
    before = CatalogueVersion.objects.filter(quarter__lt=version.quarter).order_by("-quarter").first()
    if before is None:
        return Changes(None, [], [], [])
    now = {e.code: e for e in version.entries.order_by("order", "id")}
    old = {e.code: e for e in before.entries.order_by("order", "id")}
    return Changes(
        before.quarter,
        [e for code, e in now.items() if code not in old],
        [e for code, e in old.items() if code not in now],
        [
            ModesChange(e, old[code].modes)
            for code, e in now.items()
            if code in old and old[code].modes != e.modes
        ],
    )


# --- this member's entries against its catalog ------------------------------------------------------------------
class MismatchKind:
    MISSING = "missing"  # no local item with the implementation code
    NOT_PUBLISHED = "not_published"  # the item exists, no version of it is published (draft or retired)
    NAME_DIFFERS = "name_differs"  # the published version's name is not the entry's local name


MISMATCH_LABELS = {
    MismatchKind.MISSING: _("本地没有这个实施编码的事项"),
    MismatchKind.NOT_PUBLISHED: _("本地事项没有已发布的版本"),
    MismatchKind.NAME_DIFFERS: _("本地事项名称与目录不一致"),
}


@dataclass(frozen=True)
class Mismatch:
    entry_code: str
    entry_name: str
    item_code: str
    item_name: str
    kind: str
    local_name: str = ""

    @property
    def label(self) -> str:
        return str(MISMATCH_LABELS[self.kind])


def catalogue_check(*, quarter: str | None = None) -> list[Mismatch]:
    """This member's entries of the version (the newest by default) whose local item is missing, not
    published, or published under another name. Empty when the version is not held or names no local item."""
    from tongban.catalog.facade import item_states

    version = (
        CatalogueVersion.objects.filter(**({"quarter": quarter} if quarter else {}))
        .order_by("-quarter")
        .first()
    )
    if version is None:
        return []
    own = CatalogueHandler.objects.filter(entry__version=version, member=settings.TONGBAN_REGION_CODE)
    rows = list(own.select_related("entry").order_by("entry__order", "entry_id"))
    local = item_states(r.item_code for r in rows)
    found = []
    for r in rows:
        state = local.get(r.item_code)
        kind = None
        if state is None:
            kind = MismatchKind.MISSING
        elif not state.published:
            kind = MismatchKind.NOT_PUBLISHED
        elif state.name != r.item_name:
            kind = MismatchKind.NAME_DIFFERS
        if kind is not None:
            found.append(
                Mismatch(
                    r.entry.code, r.entry.name, r.item_code, r.item_name, kind, state.name if state else ""
                )
            )
    return found
