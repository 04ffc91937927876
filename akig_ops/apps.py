from django.apps import AppConfig


class AkigOpsConfig(AppConfig):
    name = "akig_ops"
    verbose_name = "AKIG Ops"

    def ready(self):
        # Connects the Celery signals that count task runs and failures (/metrics).
        from akig_ops.lib import metriques_celery  # noqa: F401
