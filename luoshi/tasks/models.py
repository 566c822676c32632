import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from luoshi.core.compiled import CompiledRead
from luoshi.core.models import Attachment
from luoshi.org.lookups import outermost
from luoshi.org.models import Person, Role, Unit
from luoshi.programs.models import PROGRAM_READ_ROLES, Program, ReportingPeriod, reads_part_of_program

# Roles that read the tasks of units in their subtree
READ_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)


class TaskStatus(models.TextChoices):
    # Not wrapped in gettext_lazy on purpose: these labels go into the official Word/Excel bulletin and the
    # task-list export, which stay Chinese (and openpyxl cannot write lazy strings). Pages translate the
    # statuses through the status_pill tag and the filter form instead.
    NORMAL = "normal", "正常"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    EXTENDED = "extended", "已延期"
    CLOSED = "closed", "已办结"


# The same statuses in the reader's language, for pages and messages (the choices above stay Chinese for documents).
STATUS_TEXT: dict[str, Any] = {TaskStatus.NORMAL: _("正常"), TaskStatus.YELLOW: _("黄灯"), TaskStatus.RED: _("红灯"),
               TaskStatus.EXTENDED: _("已延期"), TaskStatus.CLOSED: _("已办结")}


# Worst first: used to roll a status up a tree.
STATUS_SEVERITY = {
    TaskStatus.RED: 4,
    TaskStatus.YELLOW: 3,
    TaskStatus.EXTENDED: 2,
    TaskStatus.NORMAL: 1,
    TaskStatus.CLOSED: 0,
}


class DeadlineKind(models.TextChoices):
    DATE = "date", _("限期完成")
    OPEN = "open", _("长期/持续")
    RECURRING = "recurring", _("周期性")


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = pgettext_lazy("plural", "标签")

    def __str__(self) -> str:
        return self.name


class TaskQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Tasks the scope may read (archived ones included; `tasks.selectors.tasks_visible` drops them):
        every task of a program read whole (`Program.objects.wholly_visible_to`); tasks assigned to a unit in
        a read subtree or a 包联 unit; tasks the person leads (as 责任领导) or helps along (任务包联)."""
        q = task_visibility(scope)
        return self if q is None else self.filter(q)

    def manageable_by(self, scope):
        """Tasks of programs the scope manages (`Program.objects.manageable_by`)."""
        if scope.is_admin:
            return self
        return self.filter(program__owner_unit__path__within=scope.paths_for(Role.OFFICE))


# (program id, owner unit path) of every program: its SQL written once per process (core.compiled, ADR 0064)
PROGRAM_OWNER_PATHS = CompiledRead("luoshi_program_owner_paths", Program,
                                   lambda: Program.objects.order_by().values_list("pk", "owner_unit__path"), ())


def program_owner_paths(scope) -> list[tuple[int, str]]:
    """(program id, owner unit path) of every program, read once per scope (that is, per request: the 工作台 asks
    which programs a scope reads whole and which it manages, and task_visibility asks again)."""
    return scope.memo("tasks.program_owner_paths", PROGRAM_OWNER_PATHS.rows)


def programs_managed_ids(scope) -> list[int]:
    """The ids of the programs whose owner unit lies where the scope (not an administrator) is 督查室/办公室, decided
    in Python over the few programs there are (`scope.covers`)."""
    return [pk for pk, path in program_owner_paths(scope) if scope.covers(path, Role.OFFICE)]


def task_visibility(scope) -> models.Q | None:
    """The Q over Task behind `Task.objects.visible_to(scope)`, built once per scope (that is, per request);
    None means everything (admin)."""
    if scope.is_admin:
        return None
    return scope.memo("tasks.Task.visible_to", lambda: _task_visibility(scope))


def assignment_grant_paths(scope) -> list[str]:
    """The subtrees whose assignments grant the scope their tasks one by one (read roles and 包联 units), the
    outermost only."""
    return list(outermost(scope.paths_for(*READ_ROLES) + scope.paired_unit_paths))


def pairings_granting(scope) -> models.QuerySet:
    """The 任务包联 that grant the scope their task: the paired leader, or people of the paired unit."""
    return pairings_for(scope.person_id, scope.all_paths)


def pairings_for(person_id, paths, *, one_parameter: bool = False) -> models.QuerySet:
    """pairings_granting for a person's id and unit paths (all their roles'): also the build of a compiled read
    (ADR 0064), which gives the paths as one parameter (`__within_any`) when their number varies."""
    units = (models.Q(helper_unit__path__within_any=paths) if one_parameter
             else models.Q(helper_unit__path__within=paths))
    return TaskPairing.objects.filter(models.Q(helper_person_id=person_id) | units)


def granted_tasks(scope) -> list[models.QuerySet]:
    """The tasks granted one by one (not through a whole program), as querysets of `task_id`: by assignment to
    a unit in a read subtree or a 包联 unit, by 任务包联 (the paired leader, or people of the paired unit), and
    to a 责任领导 the tasks they lead."""
    if scope.person_id is None:
        return []
    granted: list[models.QuerySet] = [pairings_granting(scope)]
    unit_paths = assignment_grant_paths(scope)
    if unit_paths:
        granted.insert(0, TaskAssignment.objects.filter(unit_path__within=unit_paths))
    if scope.paths_for(Role.LEADER):
        granted.append(Task.leaders.through.objects.filter(person_id=scope.person_id))
    return granted


def _task_visibility(scope) -> models.Q:
    if scope.person_id is None:
        return models.Q(pk__in=[])
    q = models.Q(pk__in=[])
    if scope.paths_for(*PROGRAM_READ_ROLES):
        # The programs read whole, decided in Python over the few programs there are: a short list of ids,
        # tested first because it is the cheapest; when it is every program, nothing else need be asked.
        programs = program_owner_paths(scope)
        whole = [pk for pk, path in programs if scope.covers(path, *PROGRAM_READ_ROLES)]
        if len(whole) == len(programs):
            return models.Q()
        q |= models.Q(program_id__in=whole)
    # The tasks granted one by one, as one set: `pk IN (… UNION …)` rather than an EXISTS per task and
    # grant. The database reads each small id set once, through an index, and can join the set to the
    # tasks instead of testing all 100,000 of them (docs/benchmarks.md).
    first, *rest = [ids.values("task_id").order_by() for ids in granted_tasks(scope)]
    return q | models.Q(pk__in=first.union(*rest) if rest else first)


@reads_part_of_program
def _programs_with_visible_tasks(scope) -> models.Q:
    return models.Q(models.Exists(Task.objects.visible_to(scope).filter(program=models.OuterRef("pk"))))


class TaskPartQuerySet(models.QuerySet):
    """Rows that belong to one task (assignments, reports, extension and closure requests): read with the
    task, decided by the office that manages the task's program."""

    def visible_to(self, scope):
        q = task_visibility(scope)
        return self if q is None else self.filter(task__in=Task.objects.filter(q).values("pk"))

    def manageable_by(self, scope):
        """Rows of tasks in programs whose owner unit lies where the scope is 督查室/办公室. The programs are
        decided in Python over the few there are (`scope.covers`, the `within` test): given as ids, PostgreSQL
        reads the pending requests and their tasks; given as a join to the owner unit, it read every task of the
        managed programs (8,000 for a district office) to find them (1.9 → 0.4 ms, ADR 0036)."""
        if scope.is_admin:
            return self
        return self.filter(task__program_id__in=programs_managed_ids(scope))


class Task(models.Model):
    """A line of a task list (清单). Status fields are computed by tasks.status and stored so that
    lists and counts at city scale are plain indexed queries."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("专项工作"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级任务"))
    code = models.CharField(_("编号"), max_length=40)
    number = models.CharField(_("序号（原文）"), max_length=20, blank=True)
    category = models.CharField(_("类别"), max_length=100, blank=True)
    title = models.TextField(_("任务内容"))
    measures = models.TextField(_("具体措施/目标"), blank=True)
    lead_units_text = models.CharField(_("牵头单位（原文）"), max_length=500, blank=True)
    coop_units_text = models.CharField(_("配合单位（原文）"), max_length=1000, blank=True)
    leaders = models.ManyToManyField(Person, blank=True, related_name="led_tasks", verbose_name=_("责任领导"))
    leaders_text = models.CharField(_("责任领导（原文）"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tasks", verbose_name=_("标签"))
    note = models.TextField(_("备注"), blank=True)

    deadline_phrase = models.CharField(_("完成时限（原文）"), max_length=100, blank=True)
    deadline_kind = models.CharField(_("时限类型"), max_length=12, choices=DeadlineKind.choices, default=DeadlineKind.DATE)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    recurrence = models.CharField(_("周期"), max_length=20, blank=True)
    extended_deadline = models.DateField(_("延期至"), null=True, blank=True)
    start_date = models.DateField(_("开始日期"))

    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NORMAL, db_index=True)
    status_reason = models.CharField(_("状态说明"), max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    last_report_at = models.DateTimeField(_("最近报送"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("牵头单位签收"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)

    sort_order = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["program", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="task_code_unique_in_program")]
        indexes = [
            models.Index(fields=["program", "status"], name="task_program_status_idx"),
            models.Index(fields=["program", "sort_order"], name="task_program_order_idx"),
            models.Index(fields=["status", "deadline"], name="task_status_deadline_idx"),
            # covers the 红黄绿 counts of the workbench (status, visibility by program or by task id) without
            # reading the table: bench/ and docs/benchmarks.md
            models.Index(fields=["status", "is_archived", "program", "id"], name="task_status_count_idx"),
            # open tasks in deadline order: a leader's "我负责的任务" on the 工作台 walks it and stops at 20; without
            # it PostgreSQL hash-joined the leader's tasks with all 58,000 open ones (ADR 0021)
            models.Index(fields=["deadline", "id"], name="task_open_deadline_idx",
                         condition=models.Q(is_archived=False) & ~models.Q(status=TaskStatus.CLOSED)),
            # a program's tasks of one status in deadline order: the 工作台's 红灯/黄灯 lists read the programs a district
            # or a leader reaches by assignment with it, testing only those tasks (not archived) for an assignment in
            # the subtree, without reading the table for each (SQLite ~2.8 → ~0.4 ms for a district, ADR 0036)
            models.Index(fields=["program", "status", "deadline", "id"], name="task_program_status_dl_idx",
                         condition=models.Q(is_archived=False)),
            # PostgreSQL only, created by migration tasks.0012 (not declared here, so SQLite's plans stay as they are):
            # task_status_deadline_id_idx (status, deadline, id) WHERE NOT is_archived, which PostgreSQL walks for the
            # same lists and stops at the 20th (ADR 0060); ExtensionRequest and ClosureRequest likewise
        ]
        verbose_name = _("任务")
        verbose_name_plural = pgettext_lazy("plural", "任务")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:40]}"

    @property
    def effective_deadline(self):
        return self.extended_deadline or self.deadline

    @property
    def is_closed(self) -> bool:
        return self.status == TaskStatus.CLOSED


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    COOP = "coop", _("配合")


class TaskAssignment(models.Model):
    """A unit's part in a task. `unit_path` copies the unit's path so scope filters need no join; `program` copies the
    task's (which never changes) so a program's assignments in a subtree are read from one index (ADR 0046)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    unit_path = models.CharField(max_length=255, db_index=True)
    assigned_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = TaskPartQuerySet.as_manager()

    class Meta:
        ordering = ["-role", "id"]  # 牵头 (lead) before 配合 (coop)
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="assignment_unique")]
        indexes = [
            models.Index(fields=["unit", "role"], name="assignment_unit_role_idx"),
            # "tasks of units in this subtree" (every scope filter) read from the index alone; the opclass
            # lets PostgreSQL serve LIKE 'path%' from it (docs/benchmarks.md)
            models.Index(fields=["unit_path", "task"], name="assignment_path_task_idx",
                         opclasses=["varchar_pattern_ops", "int8_ops"]),
            # "has this task an assignment in this subtree" (the 工作台's 红灯/黄灯 lists test each task of a program
            # so) answered from the index alone: PostgreSQL otherwise hashed a district's 17,000 assignments for a
            # few hundred tasks (7.6 → 1.7 ms), SQLite read each assignment row (ADR 0036)
            models.Index(fields=["task", "unit_path"], name="assignment_task_path_idx",
                         opclasses=["int8_ops", "varchar_pattern_ops"]),
            # "the tasks of this program assigned in this subtree" from the index alone: the task list of a reader who
            # reads part of a program reads its few hundred tasks there, not the subtree's assignments in every
            # program (a district: ~17,000) nor every task of the program (ADR 0046)
            models.Index(fields=["program", "unit_path", "task"], name="assignment_program_path_idx",
                         opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"]),
        ]
        verbose_name = _("任务分工")
        verbose_name_plural = pgettext_lazy("plural", "任务分工")

    def __str__(self) -> str:
        return f"{self.unit} {self.get_role_display()} {self.task.code}"


class TaskPairing(models.Model):
    """包联 of a task: a leader or a unit assigned to help it along."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="pairings")
    helper_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="task_pairings")
    helper_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="task_pairings")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helper_person__isnull=False) | models.Q(helper_unit__isnull=False),
                name="task_pairing_has_helper",
            )
        ]
        verbose_name = _("任务包联")
        verbose_name_plural = pgettext_lazy("plural", "任务包联")


class Milestone(models.Model):
    """时间节点 of a task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点内容"), max_length=300)
    phrase = models.CharField(_("时限（原文）"), max_length=100, blank=True)
    due = models.DateField(_("时限"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)  # when the lead unit recorded it
    done_on = models.DateField(_("完成日期"), null=True, blank=True)  # the day it was achieved, as the unit states
    done_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField(_("完成依据"), blank=True, max_length=2000)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["task", "sort_order", "due"]
        verbose_name = _("时间节点")
        verbose_name_plural = pgettext_lazy("plural", "时间节点")

    def __str__(self) -> str:
        return self.title

    def state_on(self, day: dt.date) -> str:
        """done, overdue (its day passed, not done) or upcoming — what the task page and the public page show."""
        if self.done_at:
            return "done"
        if self.due is not None and self.due < day:
            return "overdue"
        return "upcoming"


class ProgressReport(models.Model):
    """A unit's progress report on a task for a reporting slot."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(ReportingPeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reports")
    submitted_at = models.DateTimeField(db_index=True)
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), null=True, blank=True)
    is_lead = models.BooleanField(default=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="reports")
    # 阳光公开: when the text was released to the public site (at once when the program needs no review), or
    # withheld by the office; neither: waiting for the office's review (tasks.inbox "tasks.public_review")
    public_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    withheld_at = models.DateTimeField(_("不予公开时间"), null=True, blank=True)

    objects = TaskPartQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["task", "-submitted_at"], name="report_task_time_idx"),
                   # the office's review queue: lead reports neither released nor withheld (a small partial index)
                   models.Index(fields=["submitted_at"], name="report_review_idx",
                                condition=models.Q(is_lead=True, public_at=None, withheld_at=None))]
        verbose_name = _("进展报送")
        verbose_name_plural = pgettext_lazy("plural", "进展报送")

    def __str__(self) -> str:
        return f"{self.unit} {self.submitted_at:%Y-%m-%d}"


class RequestState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")


class ExtensionRequest(models.Model):
    """延期申请: asked for before the deadline, decided by the office."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extension_requests")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    old_deadline = models.DateField(null=True, blank=True)
    new_deadline = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"))
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.PENDING, db_index=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = TaskPartQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = pgettext_lazy("plural", "延期申请")


class ClosureRequest(models.Model):
    """办结申请: the lead unit asks to close; the office accepts (→ 已办结) or returns it."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="closure_requests")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    summary = models.TextField(_("办结情况"))
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="closure_requests")
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.PENDING, db_index=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = TaskPartQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("办结申请")
        verbose_name_plural = pgettext_lazy("plural", "办结申请")


class TaskTally(models.Model):
    """A maintained count of tasks of a program (tasks.tallies, ADR 0008): `n` tasks of `status` in the row
    (dimension, key) — e.g. ("lead", unit id): distinct tasks led anywhere in the unit's subtree. League rows
    (dimension "league") hold a figure name in `status`. Written only by tasks.tallies."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=10)
    key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "dimension", "key", "status"],
                                               name="tasktally_unique")]
        # a unit's or a leader's rows across programs (the 工作台 of a liaison, of a district office)
        indexes = [models.Index(fields=["dimension", "key", "program"], name="tasktally_key_idx")]
        verbose_name = _("任务统计")
        verbose_name_plural = pgettext_lazy("plural", "任务统计")

    def __str__(self) -> str:
        return f"{self.program_id} {self.dimension} {self.key} {self.status} {self.n}"


class TallyDay(models.Model):
    """The day a program's day-dependent league figures (到期, 逾期) are counted as of: the daily job's day."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField()

    class Meta:
        verbose_name = _("统计日期")
        verbose_name_plural = pgettext_lazy("plural", "统计日期")
