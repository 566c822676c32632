"""The case library demo: about thirty cases in the spirit of the seeds — 崂山区's 鼓励创新典型案例 (nominated by
a district leader, by the unit itself or by the supervising department, reviewed by the 区委督查室 against the
scoring scheme), 青岛自贸片区's institutional innovations (进口原油“先放后检” replicated nationwide, 保税原油
混兑调和 province-wide …) and the 财富管理金融综合改革试验区's “政策孵化、试点先行、成效评估、复制推广” results,
with replication records and adopting units. Written through the real services at past moments (clock.at), so
the journal reads like a history. Needs the units preset (青岛市) and the tasks demo's accounts; safe to run twice.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.org.demo import Account, unit_at
from luoshi.org.models import Person, Role
from luoshi.org.services import grant_role, person_create

from . import services
from .models import Case, CaseState, Nomination
from .scheme import review_scheme

CASES_ACCOUNTS = [
    Account("kechuang", "高远", Role.LIAISON, "青岛市/崂山区/区科技创新委员会", "区科创委综合科科长",
            note="典型案例：以主管部门身份引荐所辖领域的创新案例，本单位案例自荐"),
]

LAOSHAN = "青岛市/崂山区"
XIHAIAN = "青岛市/西海岸新区"
FINANCE = "青岛市/市地方金融监督管理局"

# (unit path, title, summary, problem, what was done, results, figures, tags, team, plan, recognitions, adopters)
# plan: accepted | nominated | returned | draft; recognitions: [(level, years ago, source)]; adopters: unit paths
CASES = [
    (XIHAIAN, "进口原油“先放后检”监管模式", "进口原油在完成取样后即可提离卸货，检验结果出具前企业即可加工使用。",
     "进口原油须检验合格后方可提离，船舶压港、企业资金占压严重。",
     "海关对进口原油实施“先放后检”，取样后即允许提离卸货、入库加工，检验结果出具后再进行合格评定；对高风险批次保留先检后放。",
     "原油通关时间大幅压缩，船舶在港时间缩短，企业降低滞港费用。",
     [("通关时间压缩", "70", "%"), ("单船节约滞港费", "20", "万元")], ["通关便利", "自贸区", "海关监管"],
     "王海涛、李晓东、张宁", "accepted", [("nation", 2, "国务院自由贸易试验区工作部际联席会议办公室复制推广通知")], [XIHAIAN + "/区发展和改革局"]),
    (XIHAIAN, "保税原油“混兑调和业务模式”", "在保税状态下对不同品质原油进行混兑调和，满足炼厂个性化需求。",
     "原油品种单一、与炼厂工艺需求不匹配，调和只能在完税后进行。",
     "区关港联合研究中心推动在保税罐区开展原油混兑调和，海关实施“分类监管、账册管理”。",
     "形成新业态，吸引多家贸易商开展保税原油业务。", [("新增保税原油业务企业", "12", "家")], ["新业态", "自贸区", "保税"],
     "刘洋、陈静、孙伟", "accepted", [("province", 2, "山东省自贸试验区工作领导小组办公室复制推广文件")], []),
    (XIHAIAN, "货物储运状态分类监管", "对保税货物与非保税货物同仓存储、分类监管。", "同一企业保税、非保税货物须分仓存放，仓储成本高、周转慢。",
     "以信息化系统标识货物状态，实现同仓存储、分类管理、按需转换。", "企业仓储利用率提高，物流成本下降。",
     [("仓储利用率提高", "30", "%")], ["海关监管", "物流", "自贸区"], "赵敏、周涛", "accepted",
     [("province", 1, "国务院自贸试验区部际联席会议简报刊发")], []),
    (XIHAIAN, "创新中转集拼业务模式", "国际中转货物与出口货物在港区内拼箱，一次出运。", "中转货物与本地出口货物分别装箱，箱源浪费。",
     "海关、港口数据互联，对中转集拼货物实施一次申报、分类查验。", "拼箱效率提升，航线吸引力增强。", [("拼箱时间缩短", "2", "天")],
     ["物流", "港口", "自贸区"], "吴磊、郑华", "accepted", [("city", 1, "青岛市复制推广自贸试验区改革试点经验的通知")], []),
    (XIHAIAN, "商事登记确认制", "审查方式由实质审查转变为形式审查，以即时确认方式赋予商事主体资格。",
     "企业开办需经实质审查，材料多、时间长。", "对申请材料实行形式审查，系统自动比对，即时确认登记。",
     "全国首个德资职业技能培训机构一天拿到营业执照。", [("办结时间", "1", "天")], ["营商环境", "审批提速", "商事登记"],
     "冯雪、何琳、杨帆", "accepted", [("city", 1, "青岛市复制推广自贸试验区改革试点经验的通知")],
     [LAOSHAN + "/区行政审批服务局", "青岛市/城阳区/区行政审批服务局"]),
    (XIHAIAN, "“先退后核”+“出口退税贷”税务服务", "出口企业先行退税、事后核查，并以退税额度获得银行贷款。",
     "企业首次申报出口退税平均办结时间在20个工作日以上，资金周转困难。", "税务部门对信用良好企业先退后核，联合银行推出出口退税贷。",
     "企业首次申报出口退税平均办结时间缩至5个工作日以内。", [("办结时间", "5", "个工作日")], ["税务", "融资", "营商环境"],
     "许可、邓杰", "accepted", [("province", 1, "山东省复制推广自贸试验区制度创新成果的通知")], []),
    (XIHAIAN, "“云上审批”外商投资企业跨国落户", "外国投资者通过视频远程核验身份、签署文件，完成企业设立。",
     "外国投资者须来华或办理公证认证，落户周期长。", "视频远程身份核验、电子签名，全程网办。", "山东自贸试验区首家外商独资旅行社不到一小时实现跨国落户。",
     [("落户用时", "1", "小时")], ["外资", "审批提速", "全程网办"], "宋佳、韩冰", "accepted", [], []),
    (XIHAIAN, "铁矿石“随卸随混”监管新模式", "铁矿石卸货与混矿同步进行，海关实施动态监管。", "铁矿石须先卸后混，作业环节多、堆场占用大。",
     "港口、海关数据实时共享，混矿作业与卸货同步。", "堆场周转效率提高。", [("堆场周转提高", "25", "%")], ["港口", "海关监管"],
     "吕强、曹颖", "nominated", [], []),
    (FINANCE, "专利权质押保险贷款试点", "以专利权质押，保险机构提供保证保险，银行发放贷款。", "科技型中小企业轻资产、缺抵押，融资难。",
     "政府设立风险补偿资金，银行、保险、评估机构共担风险。", "一批科技型企业凭专利获得贷款。", [("累计发放贷款", "12", "亿元")],
     ["金融创新", "科技金融", "知识产权"], "田野、沈洁、彭程", "accepted", [("nation", 4, "国务院关于推广第三批支持创新相关改革举措的通知")], []),
    (FINANCE, "从韩国银行机构借入人民币资金试点", "区内企业可从韩国银行机构借入人民币资金。", "企业跨境融资渠道窄、成本高。",
     "经人民银行批准，在试验区开展跨境人民币借款试点。", "企业融资成本降低。", [("平均利率下降", "1.5", "个百分点")], ["金融创新", "跨境金融"],
     "袁明、蒋雯", "accepted", [("nation", 5, "中国人民银行复制推广通知")], []),
    (FINANCE, "长期护理保险制度", "为失能人员提供医疗护理保障。", "失能老人长期护理费用高、家庭负担重。",
     "依托基本医疗保险建立长期护理保险，覆盖居家、机构、医院护理。", "在全国率先探索，惠及大量失能人员。", [("累计受益人数", "6", "万人")],
     ["民生保障", "医疗保险", "养老"], "姜岚、魏东", "accepted", [("nation", 5, "人力资源社会保障部关于开展长期护理保险制度试点的指导意见")], []),
    (FINANCE, "“政府+保险+期货”服务三农模式", "农产品价格保险与期货市场对接，政府给予保费补贴。", "农户面临价格下跌风险，传统保险难以覆盖。",
     "保险公司开发价格保险，通过期货公司场外期权转移风险。", "农户收入稳定性提高。", [("参保农户", "3200", "户")], ["金融创新", "乡村振兴"],
     "夏雨、钟毅", "accepted", [("nation", 4, "中国证监会推广“保险+期货”模式的通知")], []),
    (FINANCE, "全国首创科技金融投保贷联动模式", "股权投资、保险保障、银行贷款联动支持科技企业。", "初创科技企业难以同时获得投资和贷款。",
     "投资机构先投，保险机构承保，银行跟进贷款，形成联动。", "一批初创企业获得联动支持。", [("支持企业", "85", "家")], ["科技金融", "金融创新"],
     "谭军、陆敏", "accepted", [("province", 3, "山东省地方金融监督管理局推广通知")], []),
    (LAOSHAN + "/区行政审批服务局", "“一业一证”改革", "将一个行业准入涉及的多张许可证整合为一张行业综合许可证。",
     "开一家便利店要跑多个部门、办多张许可证。", "梳理行业准入事项，一次告知、一表申请、一窗受理、一证准营。",
     "便利店、药店等行业开办时间大幅缩短。", [("申请材料减少", "60", "%"), ("办理时限压缩", "85", "%")], ["营商环境", "审批提速"],
     "孙敏、马骁、朱琳", "accepted", [("city", 1, "青岛市推广“一业一证”改革经验的通知"), ("district", 2, "崂山区鼓励创新典型案例（区委常委会研究）")],
     ["青岛市/城阳区/区行政审批服务局", "青岛市/即墨区/区行政审批服务局"]),
    (LAOSHAN + "/区行政审批服务局", "工程建设项目“拿地即开工”", "在土地出让前完成设计方案审查等前期工作，拿地当天发放施工许可。",
     "项目拿地后再办审批，开工周期长。", "预审查、容缺受理、并联审批、告知承诺。", "重点项目拿地即开工。", [("审批时间压缩", "100", "天")],
     ["营商环境", "工程建设", "审批提速"], "孙敏、秦川", "accepted", [("district", 1, "崂山区鼓励创新典型案例（区委常委会研究）")],
     [XIHAIAN + "/区行政审批服务局"]),
    (LAOSHAN + "/中韩街道", "老旧小区加装电梯“一次协商”工作法", "街道牵头、社区组织，一次性协商解决加装电梯的出资和低层补偿。",
     "老旧小区加装电梯低层住户反对多，协商反复、久拖不决。", "社区议事会一次性召集全体业主，第三方评估低层影响，制定出资分摊和补偿方案。",
     "一年内加装电梯数量翻番。", [("新加装电梯", "48", "部")], ["城市更新", "基层治理", "加装电梯"], "周强、吴芳、李静", "accepted",
     [("district", 1, "崂山区鼓励创新典型案例（区委常委会研究）")], ["青岛市/市北区/辽宁路街道"]),
    (LAOSHAN + "/区科技创新委员会", "科技型企业“创新积分”贷款", "以企业研发投入、专利、人才等数据计算创新积分，银行按积分授信。",
     "科技型企业轻资产、无抵押，贷款难。", "建立创新积分评价模型，与银行共享积分，设立风险补偿。", "一批企业凭积分获得信用贷款。",
     [("授信企业", "126", "家"), ("授信金额", "9.8", "亿元")], ["科技金融", "科技创新"], "高远、林涛、丁一", "accepted",
     [("city", 1, "青岛市科技局推广通知")], []),
    (LAOSHAN + "/区城市管理局", "背街小巷“微改造”", "以小切口整治背街小巷环境，居民点单、部门接单。", "背街小巷路面破损、杂物堆放，群众反映多。",
     "居民议事确定改造清单，部门联合施工，社区长效管护。", "背街小巷面貌明显改善。", [("完成改造", "36", "条")], ["城市更新", "民生"],
     "邵峰、车丽", "accepted", [], []),
    (LAOSHAN + "/区大数据发展中心", "惠企政策“免申即享”", "利用数据比对主动识别符合条件的企业，政策资金直接兑现。", "企业不了解政策、申报材料繁琐。",
     "梳理政策条款，打通部门数据，自动匹配企业并推送。", "企业无需申报即可享受政策。", [("免申兑现企业", "530", "家")], ["营商环境", "数字政府"],
     "钱坤、范悦", "accepted", [("district", 1, "崂山区鼓励创新典型案例（区委常委会研究）")], []),
    (LAOSHAN + "/区市场监督管理局", "包容审慎监管“首违不罚”清单", "对首次轻微违法且及时改正的市场主体不予处罚。", "执法“一刀切”，企业负担重。",
     "制定首违不罚事项清单，执法中同步开展教育指导。", "市场主体获得感提升。", [("适用首违不罚", "210", "件")], ["营商环境", "包容审慎监管"],
     "顾浩、白雪", "accepted", [], []),
    (LAOSHAN + "/沙子口街道", "渔港“网格+渔船”安全管理", "渔船纳入网格管理，船长即网格员。", "渔船流动性大、安全隐患难发现。",
     "渔船编组入网，北斗定位与网格平台联动。", "渔船安全事故下降。", [("入网渔船", "420", "艘")], ["基层治理", "安全生产"], "于波、孔亮", "nominated", [], []),
    (LAOSHAN + "/区教育和体育局", "校外托管“四点半课堂”", "利用学校场地和社会力量提供放学后托管。", "双职工家庭放学后接孩子难。",
     "学校开放场地，引入志愿者和社会机构，财政补贴。", "覆盖全区小学。", [("参与学生", "8600", "人")], ["民生", "教育"], "潘婷、唐宁", "nominated", [], []),
    (LAOSHAN + "/区卫生健康局", "家门口的“健康小屋”", "在社区设立自助健康检测点，数据接入家庭医生。", "慢病居民日常监测不便。",
     "社区配置自助检测设备，异常数据自动提醒家庭医生。", "慢病随访率提高。", [("建成健康小屋", "32", "处")], ["民生", "医疗"], "许静、康宁", "returned", [], []),
    (LAOSHAN + "/区投资促进中心", "招商“链长制”", "每条重点产业链由一名区级领导任链长，专班招商。", "招商力量分散，产业链招商精准度不高。",
     "绘制产业链图谱，链长统筹，专班驻点。", "落地一批链主项目。", [("签约项目", "27", "个")], ["招商引资", "产业链"], "龚平、邹洁", "draft", [], []),
    ("青岛市/城阳区/区行政审批服务局", "企业开办“零费用”全程网办", "企业开办全流程网上办理，免费刻制印章、邮寄证照。", "企业开办环节多、费用高。",
     "整合登记、刻章、发票、社保等环节，一网通办。", "企业开办时间压缩至半天。", [("开办用时", "0.5", "天")], ["营商环境", "全程网办"],
     "韩晓梅、陶然", "accepted", [("district", 1, "城阳区改革创新案例汇编")], []),
    ("青岛市/城阳区/区城市管理局", "停车泊位错时共享", "机关、企事业单位停车场夜间向居民开放。", "老城区夜间停车难。",
     "签订错时共享协议，智慧停车平台统一管理。", "新增共享泊位。", [("共享泊位", "1800", "个")], ["城市治理", "停车"], "方毅、蒋丽", "accepted", [],
     [LAOSHAN + "/区城市管理局"]),
    ("青岛市/即墨区/区行政审批服务局", "“无证明城市”建设", "通过数据共享、告知承诺取消证明材料。", "群众办事证明多、跑腿多。",
     "梳理证明事项清单，能共享的不再提交，不能共享的实行告知承诺。", "取消一批证明事项。", [("取消证明", "156", "项")], ["营商环境", "数字政府"],
     "石磊、柳青", "accepted", [("city", 1, "青岛市推进“无证明城市”建设的通知")], []),
    ("青岛市/胶州市/胶州经济技术开发区", "标准地+承诺制供地", "工业用地按标准出让，企业承诺达标即可开工。", "工业项目审批繁、落地慢。",
     "区域评估代替单个项目评估，明确亩均指标，企业承诺制。", "工业项目落地时间缩短。", [("落地时间缩短", "50", "%")], ["工程建设", "营商环境"],
     "段勇、雷敏", "accepted", [("province", 2, "山东省推广“标准地”改革经验的通知")], []),
    ("青岛市/平度市/市行政审批服务局", "农村集体经营性建设用地入市“一站式”审批", "入市申请、审查、交易、合同一站办理。", "农地入市程序多、周期长。",
     "按申请→审查→方案评估→表决→审批→交易→成交确认→出让合同固定流程并联办理。", "入市周期缩短。", [("入市地块", "21", "宗")], ["乡村振兴", "土地改革"],
     "闫涛、房丽", "accepted", [("province", 3, "山东省自然资源厅推广通知")], []),
    ("青岛市/市北区/辽宁路街道", "“红色物业”党建引领小区治理", "社区党组织引领业委会和物业企业共同治理。", "老旧小区物业缺位、矛盾多。",
     "组建红色物业联盟，物业服务纳入社区评议。", "小区物业覆盖率提高。", [("物业覆盖率", "98", "%")], ["基层治理", "物业"], "牛犇、向阳", "accepted", [], []),
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _person(acc: Account, hashed: str) -> Person:
    person = Person.objects.filter(username=acc.username).first()
    if person is None:
        unit = unit_at(acc.unit_path)
        person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title, unit=unit,
                               email=f"{acc.username}@demo.luoshi.local")
        Person.objects.filter(pk=person.pk).update(password=hashed)
        grant_role(by=None, person=person, role=acc.role, unit=unit)
    return person


def cases_demo(*, today: dt.date | None = None, hashed_password: str = "!") -> dict:
    today = today or clock.today()
    if Case.objects.exists():
        return {"cases": Case.objects.count()}
    admin = Person.objects.filter(username="admin").first()
    if admin is None:
        return {"cases": 0}
    accounts = {a.username: _person(a, hashed_password) for a in CASES_ACCOUNTS}
    people = {p.username: p for p in Person.objects.filter(username__in=["office", "leader", "liaison", "liaison2"])}
    scheme = review_scheme()
    with transaction.atomic():
        for i, (path, title, summary, problem, body, results, figures, tags, team, plan, recs, adopters) in enumerate(CASES):
            unit = unit_at(path)
            in_laoshan = path.split("/")[:2] == LAOSHAN.split("/")
            # who writes and nominates: 崂山's cases by the people of the demo (leader, the unit itself, the
            # 科创委 as department); the others by the administrator as the city's 改革办
            if path.endswith("区行政审批服务局") and in_laoshan:
                author, how = people.get("liaison", admin), Nomination.SELF
            elif path.endswith("中韩街道"):
                author, how = people.get("liaison2", admin), Nomination.SELF
            elif path.endswith("区科技创新委员会"):
                author, how = accounts["kechuang"], Nomination.SELF
            elif in_laoshan:
                author, how = people.get("leader", admin), Nomination.LEADER
            else:
                author, how = admin, Nomination.LEADER
            years_back = max((y for _l, y, _s in recs), default=0)
            written = today - dt.timedelta(days=365 * years_back + 120 - i * 3)
            with clock.at(_at(written)):
                case = services.case_create(by=author, data=services.CaseInput(
                    title=title, summary=summary, problem=problem, body=body, results=results, team=team,
                    unit=unit, year=written.year, tags=tags,
                    figures=[{"label": label, "value": v, "unit": u} for label, v, u in figures]))
            if plan == "draft":
                continue
            with clock.at(_at(written + dt.timedelta(days=3))):
                services.case_nominate(by=author, case=case, how=how, note="做法新、成效实，建议入库推广。")
            if plan == "nominated":
                continue
            reviewer = people.get("office", admin) if in_laoshan else admin
            with clock.at(_at(written + dt.timedelta(days=10), 15)):
                if plan == "returned":
                    services.case_review(by=reviewer, case=case, decision=CaseState.RETURNED, scores={},
                                         note="请补充成效数据的来源和佐证材料。")
                    continue
                points = {c.code: str(c.max * (85 - i % 4 * 5) // 100) for c in scheme.criteria}
                services.case_review(by=reviewer, case=case, decision=CaseState.ACCEPTED, scores=points)
                if i % 3 != 2:
                    services.case_publish(by=reviewer, case=case, public=True)
            for level, years, source in recs:
                day = today - dt.timedelta(days=365 * years - 30)
                with clock.at(_at(max(day, written + dt.timedelta(days=11)))):
                    services.recognition_add(by=admin, case=case, level=level,
                                             date=max(day, written + dt.timedelta(days=11)), source=source)
            for k, other in enumerate(adopters):
                day = written + dt.timedelta(days=60 + 20 * k)
                if day > today:
                    day = today
                with clock.at(_at(day)):
                    services.adoption_add(by=admin, case=case, unit=unit_at(other), adopted_on=day,
                                          result="参照该做法制定本地实施方案，已在辖区推开。")
    return {"cases": Case.objects.count()}
