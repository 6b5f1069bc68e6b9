"""Opaque public ids: URLs never reveal sequential primary keys or how big a team is."""

import secrets

ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no l/1/0 that read alike in an email
LENGTH = 10


def new_hash() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
