"""智能匹配: clauses' compiled rules (cached per clause version) against enterprise profiles.

A match is explainable — every condition's outcome with the value that decided it, the amount and how it was
computed — and reproducible: it names the clause version and the profile version it read (a payout stores
both, and the profile values it used).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .attributes import profile_load
from .conditions import NEARLY, NEEDS_REVIEW, NO_MATCH, QUALIFIES, Amount, Outcome, Rules, RulesError, rules_parse

VERDICT_ORDER = {QUALIFIES: 0, NEEDS_REVIEW: 1, NEARLY: 2, NO_MATCH: 3}


@lru_cache(maxsize=4096)
def compiled(clause_id: int, version: int, rules: str, amount_rule: str) -> Rules | None:
    """The clause's rules, parsed once per version (None when stored rules no longer parse: never matched)."""
    try:
        return rules_parse(rules, amount_rule)
    except RulesError:
        return None


def rules_of(clause) -> Rules | None:
    return compiled(clause.pk, clause.version, clause.rules, clause.amount_rule)


@dataclass(frozen=True)
class Match:
    clause_id: int
    clause_version: int
    profile_version: int
    verdict: str
    outcomes: tuple[Outcome, ...]
    amount: Amount

    @property
    def missing(self) -> list[Outcome]:
        """The conditions that did not hold (for 'nearly': the one that is missing)."""
        return [o for o in self.outcomes if o.status in ("fail", "missing")]

    @property
    def reviews(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "review"]

    def explanation(self) -> list[dict]:
        return [{"line": o.condition.source, "status": o.status, "actual": o.actual} for o in self.outcomes]


def match_one(clause, rules: Rules, profile: dict, profile_version: int = 0, shown: dict | None = None) -> Match:
    verdict, outcomes = rules.evaluate(profile, shown)
    amount = rules.amount.compute(profile) if verdict != NO_MATCH else Amount(None, "")
    return Match(clause.pk, clause.version, profile_version, verdict, tuple(outcomes), amount)


def match_profile(profile: dict, clauses, *, profile_version: int = 0, keep=(QUALIFIES, NEEDS_REVIEW, NEARLY)) -> list[tuple]:
    """[(clause, Match)] for one profile (values, not JSON) over `clauses`, those with a verdict in `keep`,
    qualifying first."""
    out = []
    shown: dict = {}
    for clause in clauses:
        rules = rules_of(clause)
        if rules is None or rules.quick(profile) not in keep:
            continue
        out.append((clause, match_one(clause, rules, profile, profile_version, shown)))
    out.sort(key=lambda cm: (VERDICT_ORDER[cm[1].verdict], -(cm[1].amount.value or Decimal(0)), cm[0].code))
    return out


def match_enterprise(enterprise, clauses, **kw) -> list[tuple]:
    return match_profile(profile_load(enterprise.profile), clauses, profile_version=enterprise.profile_version, **kw)


def match_clause(clause, enterprises, *, keep=(QUALIFIES, NEEDS_REVIEW)) -> list[tuple]:
    """[(enterprise, Match)] for one clause over `enterprises` (rows with .profile and .profile_version)."""
    rules = rules_of(clause)
    if rules is None:
        return []
    out = []
    for e in enterprises:
        profile = profile_load(e.profile)
        if rules.quick(profile) in keep:
            out.append((e, match_one(clause, rules, profile, e.profile_version)))
    out.sort(key=lambda em: (VERDICT_ORDER[em[1].verdict], em[0].name))
    return out


def match_all(clauses, profiles: list[dict]) -> dict[str, int]:
    """Every clause against every profile (the benchmark's full run; a city-wide "who qualifies for what"):
    the count of each verdict. Each distinct test (attribute, operator, value) is evaluated once over all
    profiles into a bit set (a Python int, bit i for profile i); a clause's verdicts are then a few bit
    operations per condition: `one` collects the profiles failing at least one condition, `two` those failing
    two or more. Same verdicts as Rules.quick for every pair (a test proves it)."""
    n = len(profiles)
    full = (1 << n) - 1
    passed: dict[tuple, int] = {}

    def test_mask(t) -> int:
        key = (t.attr.key, t.op, t.value)
        mask = passed.get(key)
        if mask is None:
            bits = bytearray(b"0" * n)
            check = t.check
            for i, p in enumerate(profiles):
                if check(p):
                    bits[n - 1 - i] = 49  # "1"
            mask = passed[key] = int(bits, 2) if n else 0
        return mask

    counts = {QUALIFIES: 0, NEEDS_REVIEW: 0, NEARLY: 0, NO_MATCH: 0}
    for rules in (r for r in (rules_of(c) for c in clauses) if r is not None):
        one = two = 0
        review = False
        for c in rules.conditions:
            if c.review:
                review = True
                continue
            ok = 0
            for t in c.tests:
                ok |= test_mask(t)
            fail = full & ~ok
            two |= one & fail
            one |= fail
        counts[NO_MATCH] += two.bit_count()
        counts[NEARLY] += (one & ~two).bit_count()
        counts[NEEDS_REVIEW if review else QUALIFIES] += (full & ~one).bit_count()
    return counts
