"""REST API of 惠企政策 (mounted by luoshi/api/api.py at /api/policies): the dictionary, enterprises with
their profile and matches, 免申即享 batches (compute, confirm) and totals. Same selectors and services as
the pages, so the same scoping and journal. Editing (ADR 0031): policy documents (POST /policies, PATCH
/policies/{id}) and clauses (POST /clauses, PATCH /clauses/{id}, POST /clauses/{id}/retire) through the services
the web forms call (dictionary.policy_create/policy_update, services.clause_create/clause_update/clause_retire),
so the same checks, versions and journal entries. Statuses (documented for every operation by LuoshiAPI): 200;
400 refused by a rule ({detail, field}: field is the body's key, e.g. "rules" with the line in detail); 401 not
signed in; 403 not allowed (a department edits only the clauses it is 责任单位 of); 404 missing or out of scope;
422 malformed body ({detail, field, errors}).

No `from __future__ import annotations`: ninja resolves the parameter types at import."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.errors import ServiceError
from luoshi.core.params import BodyIn, Day, Id, Pages, Text, Year
from luoshi.org.models import Unit

from . import dictionary, selectors, services
from .models import Policy, Tag, Theme

router = Router(tags=["policies"])


class ClauseOut(Schema):
    id: int
    code: str
    title: str
    policy_id: int
    policy: str
    theme_id: int
    theme: str
    tag_ids: list[int]
    tags: list[str]
    declare_type: str
    beneficiary: str
    condition_text: str
    rules: str
    amount_rule: str
    procedure: str
    dept_id: int
    dept: str
    contact_person: str
    contact_phone: str
    start_date: dt.date | None
    end_date: dt.date | None
    no_application: bool
    is_published: bool
    version: int


def _clause(c) -> dict:
    tags = list(c.tags.all())
    return {"id": c.pk, "code": c.code, "title": c.title, "policy_id": c.policy_id, "policy": str(c.policy),
            "theme_id": c.theme_id, "theme": c.theme.name, "tag_ids": [t.pk for t in tags], "tags": [t.name for t in tags],
            "declare_type": c.declare_type, "beneficiary": c.beneficiary,
            "condition_text": c.condition_text, "rules": c.rules, "amount_rule": c.amount_rule, "procedure": c.procedure,
            "dept_id": c.dept_id, "dept": c.dept.name, "contact_person": c.contact_person,
            "contact_phone": c.contact_phone, "start_date": c.start_date, "end_date": c.end_date,
            "no_application": c.no_application, "is_published": c.is_published, "version": c.version}


class ClauseIn(BodyIn):
    """A clause as the web form takes it. Ids name the policy document, theme, tags and 责任单位 (GET /vocabulary
    and GET /policies list them); the 申报类型 is a name from the vocabulary; `rules` is the condition language
    (one condition a line), `amount_rule` the amount rule."""
    policy_id: Id
    code: Text
    title: Text
    theme_id: Id
    tag_ids: list[Id] = []
    declare_type: Text
    beneficiary: Text
    condition_text: Text
    rules: Text = ""
    amount_rule: Text = ""
    procedure: Text = ""
    dept_id: Id
    contact_person: Text = ""
    contact_phone: Text = ""
    start_date: Day | None = None
    end_date: Day | None = None
    no_application: bool = False
    is_published: bool = True


class ClausePatch(BodyIn):
    """The fields to change (the others keep their value); a change makes a new version (the payouts keep theirs).
    The code and the policy document are not changed here."""
    title: Text | None = None
    theme_id: Id | None = None
    tag_ids: list[Id] | None = None
    declare_type: Text | None = None
    beneficiary: Text | None = None
    condition_text: Text | None = None
    rules: Text | None = None
    amount_rule: Text | None = None
    procedure: Text | None = None
    dept_id: Id | None = None
    contact_person: Text | None = None
    contact_phone: Text | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    no_application: bool | None = None
    is_published: bool | None = None
    reason: Text = ""


class RetireIn(BodyIn):
    reason: Text


# the services name the form's fields; the API's body names ids
API_FIELDS = {"theme": "theme_id", "tags": "tag_ids", "dept": "dept_id", "policy": "policy_id", "region": "region_id"}


@contextmanager
def _located():
    """A service's refusal with `field` renamed to the body's key (theme → theme_id …)."""
    try:
        yield
    except ServiceError as e:
        if e.field in API_FIELDS:
            e.field = API_FIELDS[e.field]
        raise


def _found(model, pk, field: str, label: str):
    obj = model.objects.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise ServiceError(_("%(label)s %(id)s 不存在。") % {"label": label, "id": pk}, field=field)
    return obj


def _tags(ids: list[int]) -> list:
    tags = list(Tag.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {t.pk for t in tags})
    if missing:
        raise ServiceError(_("标签 %(ids)s 不存在。") % {"ids": "、".join(map(str, missing))}, field="tag_ids")
    return tags


def _clause_input(values: dict) -> services.ClauseInput:
    """ClauseInput from the body's values (ids resolved; an unknown id is a 400 naming the field)."""
    return services.ClauseInput(
        title=values["title"], theme=_found(Theme, values["theme_id"], "theme_id", _("主题")),
        tags=_tags(values["tag_ids"]), declare_type=values["declare_type"], beneficiary=values["beneficiary"],
        condition_text=values["condition_text"], rules=values["rules"], amount_rule=values["amount_rule"],
        procedure=values["procedure"], dept=_found(Unit, values["dept_id"], "dept_id", _("单位")),
        contact_person=values["contact_person"], contact_phone=values["contact_phone"],
        start_date=values["start_date"], end_date=values["end_date"], no_application=values["no_application"],
        is_published=values["is_published"])


def _clause_values(c) -> dict:
    """The clause's current values in ClauseIn's terms (what a PATCH starts from)."""
    return {**{k: getattr(c, k) for k in services.CLAUSE_FIELDS if k not in ("theme", "dept")},
            "theme_id": c.theme_id, "dept_id": c.dept_id, "tag_ids": [t.pk for t in c.tags.all()]}


class ClauseFilterIn(Schema):
    q: str = ""
    theme: Id | None = None
    tag: Id | None = None
    declare_type: str = ""


class OutcomeOut(Schema):
    condition: str
    status: str
    actual: str


class MatchOut(Schema):
    clause_id: int
    clause_code: str
    clause_title: str
    clause_version: int
    enterprise_id: int | None = None
    enterprise: str = ""
    profile_version: int
    verdict: str
    amount: Decimal | None
    amount_why: str
    missing: list[str]
    outcomes: list[OutcomeOut]


def _match(clause, m, enterprise=None) -> dict:
    return {"clause_id": clause.pk, "clause_code": clause.code, "clause_title": clause.title,
            "clause_version": m.clause_version, "enterprise_id": enterprise.pk if enterprise else None,
            "enterprise": enterprise.name if enterprise else "", "profile_version": m.profile_version,
            "verdict": m.verdict, "amount": m.amount.value, "amount_why": m.amount.why,
            "missing": [o.condition.source for o in m.missing],
            "outcomes": [{"condition": o.condition.source, "status": o.status, "actual": o.actual} for o in m.outcomes]}


class AttributeOut(Schema):
    key: str
    value: str
    source: str
    as_of: dt.date | None


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    unit: str
    profile_version: int
    profile: list[AttributeOut] = []


class ProfileIn(BodyIn):
    values: dict[str, str]
    reason: str = ""


class BatchIn(BodyIn):
    period: str
    note: str = ""


class ConfirmIn(BodyIn):
    paid_on: Day | None = None


class LineOut(Schema):
    enterprise_id: int
    enterprise: str
    amount: Decimal
    amount_why: str
    verdict: str
    excluded: bool
    confirmed: bool
    profile_version: int


class BatchOut(Schema):
    id: int
    clause_id: int
    clause_code: str
    clause_version: int
    period: str
    state: str
    total: Decimal
    count: int
    paid_on: dt.date | None
    lines: list[LineOut] = []


def _batch(b, lines=True) -> dict:
    out = {"id": b.pk, "clause_id": b.clause_id, "clause_code": b.clause.code, "clause_version": b.clause_version.number,
           "period": b.period, "state": b.state, "total": b.total, "count": b.count, "paid_on": b.paid_on}
    if lines:
        out["lines"] = [{"enterprise_id": x.enterprise_id, "enterprise": x.enterprise.name, "amount": x.amount,
                         "amount_why": x.amount_why, "verdict": x.verdict, "excluded": x.excluded, "confirmed": x.confirmed,
                         "profile_version": x.profile_version} for x in selectors.batch_lines(batch=b)]
    return out


class ThemeOut(Schema):
    id: int
    name: str
    tags: list[str]
    tag_ids: list[int]


class VocabularyOut(Schema):
    themes: list[ThemeOut]
    declare_types: list[str]


class PolicyOut(Schema):
    id: int
    title: str
    doc_number: str
    issuer: str
    region_id: int
    region: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    clauses: int


class PolicyIn(BodyIn):
    """A policy document (文件): its clauses apply in `region_id` (a district or the city); the policy office of
    that region manages it."""
    title: Text
    doc_number: Text = ""
    issuer: Text
    region_id: Id
    valid_from: Day | None = None
    valid_to: Day | None = None


class PolicyPatch(BodyIn):
    """The fields to change (the others keep their value)."""
    title: Text | None = None
    doc_number: Text | None = None
    issuer: Text | None = None
    region_id: Id | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None
    reason: Text = ""


def _policy(p, clauses: int) -> dict:
    return {"id": p.pk, "title": p.title, "doc_number": p.doc_number, "issuer": p.issuer, "region_id": p.region_id,
            "region": p.region.name, "valid_from": p.valid_from, "valid_to": p.valid_to, "clauses": clauses}


def _policy_input(values: dict) -> dictionary.PolicyInput:
    return dictionary.PolicyInput(title=values["title"], doc_number=values["doc_number"], issuer=values["issuer"],
                                  region=_found(Unit, values["region_id"], "region_id", _("单位")),
                                  valid_from=values["valid_from"], valid_to=values["valid_to"])


@router.get("/vocabulary", response=VocabularyOut)
def vocabulary(request):
    """The managed vocabulary: themes (主题/专题) with their tags, and the 申报类型, in their order."""
    vocab, types = selectors.vocabulary()
    return {"themes": [{"id": th.pk, "name": th.name, "tags": [t.name for t in tags], "tag_ids": [t.pk for t in tags]}
                       for th, tags in vocab], "declare_types": types}


@router.get("/policies", response=list[PolicyOut])
def policies(request):
    return [_policy(r["policy"], r["clauses"]) for r in selectors.policy_list(user=request.user)]


@router.post("/policies", response=PolicyOut)
def policy_create(request, payload: PolicyIn):
    """A new policy document (the policy office of its region)."""
    with _located():
        p = dictionary.policy_create(by=request.user, data=_policy_input(payload.dict()))
    return _policy(p, 0)


@router.patch("/policies/{policy_id}", response=PolicyOut)
def policy_update(request, policy_id: Id, payload: PolicyPatch):
    """Change a policy document (the policy office of its region); its clauses keep their versions."""
    p = selectors.policy_get(pk=policy_id)
    values = {"title": p.title, "doc_number": p.doc_number, "issuer": p.issuer, "region_id": p.region_id,
              "valid_from": p.valid_from, "valid_to": p.valid_to}
    changed = payload.dict(exclude_unset=True)
    reason = changed.pop("reason", "")
    values.update({k: v for k, v in changed.items() if v is not None or k in ("valid_from", "valid_to")})
    with _located():
        p = dictionary.policy_update(by=request.user, policy=p, data=_policy_input(values), reason=reason)
    return _policy(p, p.clauses.count())


@router.get("/clauses", response=list[ClauseOut])
@paginate(Pages, page_size=100)
def clauses(request, filters: Query[ClauseFilterIn]):
    f = selectors.ClauseFilters(q=filters.q, theme=filters.theme, tag=filters.tag, declare_type=filters.declare_type)
    return _Rows(selectors.clause_list(user=request.user, filters=f).prefetch_related("tags"), _clause)


class _Rows:
    def __init__(self, qs, fn):
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        rows = self.qs[index]
        return [self.fn(r) for r in rows] if isinstance(index, slice) else self.fn(rows)


@router.get("/clauses/{clause_id}", response=ClauseOut)
def clause(request, clause_id: Id):
    return _clause(selectors.clause_get(user=request.user, pk=clause_id))


@router.post("/clauses", response=ClauseOut)
def clause_create(request, payload: ClauseIn):
    """A new clause (version 1) in a policy document; the caller's unit (or one below it) is its 责任单位."""
    values = payload.dict()
    policy = _found(Policy, values.pop("policy_id"), "policy_id", _("政策文件"))
    with _located():
        c = services.clause_create(by=request.user, policy=policy, code=values.pop("code"), data=_clause_input(values))
    return _clause(selectors.clause_get(user=request.user, pk=c.pk))


@router.patch("/clauses/{clause_id}", response=ClauseOut)
def clause_update(request, clause_id: Id, payload: ClausePatch):
    """Change a clause (its 责任单位 only). Anything that differs makes a new version; nothing different changes
    nothing (the version stays)."""
    c = selectors.clause_get(user=request.user, pk=clause_id)
    values = _clause_values(c)
    changed = payload.dict(exclude_unset=True)
    reason = changed.pop("reason", "")
    values.update({k: v for k, v in changed.items() if v is not None or k in ("start_date", "end_date")})
    with _located():
        services.clause_update(by=request.user, clause=c, data=_clause_input(values), reason=reason)
    return _clause(selectors.clause_get(user=request.user, pk=c.pk))


@router.post("/clauses/{clause_id}/retire", response=ClauseOut)
def clause_retire(request, clause_id: Id, payload: RetireIn):
    """Take a clause out of the dictionary (停止发布, its 责任单位 only): a new version that is not published, so it
    leaves the public dictionary and the matching; its versions, batches and payouts stay. A reason is required."""
    c = selectors.clause_get(user=request.user, pk=clause_id)
    services.clause_retire(by=request.user, clause=c, reason=payload.reason)
    return _clause(selectors.clause_get(user=request.user, pk=c.pk))


@router.get("/clauses/{clause_id}/matches", response=list[MatchOut])
def clause_matches(request, clause_id: Id):
    """The enterprises (that the caller may see) qualifying for the clause, with the explanation."""
    c = selectors.clause_get(user=request.user, pk=clause_id)
    return [_match(c, m, e) for e, m in selectors.clause_matches(user=request.user, clause=c)]


@router.get("/enterprises", response=list[EnterpriseOut])
@paginate(Pages, page_size=100)
def enterprises(request, q: str = ""):
    return _Rows(selectors.enterprise_list(user=request.user, q=q[:100]),
                 lambda e: {"id": e.pk, "credit_code": e.credit_code, "name": e.name, "unit": e.unit.name,
                            "profile_version": e.profile_version})


def _enterprise(e) -> dict:
    return {"id": e.pk, "credit_code": e.credit_code, "name": e.name, "unit": e.unit.name,
            "profile_version": e.profile_version,
            "profile": [{"key": r["key"], "value": r["value"], "source": r["source"], "as_of": r["as_of"]}
                        for r in selectors.enterprise_profile_rows(enterprise=e) if r["value"]]}


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut)
def enterprise(request, enterprise_id: Id):
    return _enterprise(selectors.enterprise_get(user=request.user, pk=enterprise_id))


@router.get("/enterprises/{enterprise_id}/matches", response=list[MatchOut])
def enterprise_matches(request, enterprise_id: Id):
    """Qualifying, needing a document checked, and nearly qualifying clauses (the missing condition named)."""
    e = selectors.enterprise_get(user=request.user, pk=enterprise_id)
    return [_match(c, m, e) for c, m in selectors.enterprise_matches(enterprise=e)]


@router.patch("/enterprises/{enterprise_id}/profile", response={200: EnterpriseOut, 400: dict, 403: dict, 404: dict})
def profile_update(request, enterprise_id: Id, payload: ProfileIn):
    e = selectors.enterprise_get(user=request.user, pk=enterprise_id)
    e = services.enterprise_profile_update(by=request.user, enterprise=e, values=payload.values, reason=payload.reason)
    return _enterprise(e)


@router.get("/batches", response=list[BatchOut])
def batches(request, state: str = ""):
    return [_batch(b, lines=False) for b in selectors.batch_list(user=request.user, state=state)
            .select_related("clause_version")[:500]]


@router.get("/batches/{batch_id}", response=BatchOut)
def batch(request, batch_id: Id):
    return _batch(selectors.batch_get(user=request.user, pk=batch_id))


@router.post("/clauses/{clause_id}/batches", response={200: BatchOut, 400: dict, 403: dict, 404: dict})
def batch_compute(request, clause_id: Id, payload: BatchIn):
    c = selectors.clause_get(user=request.user, pk=clause_id)
    return _batch(services.batch_compute(by=request.user, clause=c, period=payload.period, note=payload.note))


@router.post("/batches/{batch_id}/confirm", response={200: BatchOut, 400: dict, 403: dict, 404: dict})
def batch_confirm(request, batch_id: Id, payload: ConfirmIn):
    b = selectors.batch_get(user=request.user, pk=batch_id)
    return _batch(services.batch_confirm(by=request.user, batch=b, paid_on=payload.paid_on))


@router.get("/totals")
def totals(request, by: str = "clause", year: Year | None = None):
    """Paid totals per clause / theme / district / year: [{label, total, enterprises, payouts}]."""
    if by not in selectors.GROUPS:
        raise ServiceError(_("by 只能是 clause、theme、district、year。"), field="by")
    return [{**r, "total": str(r["total"])} for r in selectors.payout_totals(user=request.user, by=by, year=year)]

