"""Every row lock of the accounts context, in one place. A transaction that needs several takes them in this
order: users, then persons (claimants of an identifier by primary key), then authorisations. One-time-code
challenges are locked alone, in their own short transaction."""

from __future__ import annotations

from tongban.accounts.constants import AssuranceLevel
from tongban.accounts.models import Authorisation, OtpChallenge, Person, User


def lock_latest_challenge(*, phone: str, purpose: str, now) -> OtpChallenge | None:
    """The latest unused, unexpired one-time-code challenge of a phone and purpose."""
    return (
        OtpChallenge.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-id")
        .first()
    )


def lock_user_by_phone(phone: str) -> User | None:
    return User.objects.select_for_update().filter(phone=phone).first()


def lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def lock_person_of_user(user: User) -> Person | None:
    return Person.objects.select_for_update().filter(user=user).first()


def lock_claimants(person: Person):
    """The other persons that claim ``person``'s identifier, with their users, by primary key."""
    return (
        Person.objects.select_for_update()
        .filter(id_kind=person.id_kind, id_number=person.id_number)
        .exclude(pk=person.pk)
        .select_related("user")
        .order_by("pk")
    )


def lock_confirmed_holder(*, id_kind: str, id_number: str, besides: Person) -> Person | None:
    """Another person holding the identifier with a confirmed identity (L2+), if any."""
    return (
        Person.objects.select_for_update()
        .filter(id_kind=id_kind, id_number=id_number, assurance_level__gte=AssuranceLevel.L2)
        .exclude(pk=besides.pk)
        .select_related("user")
        .first()
    )


def lock_authorisation(authorisation: Authorisation) -> Authorisation:
    """The authorisation (its enterprise read, not locked)."""
    return (
        Authorisation.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=authorisation.pk)
    )
