"""Who is acting: one small frozen value, computed once at the edge of a request (the page's middleware, the
API's authentication, a command) and passed down to every service, access function and selector, which read
it instead of reaching back into accounts. Built by ``tongban.accounts.facade.actor_for``; core only defines
it, because core cannot import accounts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from tongban.core.errors import CoreError, NotAuthenticated


class ActorKind(StrEnum):
    USER = "user"  # a person or a member of staff, logged in
    CLIENT = "client"  # a department's system with an API key
    SYSTEM = "system"  # the platform itself: tasks, commands, demo data
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Membership:
    """A role held in an organisation; ``organisation_path`` is the organisation's place in the tree, so
    that the subtree it reaches is every path that starts with it."""

    role: str
    organisation_uuid: str
    organisation_path: str
    organisation_name: str


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None  # the user's or the API client's primary key
    uuid: str | None = None  # and its public id
    label: str = ""  # how the audit trail and a case's timeline name them: masked, never a full phone number
    display_name: str = ""  # how colleagues see a member of staff (a step's claimant); a person's real name
    roles: frozenset[str] = frozenset()
    memberships: tuple[Membership, ...] = ()
    person_id: int | None = None
    person_uuid: str | None = None
    assurance_level: int = 0  # of the person behind a user (0 for anyone else)
    is_platform_admin: bool = False
    organisation_uuid: str | None = None  # an API client's organisation
    organisation_path: str = ""  # and its place in the tree
    scopes: frozenset[str] = frozenset()  # an API client's scopes
    elderly_mode: bool = False
    phone: str = field(default="", repr=False)  # a user's verified phone, to tell them without a query
    # What accounts reads once per request on the actor's behalf (its person, whose licences it may use);
    # an actor lives for one request, a command or a task, so this never outlives what it was read from.
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return self.kind in (ActorKind.USER, ActorKind.CLIENT)

    @property
    def user_id(self) -> int | None:
        """The user's primary key (None for a client, the system or an anonymous caller)."""
        return self.id if self.kind == ActorKind.USER else None

    def org_paths(self, roles: Collection[str] | None = None) -> list[str]:
        """The subtrees reached through memberships with one of ``roles`` (any role when None)."""
        return [m.organisation_path for m in self.memberships if roles is None or m.role in roles]

    def organisation_name(self, roles: Collection[str] | None = None) -> str:
        """The organisation they act for, as the people whose data they read are told (谁使用了我的信息): that
        of their first membership with one of ``roles`` (any role when None); an API client's name; ""."""
        if self.kind == ActorKind.CLIENT:
            return self.display_name
        return next((m.organisation_name for m in self.memberships if roles is None or m.role in roles), "")

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def require_user_id(self) -> int:
        """The user's primary key; 401 for an actor that is not a logged-in user."""
        if self.kind != ActorKind.USER or self.id is None:
            raise NotAuthenticated(CoreError.NOT_AUTHENTICATED)
        return self.id

    def require_person_id(self) -> int:
        """The primary key of the user's person; 401 for anyone without one."""
        if self.person_id is None:
            raise NotAuthenticated(CoreError.NOT_AUTHENTICATED)
        return self.person_id


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="system")
ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS, label="anonymous")
