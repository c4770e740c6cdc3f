from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Пользователи")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import User
        from accounts.session_user import forget_cached_user

        def forget(sender, instance, **kwargs):
            forget_cached_user(instance.pk)

        post_save.connect(forget, sender=User, weak=False, dispatch_uid="accounts.session_user.saved")
        post_delete.connect(forget, sender=User, weak=False, dispatch_uid="accounts.session_user.deleted")
