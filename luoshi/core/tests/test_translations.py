"""Complete translations: every Chinese text a page or a message can show — `{{ _("…") }}` and `{% trans %}…{% endtrans %}`
in templates (their message ids as Jinja2 looks them up, singular and plural), `_("…")` / `gettext("…")` /
`gettext_lazy("…")` in the code — has an English msgstr in locale/en (not fuzzy), so English mode never leaves a label,
a status or a refusal in Chinese."""
from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings
from django.template import engines

ROOT = Path(settings.BASE_DIR)
PY = re.compile(r'''(?<![\w.])(?:_|gettext|gettext_lazy|gettext_noop|pgettext_lazy\(\s*"[^"]*",)\(\s*"((?:[^"\\]|\\.)*)"\s*[\),%]''')
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _translated() -> set[str]:
    po = polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po"))
    return {e.msgid for e in po if (e.msgstr or any(e.msgstr_plural.values())) and "fuzzy" not in e.flags
            and not e.obsolete}


def _template_texts(source: str) -> list[str]:
    """The message ids Jinja2 looks up for a template (`_()`, `{% trans %}` singular and plural)."""
    texts = []
    for _line, _function, message in engines["jinja2"].env.extract_translations(source):
        texts.extend(m for m in (message if isinstance(message, tuple) else (message,)) if isinstance(m, str))
    return texts


def _sources():
    for path in sorted((ROOT / "luoshi").rglob("*")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.suffix == ".py":
            yield path, [m.group(1) for m in PY.finditer(path.read_text(encoding="utf-8"))]
        elif "templates" in path.parts and path.is_file():
            yield path, _template_texts(path.read_text(encoding="utf-8"))


def test_every_chinese_text_marked_for_translation_has_english():
    done = _translated()
    missing = [f"{path.relative_to(ROOT)}: {text}" for path, texts in _sources() for text in texts
               if CHINESE.search(text) and text.replace('\\"', '"') not in done]
    assert not missing, "没有英文译文（locale/en/LC_MESSAGES/django.po）：\n" + "\n".join(missing)


def test_the_checker_finds_both_kinds_of_marks():
    found = {text for path, texts in _sources() for text in texts}
    assert {"待办", "待签收任务", "工作台"} <= found
    # a {% trans %} block with a count: both message ids, placeholders as Django's blocktranslate wrote them
    assert {"共 %(n)s 处问题，未导入任何数据："} <= found
