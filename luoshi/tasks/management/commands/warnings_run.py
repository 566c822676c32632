import datetime as dt

from django.core.management.base import BaseCommand
from django.db import connection

from luoshi.ledger.services import escalations_run
from luoshi.tasks.warnings import warnings_run


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
        s = warnings_run(today=today, notify=not no_notify)
        self.stdout.write(self.style.SUCCESS(
            f"已检查 {s['tasks']} 项未办结任务：红灯 {s['red']}，黄灯 {s['yellow']}，状态变化 {s['changed']}，新提醒 {s['messages']} 条。"))
        e = escalations_run(today=today, notify=not no_notify)
        from luoshi.intake.services import overdue_run, personal_purge, revisits_run

        r, o, p = revisits_run(), overdue_run(), personal_purge()
        self.stdout.write(self.style.SUCCESS(
            f"诉求：回访逾期办结 {r['closed']} 件（待电话回访 {r['waiting_phone']} 件），超期自动督办 {o['supervised']} 件，"
            f"清除过期个人信息 {p} 件。"))
        refresh_planner_statistics()
        self.stdout.write(self.style.SUCCESS(
            f"问题台账：检查 {e['findings']} 个逾期或反复的问题，提出督办升级措施 {e['proposed']} 项（待督查室确认）。"))
