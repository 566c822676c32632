from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_secret_key(app_configs, **kwargs):
    from config.settings import DEMO_SECRET_KEY

    if settings.SECRET_KEY == DEMO_SECRET_KEY:
        return [Warning("仍在使用演示用 SECRET_KEY，生产环境请设置环境变量 SECRET_KEY。", id="luoshi.W001")]
    return []
