from django.core.management.base import BaseCommand, CommandError

from luoshi.org.models import Person
from luoshi.org.services import person_set_password


class Command(BaseCommand):
    help = "为账号生成新的随机密码并显示一次（导入的账号须先设置密码才能登录）；请转交本人登录后修改。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="账号")

    def handle(self, username, **options):
        person = Person.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"账号“{username}”不存在。")
        password = person_set_password(by=None, person=person)
        self.stdout.write(f"{person.username}（{person.display_name}）的新密码：{password}")
        self.stdout.write("密码只显示这一次，系统不保存明文。")
