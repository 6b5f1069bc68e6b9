"""A real HTTP server on 127.0.0.1 that receives our webhooks: it records every request and answers with the
status codes it is told to (the last one repeats)."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering (a slow receiver)

    def answer(self, *codes: int) -> None:
        self.answers[:] = list(codes)


@contextmanager
def webhook_receiver(*answers: int):
    state = Receiver(url="", answers=list(answers) or [200])
    lock = threading.Lock()
    stop = threading.Event()  # set on exit, so a slow answer never holds the server's shutdown

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                code = state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
            stop.wait(state.delay)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/idt"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
