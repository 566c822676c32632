from django.core.management.base import BaseCommand, CommandError

from luoshi.policies.search import search_index_check, search_index_rebuild
from luoshi.policies.services import batch_recount


class Command(BaseCommand):
    help = ("核对免申即享兑现批次的兑付总额和企业数与其兑付明细是否一致，以及政策词典的检索索引；不一致的改正；"
            "--check 只核对。")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有不一致时以非零状态退出")

    def handle(self, check, **options):
        wrong = batch_recount(check=check)
        for line in wrong:
            self.stdout.write(line)
        index = search_index_check()
        for line in index:
            self.stdout.write(f"检索索引：{line}")
        if index and not check:
            search_index_rebuild()  # FTS5 content; a missing trigger needs the migration (see ADR 0027)
        if check and (wrong or index):
            raise CommandError(f"有 {len(wrong)} 个批次的合计与明细不一致、{len(index)} 处检索索引问题；"
                               "运行 `luoshi policies recount` 改正。")
        self.stdout.write(self.style.SUCCESS(f"已核对，{len(wrong)} 个批次不一致" + ("，已改正。" if wrong and not check else "。")))
