"""Django's PostgreSQL backend, with the pool's check before lending a connection made cheap (base.py)."""
