from django.contrib.auth.backends import ModelBackend


class PhoneOrUsernameBackend(ModelBackend):
    """Password login by login name or mobile number, for every login form (ours and the admin's), with
    the throttles, lockout and audit of :func:`tongban.accounts.passwords.password_check`."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        from tongban.accounts.passwords import password_check

        return password_check(request, username, password)

    def get_user(self, user_id):
        """The logged-in user of a request, with their person (None for staff) and whether they hold any
        staff role read in the same query (a citizen's actor then needs no other query)."""
        from django.db.models import Exists, OuterRef

        from tongban.accounts.models import StaffMembership, User

        try:
            user = (
                User._default_manager.select_related("person")
                .annotate(holds_roles=Exists(StaffMembership.objects.filter(user_id=OuterRef("pk"))))
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
