"""The one client loop of the HTTP benchmarks (bench/pages.py: one page, the miss pattern; bench/cluster.py: a mix of
pages through one server, two, or nginx): `concurrency` threads, each with one keep-alive connection, take the next
request of a shared plan as soon as their last one is answered, and the latency of every answer is recorded by label.

    result = drive([("127.0.0.1", 8000)], [Request("workbench", "/", cookie)], n=200, concurrency=20, timeout=60)
    summary(result.latencies["workbench"])   # {"n", "p50", "p95", "max", "mean"}

Plain standard library: no Django here (the scripts set Django up themselves)."""
from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    label: str
    path: str
    cookie: str = ""
    who: str = ""  # for error messages (the user's name)


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # label → ms of every 200 answer
    errors: list[str] = field(default_factory=list)  # "HTTP 500 /path as user", "/path: ConnectionResetError" …
    wall: float = 0.0

    @property
    def ok(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rps(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    def every(self) -> list[float]:
        return sorted(ms for v in self.latencies.values() for ms in v)


def get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, int]:
    """One GET on an open connection (Chinese interface, as the offices use it): (status, body length)."""
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, len(body)


def drive(targets: list[tuple[str, int]], plan: list[Request], *, n: int, concurrency: int, timeout: float,
          max_seconds: float | None = None, think: float = 0.0) -> Result:
    """Send `n` GETs, the k-th being plan[k % len(plan)], from `concurrency` clients; client i talks to
    targets[i % len(targets)] (one server, two servers split between the clients, or one nginx). Stops early after
    `max_seconds`. With `think`, each client pauses an exponential time of that mean between its requests (and
    reopens a connection the server closed meanwhile, timed from the new attempt, as a browser does)."""
    result = Result()
    lock = threading.Lock()
    issued = [0]
    stop_at = time.perf_counter() + max_seconds if max_seconds is not None else None

    def client(i: int) -> None:
        rng = random.Random(i)
        host, port = targets[i % len(targets)]
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        if think:
            time.sleep(rng.uniform(0, think))  # clients start spread out, as people do
        while True:
            with lock:
                if issued[0] >= n or (stop_at is not None and time.perf_counter() > stop_at):
                    break
                r = plan[issued[0] % len(plan)]
                issued[0] += 1
            t0 = time.perf_counter()
            try:
                try:
                    status, _size = get(conn, r.path, r.cookie)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not think:
                        raise
                    # gunicorn closes a keep-alive connection idle for 2 s; after a pause a browser simply opens
                    # a new one, and so does this client
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                    t0 = time.perf_counter()
                    status, _size = get(conn, r.path, r.cookie)
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                with lock:
                    result.errors.append(f"{r.path}: {type(e).__name__}")
                continue
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    result.latencies.setdefault(r.label, []).append(ms)
                else:
                    result.errors.append(f"HTTP {status} {r.path}" + (f" as {r.who}" if r.who else ""))
            if think:
                time.sleep(rng.expovariate(1 / think))
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    return result


def summary(latencies: list[float]) -> dict:
    """n, p50, p95, max and mean (ms) of a list of latencies."""
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else float("nan")

    return {"n": len(lat), "p50": pct(50), "p95": pct(95), "max": lat[-1] if lat else float("nan"),
            "mean": statistics.fmean(lat) if lat else float("nan")}
