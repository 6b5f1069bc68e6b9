from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "iDoneThis"

    def ready(self):
        from anymail.signals import inbound, tracking

        from core.web.inbound import inbound_email, tracking_event

        inbound.connect(inbound_email, dispatch_uid="core.inbound_email")
        tracking.connect(tracking_event, dispatch_uid="core.tracking_event")
