from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


def _find_staff(identifier: str):
    """The account a login identifier (工号 or 手机号) refers to, or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    User = get_user_model()
    matches = list(
        User.objects.filter(Q(username=identifier) | Q(phone=identifier))[:2]
    )
    # A 工号 that looks like someone else's phone number would be ambiguous;
    # the exact 工号 wins.
    for user in matches:
        if user.username == identifier:
            return user
    return matches[0] if matches else None


class StaffLoginBackend(ModelBackend):
    """Accepts a 工号 or a 手机号 in the username field."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = _find_staff(username)
        if user is None:
            # Run the hasher anyway so timing does not reveal unknown accounts.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials) -> str:
    """Count failures per account, whichever identifier was typed."""
    typed = ""
    if credentials:
        typed = credentials.get("username", "") or ""
    if not typed and request is not None:
        typed = request.POST.get("username", "")
    user = _find_staff(typed)
    return user.username if user else typed.strip()
