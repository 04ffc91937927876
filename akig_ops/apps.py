from django.apps import AppConfig


class AkigOpsConfig(AppConfig):
    name = "akig_ops"
    verbose_name = "AKIG Ops"

    def ready(self):
        # Connects the audit log's receivers (logins, refused logins).
        from akig_ops import signaux  # noqa: F401  (not at the top: models load after apps)
