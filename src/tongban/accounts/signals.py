"""Every successful login, through our pages, the API or Django's admin, is audited here."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from tongban.accounts.actors import actor_for
from tongban.core.audit import audit_record

# Sent inside the transaction of a window recovery (services.person_recover_at_window) when what a squatting
# account did with a confirmed identity passes to its real owner: other contexts move their rows that name
# the person (cases by applicant) from ``from_person_uuid`` to ``to_person_uuid``.
identity_transferred = Signal()


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    method = getattr(request, "tongban_login_method", None) or (
        "admin" if request is not None and request.path.startswith("/admin/") else "password"
    )
    audit_record(
        actor=actor_for(user),
        action="auth.login",
        object_type="user",
        object_id=user.uuid,
        after={"method": method},
        subject_user_id=user.pk,
    )
