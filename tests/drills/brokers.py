"""Brokers a drill may break without disturbing anyone: a Redis of its own, a RabbitMQ vhost of its own
reached through a TCP proxy the drill can cut."""

import select
import shutil
import signal
import socket
import subprocess
import threading
from contextlib import contextmanager

from tests.processes import free_port, wait_for

RABBITMQ = ("127.0.0.1", 5672)
RABBITMQ_VHOST = "idt_drills"


class OwnRedis:
    """``redis-server`` on a spare port, no persistence: stopping it loses every message it held."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def own_redis():
    redis = OwnRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def rabbitmq_vhost() -> str:
    """Our own vhost on the shared RabbitMQ (created once), so a drill's queues never meet anyone else's."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    vhosts = subprocess.run([ctl, "-q", "list_vhosts"], capture_output=True, text=True, check=True).stdout.split()
    if RABBITMQ_VHOST not in vhosts:
        subprocess.run([ctl, "-q", "add_vhost", RABBITMQ_VHOST], check=True, capture_output=True)
        subprocess.run(
            [ctl, "-q", "set_permissions", "-p", RABBITMQ_VHOST, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
    return RABBITMQ_VHOST


class TcpProxy:
    """Forwards a local port to RabbitMQ. ``cut()`` closes every connection and refuses new ones (what a
    broker restart or a network partition looks like to its clients); ``restore()`` listens again."""

    def __init__(self, target=RABBITMQ):
        self.target, self.port = target, free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{rabbitmq_vhost()}"

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        listener, self._listener = self._listener, None
        if listener:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        pair = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select(list(pair), [], [], 1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                try:
                    sock.close()
                except OSError:
                    pass


@contextmanager
def rabbitmq_through_proxy():
    proxy = TcpProxy()
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()


def rabbitmq_queue_purge(url: str, queue: str) -> None:
    """Drop a drill's queue afterwards so the vhost does not fill up with dead queues."""
    from kombu import Connection

    with Connection(url) as conn:
        channel = conn.channel()
        try:
            channel.queue_delete(queue)
        except Exception:  # never declared (the drill failed early): nothing to drop
            pass
