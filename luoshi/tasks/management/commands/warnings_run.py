import datetime as dt

from django.core.management.base import BaseCommand
from django.db import connection

from luoshi.core.daily import daily_steps


def refresh_planner_statistics() -> None:
    """SQLite has no autovacuum: without statistics its planner may walk a date index over a whole table
    to avoid a sort instead of using a selective index. a sampled ANALYZE each day keeps it informed;
    PostgreSQL's autovacuum does this by itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA analysis_limit=1000")  # sampled: a second or so even at city scale
            cur.execute("ANALYZE")


class Command(BaseCommand):
    help = ("每日预警：重新计算全部任务状态（黄灯/红灯）并发送提醒；按各问题台账的督办升级阶梯提出待确认的措施；诉求工单的回访逾期、超期督办和个人信息清除。"
            "可由 cron 或 systemd timer 每天运行。")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument("--no-notify", action="store_true", help="只计算状态，不发提醒")

    def handle(self, date, no_notify, **options):
        today = dt.date.fromisoformat(date) if date else None
        # every app's daily step (luoshi.core.daily): tasks' warnings, the ledger's escalations, intake's revisits …
        for step in daily_steps():
            for line in step.run(today, not no_notify):
                self.stdout.write(self.style.SUCCESS(line))
        refresh_planner_statistics()
