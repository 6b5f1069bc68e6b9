"""Transactional emails of the product (invitations, address verification), through EMAIL_BACKEND."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def mail_send(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
