"""Bulk test data with factory_boy: many people and entries without spelling each one out."""

import datetime as dt

import factory

from core.models import Entry, Membership, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    nickname = factory.Sequence(lambda n: f"person{n}")
    password = factory.django.Password("a-long-password-9")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    kind = Entry.Kind.DONE
    text = factory.Faker("sentence")
    html = factory.LazyAttribute(lambda entry: entry.text)
    occurred_on = factory.LazyFunction(dt.date.today)
