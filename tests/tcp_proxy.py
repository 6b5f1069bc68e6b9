"""A TCP proxy the test controls, to put a network fault between a process and its database.

``forward()`` relays bytes both ways; ``refuse()`` closes the listener and every connection (as a
stopped server does: connects are refused at once); ``blackhole()`` accepts connections and keeps
them open but relays nothing, dropping what arrives (a partition: nothing answers, nothing is
refused; the proxy's kernel still acknowledges, so only a client-side timeout can notice).
Back to ``forward()``, connections that lost bytes are closed, as the network's return would reset them.
"""

import select
import socket
import threading

from tests.processes import free_port


class _Pair:
    def __init__(self, client: socket.socket, upstream: socket.socket | None):
        self.client, self.upstream = client, upstream
        self.broken = upstream is None  # accepted during a black-hole: never connected upstream
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.upstream):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass


class ControlledProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "forward"
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._listener: socket.socket | None = None

    def __enter__(self):
        self._listen()
        return self

    def __exit__(self, *exc):
        self.mode = "closed"
        self._stop_listening()
        self._close_pairs(lambda pair: True)

    def forward(self) -> None:
        self._close_pairs(lambda pair: pair.broken)
        self.mode = "forward"
        self._listen()

    def refuse(self) -> None:
        self.mode = "refuse"
        self._stop_listening()
        self._close_pairs(lambda pair: True)

    def blackhole(self) -> None:
        self.mode = "blackhole"
        self._listen()

    def _listen(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _close_pairs(self, which) -> None:
        with self._lock:
            doomed = [pair for pair in self._pairs if which(pair)]
            self._pairs.difference_update(doomed)
        for pair in doomed:
            pair.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed (refuse, or the end)
            upstream = None
            if self.mode == "forward":
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.add(pair)
            if upstream is not None:
                for src, dst in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._relay, args=(pair, src, dst), daemon=True).start()

    def _relay(self, pair: _Pair, src: socket.socket, dst: socket.socket) -> None:
        while not pair.closed:
            try:
                readable, _, _ = select.select([src], [], [], 0.2)
                if not readable:
                    continue
                data = src.recv(65536)
            except (OSError, ValueError):
                return
            if self.mode != "forward":
                pair.broken = True  # dropped: this connection can never be in step again
                if not data:
                    return  # the peer gave up; a partition carries no news of it
                continue
            if not data:
                with self._lock:
                    self._pairs.discard(pair)
                pair.close()
                return
            try:
                dst.sendall(data)
            except OSError:
                pair.close()
                return
