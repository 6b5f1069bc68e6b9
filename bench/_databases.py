"""Benchmark databases beside the one in ``DATABASE_URL``: ``<name>_<suffix>``, created when missing.

A bench that compares sizes keeps one database per size (filled once, reused by later runs) and
can switch Django's connection between them, so both sizes are measured in alternation, under the
same load from whatever else the machine is doing.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def name_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def ensure(url: str) -> str:
    """Create the database of ``url`` when it does not exist yet (connecting to the server's ``postgres``)."""
    name = name_of(url)
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def sibling(url: str, suffix: str) -> str:
    """``<name>_<suffix>`` on the same server, created when missing."""
    return ensure(with_name(url, f"{name_of(url)}_{suffix}"))


def use(url: str) -> None:
    """Point Django's default connection at another database of the same server (pool off: DB_POOL_MAX_SIZE=0)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name_of(url)
