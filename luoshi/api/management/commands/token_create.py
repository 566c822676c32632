from django.core.management.base import BaseCommand, CommandError

from luoshi.api.auth import token_create
from luoshi.org.models import Person


class Command(BaseCommand):
    help = "为某个用户创建接口令牌（只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="integration")

    def handle(self, username, name, **options):
        person = Person.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"用户“{username}”不存在。")
        _, key = token_create(by=None, person=person, name=name)
        self.stdout.write(key)
