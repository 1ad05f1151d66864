from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from tongban.accounts.models import User


class PhoneOrUsernameBackend(ModelBackend):
    """Password login by login name or by mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = User.objects.filter(Q(username=username) | Q(phone=username)).first()
        if user is None:
            User().set_password(password)  # same cost whether or not the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
