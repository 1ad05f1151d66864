"""The one password check every login path goes through (the API, our pages and Django's admin, via the
authentication backend): per-address throttle, per-account lockout counted *before* the slow hash check
(so parallel guesses cannot slip past the limit), and an audit row for every failure."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tongban.accounts.actors import actor_for
from tongban.accounts.models import User
from tongban.accounts.throttle import throttle_clear, throttle_hit, throttle_hit_count
from tongban.core.audit import audit_record
from tongban.core.middleware import client_ip

logger = logging.getLogger(__name__)

HOUR = 3600
THROTTLED = "throttled"
LOCKED = "locked"
FROZEN = "frozen"


def lock_key(identifier: str) -> str:
    return identifier.strip().lower()


def address_allowed(request) -> bool:
    """Count a login attempt from the request's address (password and SMS logins share the limit)."""
    ip = "internal" if request is None else (getattr(request, "client_ip", "") or client_ip(request))
    return throttle_hit("login-ip", ip, limit=settings.TONGBAN_LOGIN_IP_PER_HOUR, window=HOUR)


def _refuse(request, reason: str, *, until=None, now=None) -> None:
    if request is not None:
        request.tongban_login_refusal = reason
        if until is not None and now is not None:
            request.tongban_locked_seconds = max(int((until - now).total_seconds()), 1)


def _name_key(key: str) -> str:
    return "tb:login-lock:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _name_locked_until(key: str):
    """The end of the lock of a login name that has no account (kept in the cache as an account's is kept
    on its row), so that such a name is locked, and told so, exactly as an account would be."""
    stamp = cache.get(_name_key(key))
    return datetime.fromtimestamp(stamp, tz=UTC) if stamp else None


def password_check(request, identifier: str, password: str) -> User | None:
    """The account when the password is right and nothing stops it; None otherwise, with the reason (if it
    is not simply a wrong password) left on ``request.tongban_login_refusal``."""
    window = settings.TONGBAN_LOGIN_LOCKOUT_SECONDS
    limit = settings.TONGBAN_LOGIN_MAX_FAILURES
    if not address_allowed(request):
        _refuse(request, THROTTLED)
        logger.warning("password login refused: too many attempts from one address")
        return None
    key = lock_key(identifier)
    user = User.objects.filter(Q(username=identifier) | Q(phone=identifier)).first()
    now = timezone.now()
    until = user.locked_until if user is not None else _name_locked_until(key)
    if until and until > now:
        _refuse(request, LOCKED, until=until, now=now)
        _failed(user, locked=True, reason="locked")
        return None
    # Count the attempt first: a burst of parallel guesses is counted before any of them is checked.
    failures = throttle_hit_count("login-fail", key, window=window)
    if failures > limit:
        _lock(user, key, now, window)
        _refuse(request, LOCKED, until=now + timedelta(seconds=window), now=now)
        _failed(user, locked=True, reason="too_many_failures")
        return None
    if request is not None:
        # What a wrong password is told: how many tries are left before the lock (0: it starts now). The
        # count is per login name, whether or not an account has it, so this tells nothing about one.
        request.tongban_login_attempts_left = max(limit - failures, 0)
    if user is None:
        User().set_password(password)  # the same cost whether or not the account exists
        locked = failures >= limit
        if locked:
            _lock(None, key, now, window)  # a name without an account is locked for as long as one with
        _failed(None, locked=locked)
        return None
    if user.frozen_at is not None and user.check_password(password):
        # The right password of a frozen account: say so (its owner must go to a window), log in nobody.
        _refuse(request, FROZEN)
        _failed(user, locked=False, reason="frozen")
        return None
    if not (user.check_password(password) and user.is_active):
        locked = failures >= limit
        if locked:
            _lock(user, key, now, window)
        _failed(user, locked=locked)
        return None
    password_failures_clear(user)
    return user


def _lock(user: User | None, key: str, now, window: int) -> None:
    """Lock the account for ``window`` seconds. The counted failures are forgotten: the lock itself now
    holds the state, and a lock that has run out must not be renewed by failures from before it."""
    if user is not None:
        User.objects.filter(pk=user.pk).update(locked_until=now + timedelta(seconds=window))
    else:
        cache.set(_name_key(key), (now + timedelta(seconds=window)).timestamp(), timeout=window)
    throttle_clear("login-fail", key, window=window)


def _failed(user: User | None, *, locked: bool, reason: str = "wrong_password") -> None:
    """Audit a refused password login (refusals by the per-address limit are only logged: an attacker
    could otherwise fill the trail)."""
    with transaction.atomic():
        audit_record(
            actor=actor_for(None),
            action="auth.login_failed",
            object_type="user",
            object_id=user.uuid if user else "",
            after={"method": "password", "locked": locked, "reason": reason},
            subject_user_id=user.pk if user else None,
        )
    logger.info("password login failed")


def password_failures_clear(user: User) -> None:
    """Forget the failures counted against this account and lift an ended lock (after a successful login,
    by password or SMS code, or a password reset)."""
    window = settings.TONGBAN_LOGIN_LOCKOUT_SECONDS
    for ident in {user.username, user.phone or ""} - {""}:
        throttle_clear("login-fail", lock_key(ident), window=window)
    if user.locked_until is not None:
        User.objects.filter(pk=user.pk).update(locked_until=None)
        user.locked_until = None
