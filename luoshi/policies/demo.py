"""The 惠企政策 demo, modelled on the seed passages: 城阳区's dictionary (8 themes, 37 tags, ~240 clauses —
written for the demo, labelled 示例, not real policy texts), shaped like 西海岸's 《惠企政策词典》 (享受对象、
享受条件、申报流程、责任人及联系方式), ~1,000 enterprises with generated profiles in 城阳区 and 崂山区, and
two 免申即享 batches paid (城阳 研发投入奖励; 崂山 "免申即享政策资金兑付" style 专精特新 award). Written through
the real services (Excel import, batch compute and confirm). Needs the units preset (青岛市); safe to run twice.

`demo_enterprise_profiles` and `demo_clause_rows` are also the benchmark's generator (bench/policies.py).
"""
from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.presets import preset_path
from luoshi.core.specs import parse_yaml
from luoshi.org.demo import DEMO_PASSWORD, Account, unit_at
from luoshi.org.models import Person, Role
from luoshi.org.services import grant_role, person_create

from . import services
from .models import BatchState, Clause, Enterprise, EnterpriseMember, PayoutBatch
from .services import CLAUSE_COLUMNS, ENTERPRISE_COLUMNS
from .vocabulary import PolicyVocabulary

CY, LS = "青岛市/城阳区", "青岛市/崂山区"
POLICY_ACCOUNTS = [
    Account("fagai", "张敏", Role.LIAISON, f"{CY}/区发展和改革局", "城阳区发改局企业服务科",
            note="惠企政策：城阳区政策词典（录入、修改、导入），免申即享名单确认"),
    Account("gongxin", "孙立军", Role.LIAISON, f"{LS}/区工业和信息化局", "崂山区工信局产业科",
            note="惠企政策：崂山区免申即享政策资金兑付"),
    Account("qiye", "王海燕", "", f"{CY}/城阳街道", "青岛企业（演示）财务负责人",
            note="企业用户：只看本企业的画像、可享受的政策、差一项的政策和已兑付资金"),
]
CY_STREETS = ["城阳街道", "夏庄街道", "流亭街道", "棘洪滩街道", "上马街道", "惜福镇街道", "红岛街道", "河套街道"]
LS_STREETS = ["中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道"]
INDUSTRIES = [("高端装备", 18), ("新一代信息技术", 12), ("生物医药", 6), ("新材料", 8), ("现代物流", 8), ("商贸服务", 14),
              ("文化创意", 5), ("现代农业", 4), ("建筑业", 6), ("轨道交通", 6), ("集成电路", 3), ("数字经济", 6),
              ("金融服务", 2), ("其他", 2)]
SIZES = [("微型", 38, 80, 8), ("小型", 35, 1500, 40), ("中型", 19, 12000, 200), ("大型", 8, 80000, 900)]  # 万元, 人
QUALIFICATIONS = [("高新技术企业", 0.22), ("科技型中小企业", 0.3), ("专精特新", 0.12), ("专精特新小巨人", 0.02),
                  ("规上企业", 0.35), ("瞪羚企业", 0.03), ("省级技术中心", 0.04), ("上市企业", 0.01)]
NAME_HEAD = "海晟华瑞鼎泰恒远博创星辰启明中科德润金桥凯盛天工蓝海智达青云正源锦程宏图"
NAME_TAIL = ["科技", "智能装备", "新材料", "生物科技", "信息技术", "精密机械", "轨道装备", "物流", "电子", "数字科技", "医疗器械", "食品"]


def _w(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def demo_enterprise_profiles(n: int, *, seed: int = 5, district: str = "城阳区") -> list[dict]:
    """n generated profiles {attribute: text as a spreadsheet holds it}; a few attributes left empty, as real
    data is."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        size, _wt, revenue_mid, staff_mid = rng.choices(SIZES, weights=[s[1] for s in SIZES])[0]
        revenue = max(10, rng.lognormvariate(0, 0.6) * revenue_mid)  # 万元
        rd_ratio = max(0.0, rng.gauss(3.0, 2.0)) if rng.random() < 0.8 else 0.0
        quals = [q for q, p in QUALIFICATIONS if rng.random() < p * (2 if size in ("中型", "大型") else 1)]
        if revenue >= 2000 and "规上企业" not in quals and rng.random() < 0.8:
            quals.append("规上企业")
        staff = max(3, int(rng.lognormvariate(0, 0.5) * staff_mid))
        p = {"注册地": district, "行业": _w(rng, INDUSTRIES), "企业规模": size,
             "成立日期": (dt.date(2026, 1, 1) - dt.timedelta(days=rng.randint(60, 9000))).isoformat(),
             "上年营业收入": f"{revenue:.1f}万元", "上年纳税额": f"{revenue * rng.uniform(0.02, 0.06):.1f}万元",
             "研发投入": f"{revenue * rd_ratio / 100:.1f}万元", "研发投入占比": f"{rd_ratio:.1f}%",
             "固定资产投资": f"{revenue * rng.uniform(0, 0.3):.1f}万元", "从业人数": staff,
             "新增从业人数": max(0, int(rng.gauss(staff * 0.05, staff * 0.05))),
             "有效发明专利": max(0, int(rng.gauss(3 if "高新技术企业" in quals else 0.5, 3))),
             "资质": "、".join(quals), "失信": "是" if rng.random() < 0.03 else "否"}
        for key in ("研发投入占比", "上年纳税额", "新增从业人数", "有效发明专利"):
            if rng.random() < 0.05:
                p[key] = ""
        out.append(p)
    return out


# tag → base clauses: (title, 申报类型, rules lines, amount rule, 免申)
BASES = {
    "研发投入": [("研发投入奖励", "奖励类", ["上年营业收入 >= 2000万元", "研发投入占比 >= 3%"], "比例 研发投入 10% 封顶 100万元", True),
             ("研发投入增量补助", "补贴类", ["研发投入 >= 200万元"], "分档 研发投入：200万元→10万元；500万元→30万元；1000万元→60万元", False)],
    "高新技术企业": [("高新技术企业首次认定奖励", "奖励类", ["资质 包含 高新技术企业", "审核：高新技术企业证书（首次认定）"], "固定 20万元", False),
               ("高新技术企业重新认定奖励", "奖励类", ["资质 包含 高新技术企业"], "固定 5万元", True)],
    "科技型中小企业": [("科技型中小企业入库奖励", "奖励类", ["资质 包含 科技型中小企业", "企业规模 在 中型、小型、微型"], "固定 2万元", True),
                 ("科技型中小企业研发费用补助", "补贴类", ["资质 包含 科技型中小企业", "研发投入 >= 50万元"], "比例 研发投入 5% 封顶 30万元", False)],
    "专利与知识产权": [("发明专利授权资助", "资助类", ["有效发明专利 >= 1件"], "每 有效发明专利 5000元 封顶 10万元", False),
                 ("知识产权示范企业奖励", "奖励类", ["有效发明专利 >= 10件", "审核：知识产权示范企业认定文件"], "固定 20万元", False)],
    "创新平台": [("省级企业技术中心奖励", "奖励类", ["资质 包含 省级技术中心"], "固定 30万元", True),
             ("新型研发机构建设补助", "资助类", ["研发投入 >= 500万元", "审核：新型研发机构备案材料"], "比例 研发投入 15% 封顶 200万元", False)],
    "科技成果转化": [("技术合同登记奖励", "奖励类", ["研发投入 >= 100万元", "审核：技术合同登记证明"], "固定 5万元", False),
               ("科技成果产业化项目补助", "资助类", ["资质 包含 高新技术企业", "固定资产投资 >= 1000万元"], "比例 固定资产投资 5% 封顶 100万元", False)],
    "专精特新培育": [("专精特新中小企业奖励", "奖励类", ["资质 包含 专精特新", "企业规模 在 中型、小型、微型"], "固定 10万元", True),
               ("专精特新企业研发补助", "补贴类", ["资质 包含 专精特新", "研发投入占比 >= 3%"], "比例 研发投入 8% 封顶 50万元", False)],
    "专精特新小巨人": [("国家级专精特新“小巨人”奖励", "奖励类", ["资质 包含 专精特新小巨人"], "固定 50万元", True),
                 ("“小巨人”企业融资贴息", "贴息类", ["资质 包含 专精特新小巨人", "审核：贷款合同及付息凭证"], "固定 20万元", False)],
    "制造业单项冠军": [("制造业单项冠军奖励", "奖励类", ["行业 在 高端装备、新材料、轨道交通、集成电路", "上年营业收入 >= 1亿元", "审核：单项冠军认定文件"], "固定 100万元", False),
                 ("单项冠军培育企业补助", "补贴类", ["行业 在 高端装备、新材料、轨道交通", "上年营业收入 >= 5000万元"], "固定 20万元", False)],
    "技术改造": [("技术改造项目补助", "补贴类", ["固定资产投资 >= 500万元", "行业 在 高端装备、新材料、生物医药、轨道交通"], "比例 固定资产投资 8% 封顶 300万元", False),
             ("智能化改造奖励", "奖励类", ["固定资产投资 >= 200万元", "审核：智能化改造项目验收报告"], "比例 固定资产投资 5% 封顶 100万元", False)],
    "高层次人才": [("高层次人才引进补贴", "补贴类", ["上年纳税额 >= 50万元", "审核：人才认定及劳动合同"], "固定 30万元", False),
              ("顶尖人才团队资助", "资助类", ["研发投入 >= 1000万元", "审核：团队评审意见"], "固定 500万元", False)],
    "青年人才": [("青年人才就业补贴", "补贴类", ["新增从业人数 >= 5人"], "每 新增从业人数 3000元 封顶 30万元", False),
             ("高校毕业生见习补贴", "补贴类", ["从业人数 >= 10人", "审核：见习协议"], "每 新增从业人数 2000元 封顶 20万元", False)],
    "技能人才": [("技能人才培训补贴", "补贴类", ["从业人数 >= 50人", "审核：培训记录"], "每 从业人数 500元 封顶 20万元", False),
             ("首席技师工作室补助", "资助类", ["从业人数 >= 100人", "审核：首席技师认定"], "固定 10万元", False)],
    "人才住房": [("人才住房租赁补贴", "补贴类", ["资质 包含 高新技术企业 或 资质 包含 专精特新"], "固定 3万元", False),
             ("企业人才公寓建设补助", "资助类", ["从业人数 >= 300人", "固定资产投资 >= 1000万元"], "固定 50万元", False)],
    "博士后": [("博士后工作站建站资助", "资助类", ["研发投入 >= 300万元", "审核：工作站批准文件"], "固定 50万元", False),
            ("博士后在站生活补贴", "补贴类", ["研发投入 >= 100万元", "审核：在站博士后名单"], "固定 10万元", False)],
    "先进制造业": [("工业企业营收增长奖励", "奖励类", ["行业 在 高端装备、新材料、生物医药、集成电路、轨道交通", "上年营业收入 >= 2亿元"], "分档 上年营业收入：2亿元→20万元；5亿元→50万元；10亿元→100万元", True),
              ("首次升规工业企业奖励", "奖励类", ["资质 包含 规上企业", "企业规模 在 小型、微型"], "固定 10万元", True)],
    "轨道交通产业": [("轨道交通配套企业奖励", "奖励类", ["行业 = 轨道交通", "上年营业收入 >= 5000万元"], "分档 上年营业收入：5000万元→10万元；1亿元→30万元；5亿元→80万元", True),
               ("轨道交通首台套保险补贴", "补贴类", ["行业 = 轨道交通", "审核：首台套认定及保单"], "固定 50万元", False)],
    "集成电路产业": [("集成电路设计企业流片补贴", "补贴类", ["行业 = 集成电路", "研发投入 >= 200万元"], "比例 研发投入 20% 封顶 200万元", False),
               ("集成电路企业落户奖励", "奖励类", ["行业 = 集成电路", "成立日期 >= 2025-01-01"], "固定 50万元", False)],
    "数字经济": [("数字经济企业成长奖励", "奖励类", ["行业 在 新一代信息技术、数字经济", "上年营业收入 >= 1000万元"], "分档 上年营业收入：1000万元→5万元；5000万元→20万元；1亿元→50万元", True),
             ("企业上云补贴", "补贴类", ["企业规模 在 小型、微型", "审核：上云服务合同"], "固定 1万元", False)],
    "现代服务业": [("现代服务业企业贡献奖励", "奖励类", ["行业 在 现代物流、商贸服务、金融服务、文化创意", "上年纳税额 >= 100万元"], "比例 上年纳税额 10% 封顶 100万元", True),
              ("物流企业运营补贴", "补贴类", ["行业 = 现代物流", "上年营业收入 >= 2000万元"], "固定 10万元", False)],
    "总部经济": [("总部企业落户奖励", "奖励类", ["上年营业收入 >= 10亿元", "审核：总部企业认定"], "固定 500万元", False),
             ("总部企业经营贡献奖励", "奖励类", ["上年纳税额 >= 1000万元"], "比例 上年纳税额 5% 封顶 1000万元", False)],
    "新设企业": [("新设企业开办补贴", "补贴类", ["成立日期 >= 2025-07-01"], "固定 5000元", True),
             ("新设规上企业奖励", "奖励类", ["成立日期 >= 2024-01-01", "资质 包含 规上企业"], "固定 20万元", True)],
    "固定资产投资": [("重点项目投资补助", "补贴类", ["固定资产投资 >= 5000万元"], "比例 固定资产投资 3% 封顶 500万元", False),
               ("设备购置补助", "补贴类", ["固定资产投资 >= 300万元", "审核：设备购置发票"], "比例 固定资产投资 5% 封顶 100万元", False)],
    "增资扩产": [("增资扩产奖励", "奖励类", ["固定资产投资 >= 1000万元", "上年营业收入 >= 5000万元"], "分档 固定资产投资：1000万元→20万元；5000万元→100万元", False),
             ("存量企业增资奖励", "奖励类", ["审核：增资验资报告"], "固定 10万元", False)],
    "贷款贴息": [("中小企业贷款贴息", "贴息类", ["企业规模 在 中型、小型、微型", "审核：贷款合同及付息凭证"], "固定 10万元", False),
             ("科技企业知识产权质押贴息", "贴息类", ["有效发明专利 >= 1件", "审核：质押登记"], "固定 5万元", False)],
    "融资担保": [("融资担保费补贴", "补贴类", ["企业规模 在 小型、微型", "审核：担保合同"], "固定 3万元", False),
             ("政府性担保降费", "减免类", ["企业规模 在 小型、微型"], "无", False)],
    "上市挂牌": [("企业上市奖励", "奖励类", ["资质 包含 上市企业"], "固定 300万元", True),
             ("新三板挂牌奖励", "奖励类", ["审核：挂牌公告"], "固定 50万元", False)],
    "股权投资": [("股权融资奖励", "奖励类", ["资质 包含 高新技术企业 或 资质 包含 专精特新", "审核：股权投资协议"], "固定 20万元", False),
             ("天使投资风险补偿", "补贴类", ["成立日期 >= 2021-01-01", "审核：投资协议"], "固定 10万元", False)],
    "保险补贴": [("科技保险保费补贴", "补贴类", ["资质 包含 高新技术企业 或 资质 包含 科技型中小企业", "审核：保单"], "固定 5万元", False),
             ("出口信用保险补贴", "补贴类", ["审核：出口信用保险保单"], "固定 10万元", False)],
    "外贸出口": [("外贸企业出口增长奖励", "奖励类", ["行业 在 高端装备、商贸服务、新材料", "上年营业收入 >= 5000万元", "审核：海关出口数据"], "固定 20万元", False),
             ("外贸新业态企业奖励", "奖励类", ["成立日期 >= 2023-01-01", "审核：海关备案"], "固定 5万元", False)],
    "跨境电商": [("跨境电商企业运营补贴", "补贴类", ["行业 = 商贸服务", "审核：跨境电商平台交易数据"], "固定 10万元", False),
             ("海外仓建设补助", "资助类", ["固定资产投资 >= 500万元", "审核：海外仓租赁或产权证明"], "比例 固定资产投资 10% 封顶 100万元", False)],
    "展会补贴": [("境外展会参展补贴", "补贴类", ["审核：参展合同及发票"], "固定 3万元", False),
             ("国内重点展会补贴", "补贴类", ["审核：参展证明"], "固定 1万元", False)],
    "利用外资": [("外资企业到账奖励", "奖励类", ["审核：外资到账证明"], "固定 50万元", False),
             ("外资研发中心奖励", "奖励类", ["研发投入 >= 500万元", "审核：外资研发中心认定"], "固定 100万元", False)],
    "稳岗返还": [("失业保险稳岗返还", "返还类", ["失信 = 否", "从业人数 >= 10人"], "每 从业人数 600元 封顶 30万元", True),
             ("困难企业稳岗补贴", "补贴类", ["审核：困难企业认定"], "每 从业人数 300元 封顶 10万元", False)],
    "吸纳就业": [("吸纳高校毕业生就业补贴", "补贴类", ["新增从业人数 >= 1人"], "每 新增从业人数 2000元 封顶 20万元", True),
             ("吸纳困难人员就业补贴", "补贴类", ["审核：就业困难人员认定"], "每 新增从业人数 3000元 封顶 30万元", False)],
    "社保补贴": [("小微企业社保补贴", "补贴类", ["企业规模 在 小型、微型", "新增从业人数 >= 3人"], "每 新增从业人数 1500元 封顶 15万元", True),
             ("灵活就业社保补贴", "补贴类", ["审核：社保缴费记录"], "固定 5000元", False)],
    "以工代训": [("以工代训补贴", "补贴类", ["从业人数 >= 20人", "审核：以工代训人员名单"], "每 从业人数 500元 封顶 10万元", False),
             ("新录用人员岗前培训补贴", "补贴类", ["新增从业人数 >= 5人"], "每 新增从业人数 800元 封顶 8万元", False)],
}
VARIANTS = [("", []), ("（中小企业）", ["企业规模 在 中型、小型、微型"]), ("（规上企业）", ["资质 包含 规上企业"])]
STARTUP = ("（初创企业）", ["成立日期 >= 2023-01-01"])
DEPTS = {"科技创新": "区发展和改革局", "专精特新": "区发展和改革局", "人才引育": "区人力资源和社会保障局", "产业发展": "区发展和改革局",
         "招商引资": "区行政审批服务局", "金融支持": "区财政局", "开放合作": "区发展和改革局", "稳岗就业": "区人力资源和社会保障局"}
BENEFICIARY = {"（中小企业）": "中小", "（规上企业）": "规模以上", "（初创企业）": "2023年以来新设立的"}
CONTACTS = {"区发展和改革局": ("张敏", "0532-87861201"), "区人力资源和社会保障局": ("李娜", "0532-87861302"),
            "区行政审批服务局": ("赵磊", "0532-87861403"), "区财政局": ("周涛", "0532-87861504")}
PROCEDURE_FREE = "免申即享：责任单位依据统计、税务、市场监管等部门共享数据计算名单，公示无异议后直接拨付，企业无需申报。"
PROCEDURE = "企业通过“城阳区企业服务智慧云”在线提交申请及证明材料 → 责任单位审核（10个工作日）→ 公示5个工作日 → 拨付资金。"
OPS = {">=": "不低于", "<=": "不高于", "在": "为", "包含": "具有", "=": "为", "不在": "不为"}


def _human(lines: list[str]) -> str:
    out = []
    for line in lines:
        if line.startswith("审核："):
            out.append("提供" + line[3:])
            continue
        text = line
        for op, word in OPS.items():
            text = text.replace(f" {op} ", word, 1) if f" {op} " in text else text
        out.append(text.replace(" 或 ", "或").replace("失信为否", "无失信记录").replace("、", "/"))
    return "；".join(out) + "。"


def demo_clause_rows(*, district: str = "城阳区", prefix: str = "CY", themes: list | None = None) -> list[dict]:
    """The 城阳 dictionary as import rows {header: text} (about 240 clauses)."""
    themes = themes or [(t.name, t.tags) for t in _vocabulary().themes]
    rows = []
    n = 0
    for ti, (theme, tags) in enumerate(themes, 1):
        policy = f"{district}关于支持{theme}的若干政策（示例）"
        for tag in tags:
            for bi, (title, kind, rules, amount, free) in enumerate(BASES[tag]):
                for suffix, extra in VARIANTS + ([STARTUP] if bi == 0 else []):
                    if suffix and (suffix, extra) != STARTUP and any(r.startswith(("企业规模", "资质 包含 规上企业")) for r in rules):
                        continue
                    n += 1
                    dept = DEPTS[theme]
                    lines = [f"注册地 = {district}", *extra, *rules, "失信 = 否"] if "失信 = 否" not in rules else [f"注册地 = {district}", *extra, *rules]
                    person, phone = CONTACTS[dept]
                    rows.append({"条款编号": f"{prefix}-{ti:02d}-{n:03d}", "文件名": policy, "文号": f"城政发〔2026〕{ti}号",
                                 "发文单位": f"{district}人民政府", "适用区域": district, "有效期起": "2026-01-01",
                                 "有效期止": "2028-12-31", "条款名称": title + suffix, "主题": theme, "标签": tag, "申报类型": kind,
                                 "享受对象": f"在{district}注册的{BENEFICIARY.get(suffix, '')}企业",
                                 "享受条件": _human(lines[1:]), "条件规则": "\n".join(lines), "金额规则": amount,
                                 "申报流程": PROCEDURE_FREE if free and not suffix else PROCEDURE, "责任单位": dept,
                                 "责任人": person, "联系电话": phone, "免申即享": "是" if free and not suffix else "否"})
    return rows


LAOSHAN_ROWS = [
    ("LS-MS-001", "专精特新中小企业认定奖励", "专精特新培育", ["资质 包含 专精特新", "失信 = 否"], "固定 20万元"),
    ("LS-MS-002", "高新技术企业认定奖励", "高新技术企业", ["资质 包含 高新技术企业", "失信 = 否"], "固定 10万元"),
    ("LS-MS-003", "规上企业研发投入奖励", "研发投入", ["资质 包含 规上企业", "研发投入占比 >= 3%", "失信 = 否"], "比例 研发投入 10% 封顶 150万元"),
    ("LS-MS-004", "软件和信息技术服务业成长奖励", "数字经济", ["行业 在 新一代信息技术、数字经济", "上年营业收入 >= 2000万元"], "分档 上年营业收入：2000万元→10万元；1亿元→50万元"),
    ("LS-MS-005", "稳岗返还", "稳岗返还", ["从业人数 >= 10人", "失信 = 否"], "每 从业人数 800元 封顶 50万元"),
]


def _laoshan_rows() -> list[dict]:
    rows = []
    for code, title, tag, rules, amount in LAOSHAN_ROWS:
        theme = next(t.name for t in _vocabulary().themes if tag in t.tags)
        lines = ["注册地 = 崂山区", *rules]
        rows.append({"条款编号": code, "文件名": "崂山区产业扶持资金免申即享兑付办法（示例）", "文号": "崂政办发〔2026〕8号",
                     "发文单位": "崂山区人民政府办公室", "适用区域": "崂山区", "有效期起": "2026-01-01", "有效期止": "2027-12-31",
                     "条款名称": title, "主题": theme, "标签": tag, "申报类型": "奖励类", "享受对象": "在崂山区注册的企业",
                     "享受条件": _human(rules), "条件规则": "\n".join(lines), "金额规则": amount,
                     "申报流程": "免申即享：区工信局按部门共享数据计算名单，企业足不出户即可获得扶持资金。",
                     "责任单位": "区工业和信息化局", "责任人": "孙立军", "联系电话": "0532-88996101", "免申即享": "是"})
    return rows


def _vocabulary() -> PolicyVocabulary:
    path = preset_path("chengyang")
    return parse_yaml(path.read_text(encoding="utf-8"), PolicyVocabulary, source=path.name)


def _xlsx(columns, rows: list[dict]) -> bytes:
    from luoshi.core.excel import workbook_new

    wb = workbook_new(write_only=True)
    ws = wb.create_sheet("数据")
    header = [h for _k, h, _r in columns]
    ws.append(header)
    for r in rows:
        ws.append([r.get(h, "") for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _enterprise_rows(profiles: list[dict], streets: list[str], rng: random.Random, start: int) -> list[dict]:
    rows = []
    for i, p in enumerate(profiles):
        head = "".join(rng.sample(NAME_HEAD, 2))
        name = f"青岛{head}{rng.choice(NAME_TAIL)}有限公司（示例{start + i:04d}）"
        rows.append({"统一社会信用代码": f"91370{'214' if p['注册地'] == '城阳区' else '212'}MA{start + i:08d}",
                     "企业名称": name, "所在区域": rng.choice(streets), "数据日期": "2026-01-31", **{k: str(v) for k, v in p.items()}})
    return rows


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def policies_demo(*, today: dt.date | None = None, hashed_password: str | None = None, seed: int = 13) -> dict:
    today = today or clock.today()
    hashed = hashed_password or make_password(DEMO_PASSWORD)
    if Clause.objects.filter(code="LS-MS-001").exists():
        return _summary()
    rng = random.Random(seed)
    spec = _vocabulary()
    with transaction.atomic():
        services.vocabulary_load(by=None, spec=spec)
        people = {}
        for acc in POLICY_ACCOUNTS:
            person = Person.objects.filter(username=acc.username).first() or person_create(
                by=None, username=acc.username, full_name=acc.full_name, title=acc.title, unit=unit_at(acc.unit_path),
                email=f"{acc.username}@demo.luoshi.local")
            Person.objects.filter(pk=person.pk).update(password=hashed)
            if acc.role:
                grant_role(by=None, person=person, role=acc.role, unit=unit_at(acc.unit_path))
            people[acc.username] = person
        start = today - dt.timedelta(days=120)
        with clock.at(_at(start)):
            services.clauses_import(by=None, data=_xlsx(CLAUSE_COLUMNS, demo_clause_rows() + _laoshan_rows()), name="demo.xlsx")
            cy = _enterprise_rows(demo_enterprise_profiles(800, seed=seed), CY_STREETS, rng, 1)
            ls = _enterprise_rows(demo_enterprise_profiles(200, seed=seed + 1, district="崂山区"), LS_STREETS, rng, 801)
            services.enterprises_import(by=None, data=_xlsx(ENTERPRISE_COLUMNS, cy + ls), name="demo.xlsx")
        # the enterprise user: an enterprise that qualifies for some clauses and nearly for others
        own = Enterprise.objects.filter(unit__name="城阳街道").order_by("id")[3]
        EnterpriseMember.objects.update_or_create(person=people["qiye"], defaults={"enterprise": own})
        # two 免申即享 batches paid, one in each district
        for title, who, days_ago, period in (("科技型中小企业入库奖励", "fagai", 60, "2025年度"),
                                             ("专精特新中小企业认定奖励", "gongxin", 30, "2025年度")):
            clause = Clause.objects.select_related("policy").get(title=title)
            paid = today - dt.timedelta(days=days_ago)
            with clock.at(_at(paid - dt.timedelta(days=3))):
                batch = services.batch_compute(by=people[who], clause=clause, period=period, note="演示：按2025年度统计数据计算")
            with clock.at(_at(paid)):
                services.batch_confirm(by=people[who], batch=batch, paid_on=paid)
        # and one draft waiting in the department's inbox
        clause = Clause.objects.filter(code__startswith="CY-04-", no_application=True).order_by("code").first()
        services.batch_compute(by=people["fagai"], clause=clause, period="2025年度")
    return _summary()


def _summary() -> dict:
    paid = PayoutBatch.objects.filter(state=BatchState.CONFIRMED)
    return {"clauses": Clause.objects.count(), "enterprises": Enterprise.objects.count(), "batches": paid.count(),
            "paid": sum((b.total for b in paid), Decimal(0)), "accounts": POLICY_ACCOUNTS}
