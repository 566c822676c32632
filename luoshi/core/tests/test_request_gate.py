"""The live server's RequestGate (luoshi.core.testing): a test ends only when every request it caused is answered."""
import threading

import pytest

from luoshi.core.testing import RequestGate


class _Response(list):
    closed = False

    def close(self):
        self.closed = True


def _app_that_waits(entered: threading.Event, release: threading.Event):
    def app(environ, start_response):
        entered.set()
        release.wait()
        start_response("200 OK", [])
        return _Response([b"ok"])
    return app


def _start(environ=None):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status
    return seen, start_response


def test_close_and_wait_returns_only_after_the_request_in_flight_is_closed():
    entered, release = threading.Event(), threading.Event()
    gate = RequestGate(_app_that_waits(entered, release))
    answer = {}

    def serve():
        seen, start_response = _start()
        answer["result"] = gate({}, start_response)

    server = threading.Thread(target=serve)
    server.start()
    entered.wait()
    waited = threading.Event()
    waiter = threading.Thread(target=lambda: (gate.close_and_wait(), waited.set()))
    waiter.start()
    release.set()
    server.join()
    # the app has returned, but the server has not yet written and closed the response: still in flight
    assert gate._in_flight == 1 and not waited.is_set()
    assert list(answer["result"]) == [b"ok"]
    answer["result"].close()
    waiter.join()
    assert waited.is_set()
    assert answer["result"]._result.closed


def test_a_closed_gate_answers_503_without_running_the_app_and_opens_again():
    calls = []

    def app(environ, start_response):
        calls.append(1)
        start_response("200 OK", [])
        return [b"ok"]

    gate = RequestGate(app)
    gate.close_and_wait()
    seen, start_response = _start()
    assert list(gate({}, start_response)) == [b"the test is over"]
    assert seen["status"].startswith("503") and calls == []
    gate.open()
    seen, start_response = _start()
    result = gate({}, start_response)
    result.close()
    assert seen["status"] == "200 OK" and calls == [1]


def test_an_app_that_raises_is_not_left_in_flight():
    def app(environ, start_response):
        raise RuntimeError("boom")

    gate = RequestGate(app)
    with pytest.raises(RuntimeError):
        gate({}, _start()[1])
    gate.close_and_wait(limit_s=5)  # returns: nothing in flight


def test_close_and_wait_names_a_hang():
    entered, release = threading.Event(), threading.Event()
    gate = RequestGate(_app_that_waits(entered, release))
    server = threading.Thread(target=lambda: gate({}, _start()[1]))
    server.start()
    entered.wait()
    with pytest.raises(TimeoutError, match="1 request"):
        gate.close_and_wait(limit_s=0)
    release.set()
    server.join()
