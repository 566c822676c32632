"""The REST API (OpenAPI at /api/openapi.json, docs at /api/docs). Same selectors and services as the
web pages, so the same scoping and the same journal.

No `from __future__ import annotations` here: ninja resolves Query[...] parameter types at import."""
import datetime as dt

from django.db.models import Value
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError
from ninja import NinjaAPI, Query, Schema
from pydantic import AliasChoices, BaseModel, Field
from ninja.pagination import paginate

from luoshi.core.params import BodyIn, Id, Pages, SmallInt, counted

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.specs import pydantic_message
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.tasks import selectors, services
from luoshi.tasks.models import Task

from .auth import AUTH

# What any operation can answer besides what it declares (documented for every operation by LuoshiAPI):
# 400 refused (a service's rule, or a parameter the edge refuses, e.g. a NUL character), 401 not signed in,
# 403 not allowed (writes), 404 not visible (operations with an object in the path), 422 malformed.
ERROR_SHAPE = {"type": "object", "required": ["detail"], "properties": {
    "detail": {"type": "string"}, "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "detail": {"type": "string"}}}}}}
ERROR_TEXT = {400: "请求被拒绝（说明和字段见 detail、field）", 401: "未登录或令牌无效", 403: "无权进行此操作",
              404: "不存在或无权查看", 422: "参数或请求体不符合格式（逐项见 errors）"}
WRITES = {"post", "put", "patch", "delete"}


def error_statuses(method: str, operation: dict) -> set[int]:
    """The error statuses an operation can answer, from what it takes."""
    params = operation.get("parameters", [])
    statuses = {401}
    if params or "requestBody" in operation:
        statuses |= {400, 422}
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    if method in WRITES:
        statuses |= {400, 403}
    return statuses


class LuoshiAPI(NinjaAPI):
    """NinjaAPI whose schema documents, for every operation, each error status it can answer (the exception
    handlers below answer them for all operations, so they are documented here once, not per route)."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["LuoshiError"] = ERROR_SHAPE
        ref = {"$ref": "#/components/schemas/LuoshiError"}
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(method, operation)):
                    responses.setdefault(str(status), {"description": ERROR_TEXT[status],
                                                       "content": {"application/json": {"schema": ref}}})
        return schema


api = LuoshiAPI(title="落实 luoshi API", version="1", auth=AUTH, urls_namespace="api",
                description="单位、人员、专项工作、任务与进展报送、问题台账、考核测评。令牌认证：`Authorization: Bearer <token>`。")


class Error(Schema):
    detail: str


@api.exception_handler(PermissionDeniedError)
def _denied(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(ServiceError)
def _refused(request, exc):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


@api.exception_handler(NinjaValidationError)
def _malformed(request, exc):
    """A body or parameter that does not fit the schema: say where, in Chinese, instead of ninja's English."""
    problems = []
    for err in exc.errors:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "payload"))
        problems.append({"field": where, "detail": pydantic_message(err)})
    first = problems[0] if problems else {"field": "", "detail": _("请求格式不正确。")}
    return api.create_response(request, {"detail": _("请求内容有误（%(field)s）：%(detail)s") % first,
                                         "field": first["field"], "errors": problems}, status=422)


@api.exception_handler(Http404)
def _missing(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("不存在或无权查看。")}, status=404)


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    code: str | None
    kind: str
    parent_id: int | None
    depth: int


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    unit_id: int | None


class ProgramOut(Schema):
    code: str
    name: str
    year: int
    owner_unit_id: int
    start_date: dt.date
    end_date: dt.date
    cadence_kind: str
    warn_days: int
    lag_points: int


class AssignmentOut(Schema):
    unit_id: int
    unit_name: str
    role: str
    acknowledged_at: dt.datetime | None


# A task as the task list returns it: a plain pydantic model, not a ninja Schema, because the list reads plain dicts
# (selectors.task_list_rows) that pydantic validates in its core, instead of calling a ninja getter per field and
# row (the list of 100 took 26 ms, mostly that and the model instances; docs/adr/0009-templates.md).
# TaskDetailOut is a ninja Schema and reads a Task object. (A docstring here would become the OpenAPI description.)
class TaskOut(BaseModel):
    id: int
    program: str = Field(validation_alias=AliasChoices("program", "program_code"))  # the program's code
    code: str
    number: str
    category: str
    title: str
    measures: str
    lead_units_text: str
    coop_units_text: str
    leaders_text: str
    deadline_phrase: str
    deadline_kind: str
    deadline: dt.date | None
    extended_deadline: dt.date | None
    status: str
    status_reason: str
    progress: int
    parent_id: int | None


# the columns TaskOut reads (`program_code` is added by list_tasks)
TASK_OUT_FIELDS = tuple(name for name in TaskOut.model_fields if name != "program")


class TaskDetailOut(TaskOut, Schema):
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_program(obj):
        return obj.program.code

    @staticmethod
    def resolve_assignments(obj):
        return [AssignmentOut(unit_id=a.unit_id, unit_name=a.unit.name, role=a.role, acknowledged_at=a.acknowledged_at)
                for a in obj.assignments.select_related("unit")]


class ReportOut(Schema):
    id: int
    unit_id: int
    author: str
    submitted_at: dt.datetime
    text: str
    percent: int | None
    period_seq: int | None
    files: list[str]

    @staticmethod
    def resolve_author(obj):
        return obj.author.display_name

    @staticmethod
    def resolve_period_seq(obj):
        return obj.period.seq if obj.period else None

    @staticmethod
    def resolve_files(obj):
        return [a.original_name for a in obj.attachments.all()]


class ReportIn(BodyIn):
    text: str
    percent: SmallInt | None = None  # the service refuses what is not 0–100, in its words
    unit_id: Id | None = None


class AckIn(BodyIn):
    unit_id: Id | None = None


class UnitFilter(Schema):
    parent_id: Id | None = None
    kind: str | None = None
    q: str | None = None


@api.get("/units", response=list[UnitOut], tags=["units"])
@paginate(Pages, page_size=100)
def list_units(request, filters: Query[UnitFilter]):
    qs = Unit.objects.filter(is_active=True).order_by("path")
    if filters.parent_id:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return qs


@api.get("/people", response=list[PersonOut], tags=["people"])
@paginate(Pages, page_size=100)
def list_people(request):
    """People in units inside the caller's scope (everyone for administrators)."""
    scope = scope_for(request.user)
    qs = Person.objects.filter(is_active=True).order_by("id")
    if not scope.is_admin:
        paths = scope.paths_for(Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)
        qs = qs.filter(selectors.Q(unit__path__within=paths) | selectors.Q(pk=request.user.pk))
    return qs


@api.get("/programs", response=list[ProgramOut], tags=["programs"])
def list_programs(request):
    return list(selectors.program_list(user=request.user))


@api.get("/programs/{code}", response={200: ProgramOut, 404: Error}, tags=["programs"])
def get_program(request, code: str):
    return selectors.program_get(user=request.user, code=code)


class TaskFilter(Schema):
    status: str | None = None
    q: str | None = None
    unit_id: Id | None = None


@api.get("/programs/{code}/tasks", response={200: list[TaskOut], 404: Error}, tags=["tasks"])
@paginate(Pages, page_size=100)
def list_tasks(request, code: str, filters: Query[TaskFilter]):
    program = selectors.program_get(user=request.user, code=code)
    f = selectors.TaskFilters(program=program, status=filters.status or "", q=filters.q or "",
                              unit=Unit.objects.filter(pk=filters.unit_id).first() if filters.unit_id else None)
    rows = selectors.task_list_rows(user=request.user, filters=f, fields=TASK_OUT_FIELDS) \
        .annotate(program_code=Value(program.code))
    return counted(rows, selectors.task_list_total(user=request.user, filters=f))


@api.get("/tasks/{task_id}", response={200: TaskDetailOut, 404: Error}, tags=["tasks"])
def get_task(request, task_id: Id):
    return selectors.task_get(user=request.user, pk=task_id)


@api.get("/tasks/{task_id}/reports", response={200: list[ReportOut], 404: Error}, tags=["reports"])
def list_reports(request, task_id: Id):
    task = selectors.task_get(user=request.user, pk=task_id)
    return list(task.reports.select_related("author", "period").prefetch_related("attachments"))


def _unit(unit_id):
    return Unit.objects.filter(pk=unit_id).first() if unit_id else None


@api.post("/tasks/{task_id}/acknowledge", response={200: TaskDetailOut, 400: Error, 403: Error, 404: Error},
          tags=["reports"])
def acknowledge(request, task_id: Id, body: AckIn):
    task = selectors.task_get(user=request.user, pk=task_id)
    services.task_acknowledge(by=request.user, task=task, unit=_unit(body.unit_id))
    return selectors.task_get(user=request.user, pk=task_id)


@api.post("/tasks/{task_id}/reports", response={201: ReportOut, 400: Error, 403: Error, 404: Error}, tags=["reports"])
def create_report(request, task_id: Id, body: ReportIn):
    task = selectors.task_get(user=request.user, pk=task_id)
    report = services.task_report_progress(by=request.user, task=task, text=body.text, percent=body.percent,
                                           unit=_unit(body.unit_id))
    return 201, report


from luoshi.ledger.api import router as ledger_router  # noqa: E402

api.add_router("/ledger", ledger_router)

from luoshi.assessment.api import router as assessment_router  # noqa: E402

api.add_router("/assessment", assessment_router)

from luoshi.intake.api import router as intake_router  # noqa: E402

api.add_router("/intake", intake_router)

from luoshi.ideas.api import router as ideas_router  # noqa: E402

api.add_router("/ideas", ideas_router)

from luoshi.projects.api import router as projects_router  # noqa: E402

api.add_router("/projects", projects_router)

from luoshi.instructions.api import router as instructions_router  # noqa: E402

api.add_router("/instructions", instructions_router)

from luoshi.cockpit.api import router as cockpit_router  # noqa: E402

api.add_router("/cockpit", cockpit_router)

from luoshi.cases.api import router as cases_router  # noqa: E402

api.add_router("/cases", cases_router)

from luoshi.procedures.api import router as procedures_router  # noqa: E402

api.add_router("/procedures", procedures_router)

from luoshi.policies.api import router as policies_router  # noqa: E402

api.add_router("/policies", policies_router)

__all__ = ["api", "Task"]
