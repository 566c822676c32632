from django.core.management.base import BaseCommand

from luoshi.demo.loader import DEMO_PASSWORD, demo_accounts, demo_load
from luoshi.tasks.tallies import TOTAL, rows_by_dimension


class Command(BaseCommand):
    help = "加载演示数据：青岛市单位、崂山区鼓励创新工作要点（当年）、各角色演示账号和报送记录；创城督导问题台账；考核测评（创城月度测评、党内法规执行评价、大气周排名、小型水库考评）；城阳区 12345 诉求工单。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)

    def handle(self, year, **options):
        result = demo_load(year=year)
        # the program's own figures, from the same maintained counts the 工作台 and the overview show (the daily job's
        # summary counts every program of the demo)
        s = rows_by_dimension(result["program"].pk, (TOTAL,)).get(TOTAL, {}).get("", {})
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪：{result['program'].name}（红灯 {s.get('red', 0)}，"
                                             f"黄灯 {s.get('yellow', 0)}）"))
        self.stdout.write("演示账号（密码均为 %s）：" % DEMO_PASSWORD)
        for a in demo_accounts():
            self.stdout.write(f"  {a.username:<10} {a.full_name:<6} {a.note}")
        ledger = result["ledger"]
        self.stdout.write(f"问题台账：{ledger['program'].name}（{ledger['findings']} 个问题）；公开曝光台：/public/exposure/")
        assess = result["assessment"]
        self.stdout.write(f"考核测评：{assess['schemes']} 套指标体系，{assess['rounds']} 个期次（已公布 {assess['published']} 个），"
                          f"待确认措施 {assess['proposals']} 项，待复核申诉 {assess['appeals']} 件；"
                          f"正在评分：{assess['scoring'].name if assess['scoring'] else '无'}")
        ideas, portal = result["ideas"], result["portal"]
        self.stdout.write(f"金点子：{ideas['campaign'].name}（{ideas['ideas']} 条建议，来自 {ideas['provinces']} 个省份，"
                          f"采纳 {ideas['adopted']} 条）；公开：/public/ideas/")
        self.stdout.write(f"阳光公开：公开通报 {len(portal['published'])} 项专项工作，民生实事“{portal['shishi'].name}”，"
                          f"群众评价 {portal['ratings']} 条；/public/programs/、/public/shishi/")
        proc = result["procedures"]
        self.stdout.write(f"程序办件：平度农地入市 {proc['parcels']} 宗（已成交 {proc['sold']} 宗 {proc['area_mu']} 亩，"
                          f"成交价款 {proc['price'] / 10000:,.0f} 万元，留归集体 {proc['kept'] / 10000:,.0f} 万元）；"
                          f"新型研发机构 {proc['institutions']} 家；/procedures/、公开：/public/procedures/")

        pol = result["policies"]
        self.stdout.write(f"惠企政策：{pol['clauses']} 条政策条款，{pol['enterprises']} 家企业画像，免申即享已兑付 {pol['batches']} 批 "
                          f"{pol['paid']:,.2f} 元；公开查询：/public/policies/")
        intake = result["intake"]
        projects = result["projects"]
        self.stdout.write(f"重点项目：{projects['program'].name}（{projects['projects']} 个项目）；/projects/、公开：/public/projects/")
        self.stdout.write(f"诉求办理（城阳区 12345）：{intake['requests']} 件工单，未办结 {intake['open']} 件。")
        if intake["sample"] is not None:
            r = intake["sample"]
            self.stdout.write(f"  市民查询：/public/track/ 查询码 {r.tracking_code}；"
                              f"回访评价链接：/public/requests/rate/{r.tracking_code}/{r.rating_token}/")
        self.stdout.write(f"典型案例：{result['cases']['cases']} 个（/cases/，公开：/public/cases/）；"
                          f"定期通报：{result['bulletins']['subscriptions']} 份（/bulletins/）")
