"""chipmix: plan purchases of AI accelerators under a domestic-chip quota.

The same planner as the ``chipmix`` command line, called in-process. Every function takes a
scenario as a path (``str`` or ``os.PathLike``) or as a ``dict`` (the YAML as Python data,
named ``<dict>`` in messages) and returns what the CLI's ``--format json`` prints, as Python
data. Overrides (``set=``) are a dict ``{"PATH": VALUE}`` or a list of ``"PATH=VALUE"``
strings, as ``--set`` takes them. Bad input raises :class:`ScenarioError`; solves release
the GIL, so threads can plan at the same time.
"""

from __future__ import annotations

import json
import os
import warnings as _warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _chipmix

__all__ = [
    "ScenarioError",
    "SolverError",
    "plan",
    "sweep",
    "sweep_frame",
    "explain",
    "compare",
    "validate",
]

Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]
Sets = Union[Mapping[str, Any], Sequence[str], None]


class ScenarioError(ValueError):
    """Bad input: an invalid scenario, override or argument.

    ``str(e)`` is the message the CLI prints (``file:line:col: field message``, one line per
    problem); ``e.problems`` lists the scenario's problems as dicts with ``file``, ``line``,
    ``column``, ``field`` and ``message`` (``line``, ``column`` and ``field`` may be None;
    the list is empty when the fault is in the call, e.g. an unknown solver).
    """

    def __init__(self, message: str, problems: Optional[List[Dict[str, Any]]] = None):
        super().__init__(message)
        self.problems: List[Dict[str, Any]] = list(problems or [])


class SolverError(RuntimeError):
    """The input was valid but no plan came of it: the solver failed (the CLI's exit 1)."""


_PROBLEM_KEYS = ("file", "line", "column", "field", "message")


def _problems(text: str) -> List[Dict[str, Any]]:
    """The extension's problems (JSON) as dicts, their keys in reading order."""
    return [{k: p[k] for k in _PROBLEM_KEYS} for p in json.loads(text)]


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except _chipmix.BadInput as e:
        message, problems = e.args
        raise ScenarioError(message, _problems(problems)) from None
    except _chipmix.NoPlan as e:
        raise SolverError(*e.args) from None


def _source(scenario: Scenario) -> Dict[str, Any]:
    """The ``path=`` or ``text=`` argument of the extension for ``scenario``."""
    if isinstance(scenario, Mapping):
        try:
            return {"text": json.dumps(scenario, indent=2, allow_nan=False, default=_plain)}
        except ValueError as e:  # NaN or infinity: not a value a scenario can hold
            raise ScenarioError(f"<dict>: {e}") from None
    if isinstance(scenario, (str, os.PathLike)):
        return {"path": os.fspath(scenario)}
    raise TypeError(
        f"scenario must be a path (str or os.PathLike) or a dict, not {type(scenario).__name__}"
    )


def _plain(value: Any) -> Any:
    """JSON for values ``json`` does not know: numpy numbers, tuples, sets."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} in a scenario")


def _sets(set: Sets) -> str:
    if set is None:
        return "[]"
    if isinstance(set, str):
        raise TypeError('set must be a dict {"PATH": VALUE} or a list of "PATH=VALUE" strings, not a str')
    if isinstance(set, Mapping):
        return json.dumps(dict(set), default=_plain)
    return json.dumps(list(set), default=_plain)


def plan(
    scenario: Scenario,
    set: Sets = None,
    solver: Optional[str] = None,
    mip_gap: Optional[float] = None,
    time_limit: Optional[float] = None,
) -> Dict[str, Any]:
    """The plan of ``scenario``: the JSON contract of ``chipmix plan --format json``.

    An infeasible scenario is a plan too (``status`` says so, ``conflicts`` says why).
    ``solver`` is ``"microlp"`` (default) or ``"highs"`` (a build with ``--features highs``);
    ``mip_gap`` and ``time_limit`` (seconds) override the scenario's ``solver`` section.
    """
    text = _call(
        _chipmix.plan,
        set=_sets(set),
        solver=solver,
        mip_gap=mip_gap,
        time_limit=time_limit,
        **_source(scenario),
    )
    return json.loads(text)


def sweep(
    scenario: Scenario,
    param: str,
    values: Sequence[Any],
    set: Sets = None,
    jobs: Optional[int] = None,
    solver: Optional[str] = None,
    mip_gap: Optional[float] = None,
    time_limit: Optional[float] = None,
) -> List[Dict[str, Any]]:
    """Plans ``scenario`` at each value of ``param`` (a path as ``set`` takes it).

    Returns one row per value, as ``chipmix sweep --format json`` writes them (infeasible
    points are rows with their status). ``jobs`` points are solved at once (default: one
    per core).
    """
    values = list(values)
    if not values:
        raise ScenarioError(f"chipmix sweep: {param}: values is empty; give one or more values")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ScenarioError(f"chipmix sweep: jobs must be a whole number >= 1, got {jobs!r}")
    text = _call(
        _chipmix.sweep,
        param,
        json.dumps(values, default=_plain),
        set=_sets(set),
        jobs=jobs,
        solver=solver,
        mip_gap=mip_gap,
        time_limit=time_limit,
        **_source(scenario),
    )
    return json.loads(text)


def sweep_frame(
    scenario: Scenario,
    param: str,
    values: Sequence[Any],
    set: Sets = None,
    jobs: Optional[int] = None,
    solver: Optional[str] = None,
    mip_gap: Optional[float] = None,
    time_limit: Optional[float] = None,
):
    """:func:`sweep` as a ``pandas.DataFrame``, one row per point (needs pandas)."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "chipmix.sweep_frame needs pandas: pip install pandas (or use chipmix.sweep, which returns a list of dicts)"
        ) from None
    rows = sweep(scenario, param, values, set, jobs, solver, mip_gap, time_limit)
    return pandas.DataFrame(rows)


def explain(
    scenario: Scenario,
    set: Sets = None,
    solver: Optional[str] = None,
    mip_gap: Optional[float] = None,
    time_limit: Optional[float] = None,
) -> Dict[str, Any]:
    """What the plan costs and why: the JSON of ``chipmix explain --format json``."""
    text = _call(
        _chipmix.explain,
        set=_sets(set),
        solver=solver,
        mip_gap=mip_gap,
        time_limit=time_limit,
        **_source(scenario),
    )
    return json.loads(text)


def _label(scenario: Scenario) -> str:
    if isinstance(scenario, Mapping):
        name = scenario.get("name")
        return name if isinstance(name, str) and name.strip() else "<dict>"
    stem = os.path.splitext(os.path.basename(os.fspath(scenario)))[0]
    return stem or os.fspath(scenario)


def compare(
    scenarios: Union[Scenario, Sequence[Scenario]],
    variants: Union[Sequence[str], Mapping[str, Sets], None] = None,
    set: Sets = None,
    solver: Optional[str] = None,
    mip_gap: Optional[float] = None,
    time_limit: Optional[float] = None,
) -> Dict[str, Any]:
    """Plans several scenarios, or variants of one, side by side: the JSON of
    ``chipmix compare --format json``.

    A scenario is labelled by its file stem (a dict by its ``name``). ``variants`` is a list
    of ``"[LABEL:]PATH=VALUE[;PATH=VALUE...]"`` strings (as ``--variant``) or a dict
    ``{LABEL: set}``; each is applied to every scenario. The first entry is the reference.
    The warnings of loading the entries are issued as Python warnings.
    """
    if isinstance(scenarios, (str, os.PathLike, Mapping)):
        scenarios = [scenarios]
    entries: List[Tuple[str, Optional[str], Optional[str]]] = []
    for s in scenarios:
        source = _source(s)
        entries.append((_label(s), source.get("path"), source.get("text")))
    if variants is None:
        items: List[Any] = []
    elif isinstance(variants, Mapping):
        items = [[label, json.loads(_sets(sets))] for label, sets in variants.items()]
    elif isinstance(variants, str):
        items = [variants]
    else:
        items = list(variants)
    text, loading = _call(
        _chipmix.compare,
        entries,
        json.dumps(items),
        _sets(set),
        solver=solver,
        mip_gap=mip_gap,
        time_limit=time_limit,
    )
    for w in loading:
        _warnings.warn(w, stacklevel=2)
    return json.loads(text)


def validate(scenario: Scenario, set: Sets = None) -> List[Dict[str, Any]]:
    """The problems of ``scenario`` (with ``set`` applied), as ``chipmix validate`` finds
    them, each a dict with ``file``, ``line``, ``column``, ``field`` and ``message``; an
    empty list when it is valid. A file that cannot be read is one problem."""
    return _problems(_call(_chipmix.validate, set=_sets(set), **_source(scenario)))
