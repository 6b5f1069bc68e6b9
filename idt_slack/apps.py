from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "idt_slack"
    verbose_name = "Slack"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.signals import entry_created
        from idt_slack.tasks import entry_created_receiver

        # Only owes the channel post and nudges a worker; the sweeper catches any signal that was lost.
        entry_created.connect(entry_created_receiver, dispatch_uid="idt_slack.entry_created")
