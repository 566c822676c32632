"""gunicorn's settings for luoshi; gunicorn reads this file from the directory it starts in (`make serve`, the
systemd unit of docs/deployment.md, bench/pages.py). Options given on gunicorn's command line win.

Pages are CPU work (a database round trip is well under a millisecond, docs/benchmarks.md), so the server runs
**processes, not threads**: cores + 1 synchronous workers, which take requests from one shared queue in arrival
order. Measured with the miss pattern on 2 cores (issue #11, session 7): 3 workers × 1 thread served 156–166
requests/s with p95 148–157 ms, 2 × 4 threads 152 with p95 230–267 (the threads of a process share one
interpreter lock, and each process keeps its own queue of kept-alive connections). A synchronous worker serves one
client at a time: in front of the internet put nginx before it (docs/deployment.md), which buffers slow clients.

LUOSHI_WEB_WORKERS and LUOSHI_WEB_THREADS (whole numbers ≥ 1) change the two numbers; threads > 1 makes gunicorn
use its threaded worker (gthread) with kept-alive connections.
"""
import multiprocessing

from config.env import env_int  # gunicorn puts its directory (the repository) on sys.path before reading this file

workers = env_int("LUOSHI_WEB_WORKERS", multiprocessing.cpu_count() + 1, minimum=1)
threads = env_int("LUOSHI_WEB_THREADS", 1, minimum=1)
# a synchronous worker that answers no heartbeat for `timeout` seconds is restarted: the longest request (an import
# of LUOSHI_IMPORT_MAX_ROWS rows, a bulletin) must fit
timeout = 120
