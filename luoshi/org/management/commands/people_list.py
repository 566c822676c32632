from django.core.management.base import BaseCommand, CommandError

from luoshi.org.models import Person, Role


class Command(BaseCommand):
    help = "列出人员（账号、姓名、单位、职务、手机、角色、能否登录），可按单位（含下级）和角色筛选。"

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="只列出该单位及其下级单位的人员（名称、简称或“上级/名称”）")
        parser.add_argument("--role", choices=Role.values, help="只列出有该角色的人员")
        parser.add_argument("--inactive", action="store_true", help="也列出已停用的人员")

    def handle(self, unit, role, inactive, **options):
        qs = Person.objects.select_related("unit").prefetch_related("grants__unit").order_by("unit__path", "full_name",
                                                                                             "pk")
        if not inactive:
            qs = qs.filter(is_active=True)
        if unit:
            from luoshi.org.people import UnitNameFinder

            found, problem = UnitNameFinder().find(unit)
            if found is None:
                raise CommandError(problem + "。")
            qs = qs.filter(unit__path__within=[found.path])
        if role:
            qs = qs.filter(grants__role=role).distinct()
        labels = dict(Role.choices)
        for p in qs:
            grants = "、".join(f"{labels[g.role]}（{g.unit.name}）" for g in p.grants.all())
            login = "可登录" if p.has_usable_password() and p.is_active else "不能登录"
            self.stdout.write("\t".join([p.username, p.full_name, p.unit.name if p.unit is not None else "", p.title, p.phone,
                                         grants, login]))
        if unit and not qs.exists():
            self.stderr.write("没有人员。")
