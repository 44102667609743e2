"""The Python package against the command line and the scenarios' own figures.

Run from the repository root or python/: ``pytest python/tests``. The CLI comparison uses
the binary at target/debug/chipmix when it is built (CI builds it before these tests), else
those tests check the plan against the JSON contract's own sums and hand-worked figures.
"""

import json
import math
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import chipmix

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SHANGHAI = SCENARIOS / "shanghai-2025.yaml"
NATIONAL = SCENARIOS / "national-2025-2027.yaml"
CLI = ROOT / "target" / "debug" / "chipmix"

# One domestic accelerator of 500 TFLOPS at 10 each: D PFLOPS need ceil(2 D) units.
TINY = {
    "name": "tiny",
    "accelerators": [
        {"id": "a", "vendor": "V", "origin": "domestic", "unit_price": 10, "tflops": 500}
    ],
    "demand": {"pflops": 2},
}

NEGATIVE_PRICE = """name: negative price
accelerators:
  - id: a
    vendor: V
    origin: domestic
    unit_price: -5
    tflops: 500
demand: {pflops: 2}
"""


def close(a, b, rel=1e-9, abs_=1e-6):
    """Structural equality of JSON values, floats within a tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rel, abs_) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, rel, abs_) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    return a == b


def cli_json(*args):
    out = subprocess.run([str(CLI), *args], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def units(plan):
    return {p["id"]: p["units"] for p in plan["purchases"]}


def test_plan_of_a_sample_is_the_clis_json():
    plan = chipmix.plan(SHANGHAI)
    assert plan["status"] == "optimal"
    assert math.isclose(
        plan["total_cost"], plan["capex"] + plan["adoption"] + plan["opex"], rel_tol=1e-9
    )
    # The scenario asks for 1,500 PFLOPS and 450 TB in 4.5 MW, half the units domestic.
    assert plan["pflops"] >= 1500 - 1e-6
    assert plan["memory_tb"] >= 450 - 1e-6
    assert plan["facility_kw"] <= 4500 + 1e-6
    assert plan["domestic_share"]["value"] >= 0.5 - 1e-9
    bought = sum(p["units"] for p in plan["purchases"])
    domestic = sum(p["units"] for p in plan["purchases"] if p["origin"] == "domestic")
    assert domestic >= 0.5 * bought
    if CLI.exists():
        assert close(plan, cli_json("plan", str(SHANGHAI), "--format", "json"))


def test_a_path_like_and_a_str_give_the_same_plan():
    assert close(chipmix.plan(SHANGHAI), chipmix.plan(str(SHANGHAI)))


def test_a_dict_scenario_is_planned_like_its_yaml():
    plan = chipmix.plan(TINY)
    assert plan["status"] == "optimal"
    assert units(plan) == {"a": 4}
    assert math.isclose(plan["total_cost"], 40.0)
    assert plan["scenario"] == "tiny"


@pytest.mark.parametrize(
    "overrides",
    [{"demand.pflops": 3}, ["demand.pflops=3"], {"demand.pflops": "3"}],
)
def test_set_overrides_change_the_plan(overrides):
    plan = chipmix.plan(TINY, set=overrides)
    assert units(plan) == {"a": 6}
    assert math.isclose(plan["total_cost"], 60.0)


def test_set_matches_the_clis_set():
    overrides = {"policy.domestic_share.min": 0.7, "accelerators[h20].available": False}
    plan = chipmix.plan(SHANGHAI, set=overrides)
    assert plan["domestic_share"]["value"] >= 0.7 - 1e-9
    assert "h20" not in units(plan)
    if CLI.exists():
        sets = ["--set", "policy.domestic_share.min=0.7", "--set", "accelerators[h20].available=false"]
        assert close(plan, cli_json("plan", str(SHANGHAI), "--format", "json", *sets))


def test_an_infeasible_scenario_is_a_plan_with_conflicts():
    plan = chipmix.plan(SCENARIOS / "infeasible-quota.yaml")
    assert plan["status"] == "infeasible"
    assert plan["conflicts"]


def test_a_negative_price_raises_scenario_error_with_its_place(tmp_path):
    path = tmp_path / "negative.yaml"
    path.write_text(NEGATIVE_PRICE)
    with pytest.raises(chipmix.ScenarioError) as caught:
        chipmix.plan(path)
    e = caught.value
    assert isinstance(e, ValueError)
    assert e.problems == [
        {
            "file": str(path),
            "line": 6,
            "column": 5,
            "field": "accelerators[a].unit_price",
            "message": "accelerators[a].unit_price must be >= 0, got -5",
        }
    ]
    assert str(e) == f"{path}:6:5: accelerators[a].unit_price must be >= 0, got -5"
    if CLI.exists():
        out = subprocess.run([str(CLI), "plan", str(path)], capture_output=True, text=True)
        assert out.returncode == 2
        assert out.stderr.strip() == str(e)


def test_a_dict_is_named_dict_in_messages():
    bad = dict(TINY, demand={"pflops": -1})
    with pytest.raises(chipmix.ScenarioError) as caught:
        chipmix.plan(bad)
    (problem,) = caught.value.problems
    assert problem["file"] == "<dict>"
    assert problem["field"] == "demand.pflops"
    assert str(caught.value).startswith("<dict>:")


@pytest.mark.parametrize(
    "call",
    [
        lambda: chipmix.plan(SCENARIOS / "no-such-file.yaml"),
        lambda: chipmix.plan(TINY, set=["no.such.path=1"]),
        lambda: chipmix.plan(TINY, set=["no equals sign"]),
        lambda: chipmix.plan(TINY, solver="cplex"),
        lambda: chipmix.plan(TINY, mip_gap=2),
        lambda: chipmix.plan(TINY, time_limit=-1),
        lambda: chipmix.plan({"name": "x"}),
        lambda: chipmix.plan({"name": "x", "accelerators": [[1, 2], {"id": None}]}),
        lambda: chipmix.sweep(TINY, "demand.pflops", []),
        lambda: chipmix.sweep(TINY, "demand.pflops", [1], jobs=0),
        lambda: chipmix.sweep(TINY, "demand.pflops", [1], jobs=-3),
        lambda: chipmix.plan(dict(TINY, demand={"pflops": float("nan")})),
        lambda: chipmix.sweep(TINY, "demand.pflops", [-1, 2]),
        lambda: chipmix.compare([TINY]),
        lambda: chipmix.compare(TINY, variants=["nonsense"]),
        lambda: chipmix.explain(TINY, set={"demand.pflops": "lots"}),
    ],
)
def test_bad_input_raises_scenario_error_not_a_panic(call):
    with pytest.raises(chipmix.ScenarioError) as caught:
        call()
    assert str(caught.value)
    for p in caught.value.problems:
        assert set(p) == {"file", "line", "column", "field", "message"}


def test_a_scenario_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError):
        chipmix.plan(42)


def test_sweep_rows_follow_the_demand():
    rows = chipmix.sweep(TINY, "demand.pflops", [1, 2, 3], jobs=2)
    assert [r["demand.pflops"] for r in rows] == [1, 2, 3]
    assert [r["units.a"] for r in rows] == [2, 4, 6]
    assert [r["total_cost"] for r in rows] == pytest.approx([20, 40, 60])
    assert all(r["status"] == "optimal" for r in rows)


def test_sweep_of_a_sample_is_the_clis_json():
    values = [0.3, 0.5, 0.7]
    rows = chipmix.sweep(SHANGHAI, "policy.domestic_share.min", values)
    assert len(rows) == 3
    for row, quota in zip(rows, values):
        assert row["domestic_share"] >= quota - 1e-9
    costs = [r["total_cost"] for r in rows]
    assert costs == sorted(costs), "a higher quota never costs less"
    if CLI.exists():
        cli = cli_json(
            "sweep", str(SHANGHAI), "--param", "policy.domestic_share.min",
            "--values", "0.3,0.5,0.7", "--format", "json",
        )
        assert close(rows, cli)


def test_sweep_frame_is_the_sweep_as_a_data_frame():
    pandas = pytest.importorskip("pandas")
    frame = chipmix.sweep_frame(TINY, "demand.pflops", [1, 2, 3])
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["units.a"]) == [2, 4, 6]
    assert list(frame.columns) == list(chipmix.sweep(TINY, "demand.pflops", [1])[0].keys())


def test_sweep_frame_without_pandas_says_so(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="pip install pandas"):
        chipmix.sweep_frame(TINY, "demand.pflops", [1])


def test_validate_lists_problems_and_nothing_for_a_valid_scenario(tmp_path):
    assert chipmix.validate(SHANGHAI) == []
    assert chipmix.validate(TINY) == []
    path = tmp_path / "negative.yaml"
    path.write_text(NEGATIVE_PRICE)
    (problem,) = chipmix.validate(path)
    assert (problem["line"], problem["column"], problem["field"]) == (6, 5, "accelerators[a].unit_price")
    (problem,) = chipmix.validate(TINY, set={"demand.pflops": -2})
    assert problem["file"] == "--set demand.pflops=-2"
    assert problem["field"] == "demand.pflops"
    (missing,) = chipmix.validate(tmp_path / "missing.yaml")
    assert missing["file"] == str(tmp_path / "missing.yaml")
    assert missing["line"] is None


def test_explain_prices_the_binding_demand(tmp_path):
    # Two cards, the domestic one dearer per PFLOPS, and a 50% quota by units: the quota
    # binds, and 2 PFLOPS cost 2 x 500 TFLOPS domestic + 2 x 500 TFLOPS foreign = 4 units.
    scenario = {
        "name": "two cards",
        "accelerators": [
            {"id": "d", "vendor": "D", "origin": "domestic", "unit_price": 12, "tflops": 500},
            {"id": "f", "vendor": "F", "origin": "foreign", "unit_price": 10, "tflops": 500},
        ],
        "demand": {"pflops": 2},
        "policy": {"domestic_share": {"min": 0.5}},
    }
    e = chipmix.explain(scenario)
    assert units(e["plan"]) == {"d": 2, "f": 2}
    assert math.isclose(e["plan"]["total_cost"], 44.0)
    assert "domestic_share" in e["plan"]["binding"]
    if CLI.exists():
        path = tmp_path / "two-cards.yaml"
        path.write_text(json.dumps(scenario))
        cli = cli_json("explain", str(path), "--format", "json")
        assert close(e, cli)


def test_compare_with_variants():
    c = chipmix.compare(SHANGHAI, variants={"quota70": {"policy.domestic_share.min": 0.7}})
    if CLI.exists():
        cli = cli_json(
            "compare", str(SHANGHAI), "--variant", "quota70:policy.domestic_share.min=0.7",
            "--format", "json",
        )
        assert close(c, cli)
    same = chipmix.compare(SHANGHAI, variants=["quota70:policy.domestic_share.min=0.7"])
    assert close(c, same)


def test_two_threads_solve_at_once_and_agree():
    alone = chipmix.plan(NATIONAL)
    results = [None, None]

    def solve(k):
        results[k] = chipmix.plan(NATIONAL)

    threads = [threading.Thread(target=solve, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert close(results[0], alone) and close(results[1], alone)


def test_a_python_thread_runs_during_a_solve():
    """With the GIL held, the ticker could not run between the call's start and end."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    start = time.perf_counter()
    plan = chipmix.plan(NATIONAL)
    end = time.perf_counter()
    stop.set()
    t.join()
    assert plan["status"] == "optimal"
    during = [x for x in ticks if start < x < end]
    assert len(during) >= 3, f"{len(during)} ticks during a {end - start:.3f} s solve"


def readme_example(readme, heading):
    """The first ```python block after `heading` and the ``` block after it."""
    text = readme.read_text()
    section = text[text.index(heading):]
    code = section[section.index("```python\n") + len("```python\n"):]
    shown = code[code.index("```\n", code.index("```") + 3) + 4:]
    return code[: code.index("```")], shown[: shown.index("```")]


def run_example(code):
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_root_readmes_python_example_is_the_real_output():
    code, shown = readme_example(ROOT / "README.md", "## Python")
    assert run_example(code) == shown


def test_the_python_readmes_quota_sweep_is_the_real_output():
    pytest.importorskip("pandas")
    code, shown = readme_example(ROOT / "python" / "README.md", "## Example")
    # The table, not the plot: matplotlib is not needed to check the figures.
    table = code[: code.index("feasible = ")].replace("import matplotlib.pyplot as plt\n", "")
    assert run_example(table) == shown


def test_a_malformed_override_is_named_without_json_positions():
    with pytest.raises(chipmix.ScenarioError) as caught:
        chipmix.plan(TINY, set=["nonsense"])
    assert "`nonsense`" in str(caught.value)
    assert "line" not in str(caught.value)
    with pytest.raises(chipmix.ScenarioError, match="values is empty"):
        chipmix.sweep(TINY, "demand.pflops", [])
