"""The rows of the score card's 逐项得分 table, written in Python.

A card has up to a few hundred rows (140 leaves, their branches, scores, evidence and the appeal forms); the
template loop spent most of the page's time on tag dispatch and one `{% url %}` per file. The same markup is
built here with format_html (everything escaped) and URLs reversed once. The template includes the result.
"""
from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ..templatetags.assessment import num


def card_rows_html(request, ctx: dict) -> SafeString:
    rnd, unit, card = ctx["rnd"], ctx["unit"], ctx["card"]
    kinds, appeals_by_leaf = ctx["kinds"], ctx["appeals_by_leaf"]
    can_appeal, open_appeals = ctx["can_appeal"], ctx["open_appeals"]
    appeal_leaf, appeal_form = ctx.get("appeal_leaf"), ctx.get("appeal_form")
    evidence_url = reverse("assess_evidence", args=[rnd.pk, unit.pk, 0])[:-2]  # ".../files/" + pk + "/"
    appeal_url = reverse("assess_appeal_file", args=[rnd.pk, unit.pk]) if can_appeal else ""
    csrf = get_token(request) if can_appeal else ""
    materials = card.materials
    t_pass, t_fail, t_none = _("达标"), _("不达标"), _("未评分")
    t_revised, t_materials = _("复核改分"), _("报送材料：")
    t_excluded, t_excluded_title = _("不计"), _("缺项，不计入应得分")

    def file_link(f, cls=""):
        attr = f' class="{cls}"' if cls else ""
        return f'<a{attr} href="{evidence_url}{f.pk}/">{escape(f.original_name)}</a>'

    out: list[str] = []
    for line in card.lines:
        ind = line.indicator
        if not line.is_leaf:
            out.append(format_html('<tr class="branch depth-{}"><td class="code">{}</td><td class="name"><b>{}</b></td>'
                                   '<td class="num">{}</td><td></td><td class="num"><b>{}</b></td></tr>',
                                   line.depth, ind.code, ind.name, num(line.points), num(line.earned)))
            continue
        name = [escape(ind.name), '<br><small class="muted">']
        if ind.method:
            name.append(escape(ind.method) + " · ")
        name.append(escape(line.rule_text) + "</small>")
        mats = materials.get(ind.pk)
        if mats:
            parts = []
            for m in mats:
                files = "".join(" " + file_link(f) for f in m.files.all())
                parts.append(escape(Truncator(m.text).chars(40)) + files)
            name.append(f"<br><small>{escape(t_materials)}{'；'.join(parts)}</small>")
        scores = []
        pass_fail = kinds.get(ind.pk, ("",))[0] == "pass_fail"
        for s in line.scores:
            if s.level:
                shown = s.level
            elif pass_fail:
                shown = t_pass if s.value is not None and s.value >= 1 else t_fail
            else:
                shown = num(s.value)
            who = s.evaluator.display_name if s.evaluator else "—"
            meta = f"{escape(who or '—')} · {timezone.localtime(s.scored_at):%m-%d %H:%M} · {escape(s.get_status_display())}"
            if s.approved_by:
                meta += f"（{escape(s.approved_by.display_name)}）"
            if s.source == "appeal":
                meta += " · " + escape(t_revised)
            block = f'<div class="score"><b>{escape(shown)}</b>\n  <small class="muted">{meta}</small>'
            if s.note:
                block += f'\n  <div class="small pre">{escape(s.note)}</div>'
            block += "".join(" " + file_link(f, "small") for f in s.evidence.all()) + "</div>"
            scores.append(block)
        if not scores:
            scores.append(f'<span class="muted">{escape(t_none)}</span>')
        if line.excluded:
            earned = f'<span class="muted" title="{escape(t_excluded_title)}">{escape(t_excluded)}</span>'
        else:
            earned = f"<b>{escape(num(line.earned))}</b>"
        out.append(f'<tr class="leaf depth-{line.depth}" id="leaf-{ind.pk}"><td class="code">{escape(ind.code)}</td>'
                   f'<td class="name">{"".join(name)}</td><td class="num">{escape(num(line.points))}</td>'
                   f'<td class="scores">{"".join(scores)}</td><td class="num">{earned}</td></tr>')
        for a in appeals_by_leaf.get(ind.pk, ()):
            text = escape(_("申诉：%(state)s") % {"state": a.get_state_display()})
            extra = ""
            if a.state == "revised":
                extra = " · " + escape(_("原得分 %(old)s → 复核后 %(new)s") % {"old": num(a.original_points),
                                                                          "new": num(a.revised_points)})
            out.append(f'<tr class="appeal-row"><td></td><td colspan="4" class="small">'
                       f'<a href="#appeal-{a.pk}">{text}</a>{extra}</td></tr>')
        if can_appeal and (ind.pk not in open_appeals or appeal_leaf == ind.pk):
            out.append(_appeal_form(ind, appeal_url, csrf, appeal_form if appeal_leaf == ind.pk else None))
    return mark_safe("\n".join(out))


def _appeal_form(ind, action: str, csrf: str, form) -> str:
    errors = ""
    reason = ""
    reason_errors = ""
    if form is not None:
        if form.non_field_errors():
            errors = f'<p class="msg error" role="alert">{escape("；".join(form.non_field_errors()))}</p>'
        reason = escape(form["reason"].value() or "")
        reason_errors = "".join(f'<p class="fielderror">{escape(e)}</p>' for e in form["reason"].errors)
    has_error = " has-error" if reason_errors else ""
    return (f'<tr class="appeal-row"><td></td><td colspan="4"><details{" open" if form is not None else ""}>'
            f'<summary>{escape(_("申诉"))}</summary>\n'
            f'<form class="form narrowform" method="post" action="{action}" enctype="multipart/form-data" novalidate>'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf)}">\n'
            f'  <input type="hidden" name="indicator" value="{ind.pk}">\n  {errors}'
            f'<div class="field{has_error}"><label for="appeal-{ind.pk}-reason">{escape(_("申诉理由"))}</label>'
            f'<textarea id="appeal-{ind.pk}-reason" name="reason" rows="3">{reason}</textarea>\n  {reason_errors}</div>\n'
            f'  <div class="field"><label for="appeal-{ind.pk}-files">{escape(_("佐证材料"))}</label>'
            f'<input type="file" id="appeal-{ind.pk}-files" name="files" multiple></div>\n'
            f'  <button class="primary">{escape(_("提交申诉"))}</button>\n</form></details></td></tr>')
