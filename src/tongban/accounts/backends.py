from django.contrib.auth.backends import ModelBackend


class PhoneOrUsernameBackend(ModelBackend):
    """Password login by login name or mobile number, for every login form (ours and the admin's), with
    the throttles, lockout and audit of :func:`tongban.accounts.passwords.password_check`."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        from tongban.accounts.passwords import password_check

        return password_check(request, username, password)
