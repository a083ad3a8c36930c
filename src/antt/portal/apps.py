from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "antt.portal"
    verbose_name = "Cổng thông tin"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from antt.core.pagecache import forget_public_pages

        # What the cached public pages show (core.pagecache): a change retires them all.
        for label in (
            "portal.Announcement",
            "portal.ContactPoint",
            "catalog.Field",
            "catalog.Procedure",
            "catalog.ProcedureVersion",
            "catalog.ProcedureLevel",
            "catalog.RequiredDocument",
            "catalog.Fee",
            "catalog.ProcessStep",
            "org.Unit",
        ):
            model = apps.get_model(label)
            post_save.connect(forget_public_pages, sender=model, dispatch_uid=f"public-pages-{label}-save")
            post_delete.connect(forget_public_pages, sender=model, dispatch_uid=f"public-pages-{label}-delete")
