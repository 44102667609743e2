import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import pandas

Scenario = Union[str, os.PathLike[str], Mapping[str, Any]]
Sets = Union[Mapping[str, Any], Sequence[str], None]
Problem = Dict[str, Any]
"""A problem: ``file`` (str), ``line`` (int | None), ``column`` (int | None), ``field`` (str | None), ``message`` (str)."""

class ScenarioError(ValueError):
    problems: List[Problem]
    def __init__(self, message: str, problems: Optional[List[Problem]] = ...) -> None: ...

class SolverError(RuntimeError): ...

def plan(
    scenario: Scenario,
    set: Sets = ...,
    solver: Optional[str] = ...,
    mip_gap: Optional[float] = ...,
    time_limit: Optional[float] = ...,
) -> Dict[str, Any]: ...
def sweep(
    scenario: Scenario,
    param: str,
    values: Sequence[Any],
    set: Sets = ...,
    jobs: Optional[int] = ...,
    solver: Optional[str] = ...,
    mip_gap: Optional[float] = ...,
    time_limit: Optional[float] = ...,
) -> List[Dict[str, Any]]: ...
def sweep_frame(
    scenario: Scenario,
    param: str,
    values: Sequence[Any],
    set: Sets = ...,
    jobs: Optional[int] = ...,
    solver: Optional[str] = ...,
    mip_gap: Optional[float] = ...,
    time_limit: Optional[float] = ...,
) -> pandas.DataFrame: ...
def explain(
    scenario: Scenario,
    set: Sets = ...,
    solver: Optional[str] = ...,
    mip_gap: Optional[float] = ...,
    time_limit: Optional[float] = ...,
) -> Dict[str, Any]: ...
def compare(
    scenarios: Union[Scenario, Sequence[Scenario]],
    variants: Union[Sequence[str], Mapping[str, Sets], None] = ...,
    set: Sets = ...,
    solver: Optional[str] = ...,
    mip_gap: Optional[float] = ...,
    time_limit: Optional[float] = ...,
) -> Dict[str, Any]: ...
def validate(scenario: Scenario, set: Sets = ...) -> List[Problem]: ...
