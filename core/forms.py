"""Forms of the portal's own pages (the skeleton; app-specific forms live in their apps)."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form with the portal's wording and widgets ready for the Bootstrap layout."""

    error_messages = {
        "invalid_login": _(
            "Неверное имя пользователя или пароль. Проверьте раскладку клавиатуры и не включён ли Caps Lock."
        ),
        "inactive": _("Эта учётная запись отключена. Обратитесь к оператору портала."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Имя пользователя")
        self.fields["password"].label = _("Пароль")
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control form-control-lg"
            if self.is_bound and self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = "login-errors"
            field.widget.attrs.setdefault("id", f"id_{name}")
