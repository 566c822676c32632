from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.assessment import services
from luoshi.assessment.models import Scheme
from luoshi.assessment.scheme import scheme_parse
from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with

from ._assess import acting_person, add_as_argument


def _yaml_errors(exc: ImportFailed, name: str) -> CommandError:
    lines = []
    for e in exc.errors:
        where = _("第%(line)s行") % {"line": e.row} if e.row else ""
        key = f"（{e.column}）" if e.column else ""
        lines.append(f"  - {name}{where}{key}：{e.message}")
    return CommandError(_("指标体系有 %(n)s 处错误，未保存：") % {"n": len(exc.errors)} + "\n" + "\n".join(lines))


class Command(BaseCommand):
    help = ("检查并保存指标体系 YAML。新体系为第1版；已被考核期次使用的体系修改后另存为新版本，"
            "已有期次仍按原版本计分。有错误时逐条列出行号，不保存。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--note", default="", help="修订说明")
        parser.add_argument("--check", action="store_true", help="只检查，不保存")
        add_as_argument(parser)

    def handle(self, file, note, check, username, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(_("无法读取 %(file)s：%(error)s") % {"file": file, "error": e}) from e
        try:
            definition = scheme_parse(text, source=path.name)
            region, owner = services._resolve_region_owner(definition)
        except ImportFailed as e:
            raise _yaml_errors(e, path.name) from e
        leaves = len(definition.leaves()) if definition.type == "points" else len(definition.league.metrics)
        if check:
            self.stdout.write(self.style.SUCCESS(_("检查通过（未保存）：“%(name)s”（%(code)s），末级标准 %(n)s 项。")
                                                 % {"name": definition.name, "code": definition.code, "n": leaves}))
            return
        by = acting_person(username, owner)
        existing = Scheme.objects.filter(code=definition.code).first()
        if existing is not None and existing.current_version is not None and existing.current_version.source == text:
            self.stdout.write(_("指标体系“%(name)s”（%(code)s）第%(v)s版与文件相同，无需保存。")
                              % {"name": existing.name, "code": existing.code, "v": existing.current_version.number})
            return
        try:
            scheme, version, new = services.scheme_save(by=by, text=text, note=note, source=path.name)
        except ImportFailed as e:
            raise _yaml_errors(e, path.name) from e
        except ServiceError as e:
            raise fail_with(e) from e
        if version.number == 1 and new:
            what = _("已新建")
        elif new:
            what = _("已保存为新版本")
        else:
            what = _("已保存")
        self.stdout.write(self.style.SUCCESS(_("%(what)s指标体系“%(name)s”（%(code)s）第%(v)s版，末级标准 %(n)s 项。")
                                             % {"what": what, "name": scheme.name, "code": scheme.code,
                                                "v": version.number, "n": leaves}))
