"""Writes about people: signing up creates the user and their private personal log."""

from django.db import transaction

from core.models import User
from core.services.teams import personal_log_create


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str = "", time_zone: str = "UTC") -> User:
    user = User.objects.create_user(email=email, password=password, full_name=full_name, time_zone=time_zone)
    personal_log_create(user=user)
    return user
