from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "iDoneThis"

    def ready(self):
        from anymail.signals import inbound

        from core.web.inbound import inbound_email

        inbound.connect(inbound_email, dispatch_uid="core.inbound_email")
