"""Who this process is: its dyno name and process type, known before Django is set up.

Heroku sets ``$DYNO`` (``web.1``); elsewhere (honcho, a shell) we infer the process type from the
command line and name the process ``<type>.<host>.<pid>`` so two processes never share a name.
"""

import os
import socket
import sys

PROCESS_TYPES = ("web", "worker", "beat", "release")


def process_type(argv: list[str] | None = None) -> str:
    if os.environ.get("DYNO"):
        return os.environ["DYNO"].split(".", 1)[0]
    if os.environ.get("PROCESS_TYPE"):
        return os.environ["PROCESS_TYPE"]
    argv = sys.argv if argv is None else argv
    command = " ".join(os.path.basename(a) for a in argv)
    if "waitress" in command:
        return "web"
    if "celery" in command:
        for kind in ("beat", "worker"):
            if kind in argv:
                return kind
    if "migrate" in argv or "sync_schedules" in argv:
        return "release"
    return "run"


def dyno_name() -> str:
    if os.environ.get("DYNO"):
        return os.environ["DYNO"]
    return f"{process_type()}.{socket.gethostname()}.{os.getpid()}"


def release() -> str:
    return os.environ.get("HEROKU_RELEASE_VERSION") or os.environ.get("SOURCE_VERSION", "")[:12] or "dev"
