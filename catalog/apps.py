from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Каталог")

    def ready(self):
        from catalog.directions import directions_after_migrate
        from catalog.models import SearchSynonym
        from catalog.services import search_synonyms_changed

        post_migrate.connect(directions_after_migrate, sender=self)
        post_save.connect(search_synonyms_changed, sender=SearchSynonym, dispatch_uid="search_synonyms_saved")
        post_delete.connect(search_synonyms_changed, sender=SearchSynonym, dispatch_uid="search_synonyms_deleted")
