"""The local REST gateway serves requests side by side (a thread pool), while Chalice keeps the current
request on the app object: each thread must see its own request, as each Lambda container does."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from chalice.app import Chalice

from local.rest_gateway import RestGateway


def test_concurrent_requests_each_read_their_own_request() -> None:
    app = Chalice("probe")
    first_arrived = threading.Event()

    @app.route("/echo")
    def echo() -> dict[str, str]:
        who = app.current_request.query_params["who"]  # type: ignore[union-attr,index]
        if who == "first":
            first_arrived.set()
            time.sleep(0.3)  # the second request arrives meanwhile
        else:
            first_arrived.wait(5)
        return {"asked": who, "read": app.current_request.query_params["who"]}  # type: ignore[union-attr,index]

    gateway = RestGateway(app)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda who: gateway.respond("GET", f"/echo?who={who}", {}, None),
                                ["first", "second"]))
    bodies = [json.loads(body) for status, _, body in answers if status == 200]
    assert len(bodies) == 2
    assert all(body["asked"] == body["read"] for body in bodies), bodies
