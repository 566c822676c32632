"""REST API of 惠企政策 (mounted by luoshi/api/api.py at /api/policies): the dictionary, enterprises with
their profile and matches, 免申即享 batches (compute, confirm) and totals. Same selectors and services as
the pages, so the same scoping and journal. Statuses: 200; 400 refused by a rule ({detail, field}); 403 not
allowed; 404 missing or out of scope; 422 malformed body.

No `from __future__ import annotations`: ninja resolves the parameter types at import."""
import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.errors import ServiceError
from luoshi.core.params import Day, Id, Pages, Year

from . import selectors, services

router = Router(tags=["policies"])


class ClauseOut(Schema):
    id: int
    code: str
    title: str
    policy: str
    theme: str
    tags: list[str]
    declare_type: str
    beneficiary: str
    condition_text: str
    rules: str
    amount_rule: str
    procedure: str
    dept: str
    contact_person: str
    contact_phone: str
    start_date: dt.date | None
    end_date: dt.date | None
    no_application: bool
    version: int


def _clause(c) -> dict:
    return {"id": c.pk, "code": c.code, "title": c.title, "policy": str(c.policy), "theme": c.theme.name,
            "tags": [t.name for t in c.tags.all()], "declare_type": c.declare_type, "beneficiary": c.beneficiary,
            "condition_text": c.condition_text, "rules": c.rules, "amount_rule": c.amount_rule, "procedure": c.procedure,
            "dept": c.dept.name, "contact_person": c.contact_person, "contact_phone": c.contact_phone,
            "start_date": c.start_date, "end_date": c.end_date, "no_application": c.no_application, "version": c.version}


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


class ProfileIn(Schema):
    values: dict[str, str]
    reason: str = ""


class BatchIn(Schema):
    period: str
    note: str = ""


class ConfirmIn(Schema):
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
    name: str
    tags: list[str]


class VocabularyOut(Schema):
    themes: list[ThemeOut]
    declare_types: list[str]


class PolicyOut(Schema):
    id: int
    title: str
    doc_number: str
    issuer: str
    region: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    clauses: int


@router.get("/vocabulary", response=VocabularyOut)
def vocabulary(request):
    """The managed vocabulary: themes (主题/专题) with their tags, and the 申报类型, in their order."""
    vocab, types = selectors.vocabulary()
    return {"themes": [{"name": th.name, "tags": [t.name for t in tags]} for th, tags in vocab], "declare_types": types}


@router.get("/policies", response=list[PolicyOut])
def policies(request):
    return [{"id": r["policy"].pk, "title": r["policy"].title, "doc_number": r["policy"].doc_number,
             "issuer": r["policy"].issuer, "region": r["policy"].region.name, "valid_from": r["policy"].valid_from,
             "valid_to": r["policy"].valid_to, "clauses": r["clauses"]} for r in selectors.policy_list(user=request.user)]


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

