"""`luoshi worker`: the background worker (django-tasks' database queue, as `db_worker`) that survives the
database going away for a while: a transient database error (locked, connection lost, server restarting) is
logged, the connections are closed, and the worker starts again after a growing pause (1 s … 30 s), instead of
exiting and leaving photo processing stopped. It stops on SIGTERM/SIGINT, or with --batch / --max-tasks as
db_worker does. Run it under a supervisor (systemd, docs/deployment.md; `make serve` restarts it too)."""
from __future__ import annotations

import logging
import time

from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Command as DbWorker

logger = logging.getLogger("luoshi.worker")
MAX_PAUSE = 30.0


class Command(DbWorker):
    help = "后台任务进程（数据库队列），遇到暂时的数据库错误会等待后自动重试。Background worker that retries transient database errors."

    def handle(self, *args, **options):
        pause = 1.0
        while True:
            try:
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as e:
                logger.warning("数据库暂时不可用，%.0f 秒后重试：%s", pause, e)
                self.stderr.write(f"数据库暂时不可用，{pause:.0f} 秒后重试（database unavailable, retrying）：{e}")
                for conn in connections.all():
                    conn.close_if_unusable_or_obsolete()
                    conn.close()
                close_old_connections()
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
