"""The public 金点子 pages (no login): the list of adopted and awarded ideas with the replies, the submission
form, and "my idea" by its 查询码. Nothing personal is ever shown; titles and replies are masked."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from luoshi.core import clock
from luoshi.core.errors import ServiceError

from . import selectors, services, throttle
from .forms import IdeaForm
from .models import Campaign, Decision

PAGE_SIZE = 20


def idea_list(request):
    page = Paginator(selectors.public_ideas(), PAGE_SIZE).get_page(request.GET.get("page"))
    decisions = dict(Decision.choices)
    rows = [{"number": i.number, "title": selectors.public_text(i.title), "topic": i.topic, "province": i.province,
             "decision": i.decision, "decision_label": decisions.get(i.decision, ""), "reply": selectors.public_text(i.reply),
             "award": i.campaign.award_name(i.award) if i.award else "", "campaign": i.campaign.name,
             "decided_at": i.decided_at, "has_task": bool(i.task_id)} for i in page]
    return render(request, "ideas/public_list.html", {"page": page, "rows": rows,
                                                      "open": list(selectors.open_campaigns())})


def _campaign_for(request, open_campaigns: list[Campaign]) -> Campaign | None:
    wanted = request.POST.get("campaign") or request.GET.get("campaign")
    if wanted and str(wanted).isdigit():
        return next((c for c in open_campaigns if c.pk == int(wanted)), None)
    return open_campaigns[0] if len(open_campaigns) == 1 else None


@never_cache
def idea_new(request):
    campaigns = list(selectors.open_campaigns())
    campaign = _campaign_for(request, campaigns)
    if campaign is None:
        return render(request, "ideas/public_choose.html", {"campaigns": campaigns})
    form = IdeaForm(request.POST or None, topics=campaign.topics)
    status = 200
    if request.method == "POST":
        if not throttle.submit_allowed(request):
            form.is_valid()
            form.add_error(None, _("提交太频繁：同一网络 %(m)s 分钟内最多提交 %(n)s 条建议，请稍后再试。您填写的内容已保留。")
                           % {"m": throttle.window_minutes(), "n": throttle.limit_count()})
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            if d["website"]:  # a robot filled the honeypot: pretend nothing happened
                return redirect("portal_ideas")
            try:
                idea = services.idea_submit(campaign=campaign, data=services.IdeaInput(
                    title=d["title"], content=d["content"], topic=d["topic"], source_kind=d["source_kind"],
                    name=d["name"], phone=d["phone"], email=d["email"], organisation=d["organisation"],
                    province=d["province"], city=d["city"]))
            except ServiceError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
                status = 400
            else:
                throttle.submit_counted(request)
                request.session["idea_submitted"] = {"code": idea.tracking_code, "number": idea.number,
                                                     "campaign": campaign.name}
                return redirect("portal_idea_done")
        else:
            status = 400
    return render(request, "ideas/public_form.html", {"form": form, "campaign": campaign, "campaigns": campaigns,
                                                      "today": clock.today()}, status=status)


@never_cache
def idea_done(request):
    """The 查询码 is shown once, right after submitting (the session forgets it)."""
    done = request.session.pop("idea_submitted", None)
    if not done:
        return redirect("portal_idea_track")
    return render(request, "ideas/public_done.html", {"done": done,
                                                      "track_url": reverse("portal_idea_track") + f"?code={done['code']}"})


@never_cache
def idea_track(request):
    code = (request.GET.get("code") or "").strip()
    idea = selectors.idea_by_tracking_code(code) if code else None
    return render(request, "ideas/public_track.html", {"code": code, "idea": idea, "searched": bool(code)},
                  status=404 if code and idea is None else 200)
