"""Staff pages of the case library: search and counts, a case with its nomination, review, publication and
replication record, the form to write one. Thin: parse, call a selector or a service, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.journal import journal_for
from luoshi.core.journal_text import journal_rows
from luoshi.core.paging import Pager

from . import selectors, services
from .forms import AdoptionForm, CaseForm, NominateForm, RecognitionForm
from .models import CaseState, Level, Nomination
from .scheme import review_scheme

PAGE_SIZE = 30


def _apply_error(form, e: ServiceError) -> None:
    if isinstance(e, PermissionDeniedError):
        raise PermissionDenied(e.message)
    form.add_error(e.field if e.field in form.fields else None, e.message)


@login_required
def case_list(request):
    year = request.GET.get("year", "")
    filters = selectors.CaseFilters(q=request.GET.get("q", "").strip(), state=request.GET.get("state", ""),
                                    level=request.GET.get("level", ""), tag=request.GET.get("tag", "").strip(),
                                    year=int(year) if year.isdigit() else None)
    qs = selectors.case_list(user=request.user, filters=filters)
    page = Pager(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.case_counts(user=request.user)
    return render(request, "cases/list.html", {
        "page": page, "filters": filters, "states": CaseState.choices, "levels": Level.choices, "counts": counts,
        "level_rows": [(v, label, counts["by_level"].get(v, 0)) for v, label in Level.choices],
        "feed_rounds": selectors.feed_rounds(user=request.user, library=review_scheme())})


@login_required
@require_POST
def case_feed(request):
    """改革创新加分: the recognised cases as scores of a round (cases.feed), by the round's office."""
    from .feed import assessment_feed

    rounds = selectors.feed_rounds(user=request.user, library=review_scheme())
    rnd = next((r for r in rounds if str(r.pk) == request.POST.get("round")), None)
    try:
        if rnd is None:
            raise ServiceError(_("请选择正在评分的考核期次。"), field="round")
        n = assessment_feed(by=request.user, round=rnd)
        messages.success(request, _("已把复制推广的典型案例计入“%(round)s”：%(n)s 个单位。") % {"round": rnd.name, "n": n})
    except PermissionDeniedError as e:
        raise PermissionDenied(e.message)
    except ServiceError as e:
        messages.error(request, e.message)
    return redirect("case_list")


def _input(form) -> services.CaseInput:
    d = form.cleaned_data
    return services.CaseInput(title=d["title"], summary=d["summary"], problem=d["problem"], body=d["body"],
                              unit=d["unit"], year=d["year"], results=d["results"], team=d["team"],
                              tags=form.parsed_tags(), figures=form.parsed_figures())


@login_required
def case_new(request):
    form = CaseForm(request.POST or None, initial={"year": clock.today().year})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(by=request.user, data=_input(form))
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已保存案例草稿，可以推荐报送审核。"))
            return redirect("case_detail", case.pk)
    return render(request, "cases/form.html", {"form": form})


@login_required
def case_edit(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    initial = {"title": case.title, "unit": case.unit_id, "year": case.year, "team": case.team,
               "summary": case.summary, "problem": case.problem, "body": case.body, "results": case.results,
               "figures": "\n".join(f"{f['label']}｜{f['value']}｜{f.get('unit', '')}" for f in case.figures),
               "tags": "、".join(case.tags)}
    form = CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(by=request.user, case=case, data=_input(form))
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("case_detail", case.pk)
    return render(request, "cases/form.html", {"form": form, "case": case})


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    nominate = NominateForm(request.POST if action == "nominate" else None)
    recognise = RecognitionForm(request.POST if action == "recognise" else None)
    adopt = AdoptionForm(request.POST if action == "adopt" else None)
    scheme = review_scheme()
    review_error = ""
    if action:
        try:
            if action == "nominate" and nominate.is_valid():
                services.case_nominate(by=request.user, case=case, how=nominate.cleaned_data["nomination"],
                                       note=nominate.cleaned_data["note"])
                messages.success(request, _("已推荐，等待督查室/办公室审核。"))
                return redirect("case_detail", case.pk)
            if action == "review":
                services.case_review(by=request.user, case=case, decision=request.POST.get("decision", ""),
                                     note=request.POST.get("note", ""),
                                     scores={c.code: request.POST.get(f"score_{c.code}", "") for c in scheme.criteria})
                messages.success(request, _("已审核：%(state)s。") % {"state": case.get_state_display()})
                return redirect("case_detail", case.pk)
            if action == "attach":
                files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
                services.case_attach(by=request.user, case=case, files=files)
                messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(files)})
                return redirect("case_detail", case.pk)
            if action in ("publish", "unpublish"):
                services.case_publish(by=request.user, case=case, public=action == "publish")
                return redirect("case_detail", case.pk)
            if action == "recognise" and recognise.is_valid():
                d = recognise.cleaned_data
                services.recognition_add(by=request.user, case=case, level=d["level"], date=d["date"], source=d["source"])
                return redirect("case_detail", case.pk)
            if action == "adopt" and adopt.is_valid():
                d = adopt.cleaned_data
                services.adoption_add(by=request.user, case=case, unit=d["unit"], adopted_on=d["adopted_on"],
                                      result=d["result"])
                return redirect("case_detail", case.pk)
        except PermissionDeniedError as e:
            raise PermissionDenied(e.message)
        except ServiceError as e:
            form = {"nominate": nominate, "recognise": recognise, "adopt": adopt}.get(action)
            if form is not None:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                review_error = e.message
    ways = [(v, label) for v, label in Nomination.choices if services.may_nominate(request.user, case, v)]
    nominate.fields["nomination"].choices = ways
    return render(request, "cases/detail.html", {
        "case": case, "manage": selectors.can_manage(request.user, case), "ways": ways,
        "nominate": nominate, "recognise": recognise, "adopt": adopt, "scheme": scheme, "review_error": review_error,
        "score_rows": [(c, request.POST.get(f"score_{c.code}", "") if action == "review" else "")
                       for c in scheme.criteria],
        "editable": case.state in services.EDITABLE_STATES and (case.created_by_id == request.user.pk
                                                               or selectors.can_manage(request.user, case)),
        "attachments": case.attachments.all(),
        "can_attach": selectors.can_manage(request.user, case) or (
            case.created_by_id == request.user.pk and case.state in services.EDITABLE_STATES),
        "recognitions": case.recognitions.all(), "adoptions": case.adoptions.select_related("unit"),
        "journal": journal_rows(journal_for(case).order_by("-at")[:30])})


@login_required
def case_file(request, pk, att_pk):
    """A case's supporting file, to people who may read the case."""
    from django.http import Http404

    from luoshi.core.http import attachment_response

    case = selectors.case_get(user=request.user, pk=pk)
    att = case.attachments.filter(pk=att_pk).first()
    if att is None:
        raise Http404(_("没有找到该附件，或您无权查看。"))
    return attachment_response(att)
