"""Paired comparison of plans on common random numbers.

The story: two identical plans differ by exactly zero; a plan with more agents is never
significantly worse, and is significantly better where it matters; pairing makes the interval of
a difference far tighter than independent runs would; plans that cannot share days are refused.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml
from scipy import stats

import ccsim
from ccsim.compare import SENSE, ComparisonError, holm_reject, paired_p_values, plans_from_scenario
from ccsim.compare_text import interval_runs, summary_lines
from ccsim.metrics import estimate_columns
from ccsim.scenario import ScenarioError, scenario_from_dict
from conftest import REPO

#: A small, busy day: 4 h in 30-min intervals, a peak in the middle, impatient callers.
SMALL = {
    "name": "small day",
    "seed": 3,
    "replications": 12,
    "horizon": {"start": "09:00", "hours": 4, "interval_minutes": 30},
    "contact_types": {
        "phone": {
            "arrivals": {"volumes": [40, 50, 70, 80, 80, 60, 45, 40]},
            "handle_time": {"dist": "lognormal", "mean": 200, "cv": 0.8},
            "patience": {"dist": "exponential", "mean": 80},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"desk": {"skills": ["phone"], "agents": [6, 7, 8, 9, 9, 8, 7, 6]}},
}


def small(**changes) -> dict:
    d = copy.deepcopy(SMALL)
    d.update(changes)
    return d


def more_agents(d: dict, extra: int) -> dict:
    d = copy.deepcopy(d)
    d["agent_pools"]["desk"]["agents"] = [a + extra for a in d["agent_pools"]["desk"]["agents"]]
    return d


@pytest.fixture(scope="module")
def base_vs_more():
    a = scenario_from_dict(small())
    b = scenario_from_dict(more_agents(small(name="more"), 2))
    return ccsim.compare([a, b])


def test_identical_plans_differ_by_exactly_zero():
    a = scenario_from_dict(small(name="A"))
    b = scenario_from_dict(small(name="B"))
    cmp = ccsim.compare([a, b], replications=6)
    diffs = cmp.differences()
    assert {d.metric for d in diffs} >= {"service_level", "asa_seconds", "abandon_rate", "occupancy", "agent_hours"}
    for d in diffs:
        for e in [d.day] + d.intervals:
            if e.mean is None:  # undefined in every replication (e.g. no answered contact)
                continue
            assert (e.mean, e.lo, e.hi) == (0.0, 0.0, 0.0), (d.metric, e)
        assert not d.significant
        assert d.verdict == ("undefined" if d.day.mean is None else "not significant")
    # ...while each plan on its own is uncertain: the zero is a pairing, not a lack of noise.
    assert cmp.day("A", "service_level", contact_type="phone").half_width > 0.005


def test_more_agents_is_never_significantly_worse(base_vs_more):
    cmp = base_vs_more
    judged = [d for d in cmp.differences() if SENSE.get(d.metric, 0) != 0]
    assert {d.metric for d in judged} >= {"service_level", "asa_seconds", "abandon_rate", "mean_wait_seconds"}
    for d in judged:
        assert d.verdict != "worse", (d.metric, d.day)
        assert "worse" not in d.interval_verdicts(), (d.metric, d.interval_verdicts())
    # and it is better where it matters, with the direction stated in the measure's sense
    sl = cmp.difference("more", "service_level", contact_type="phone")
    assert sl.verdict == "better" and sl.day.lo > 0.05
    assert cmp.difference("more", "abandon_rate", contact_type="phone").verdict == "better"
    hours = cmp.difference("more", "agent_hours")
    assert hours.day.mean == pytest.approx(2 * 4, abs=0.3)  # 2 more agents for 4 hours
    assert hours.verdict == "higher"  # agent hours have no better/worse sense


@pytest.mark.parametrize("seed", [11, 12])
def test_one_more_agent_is_never_significantly_worse_on_other_days(seed):
    """Not one lucky seed: one extra agent, other days, no measure significantly worse."""
    a = scenario_from_dict(small(seed=seed))
    b = scenario_from_dict(more_agents(small(name="plus one", seed=seed), 1))
    cmp = ccsim.compare([a, b], replications=8)
    for d in cmp.differences():
        if SENSE.get(d.metric, 0):
            assert d.verdict != "worse" and "worse" not in d.interval_verdicts(), (seed, d.metric)


def test_pairing_makes_the_interval_far_tighter(base_vs_more):
    # without day-to-day forecast error the shared noise is the arrivals, handle times, patience
    d = base_vs_more.difference(1, "service_level", contact_type="phone")
    assert d.day.half_width < 0.6 * d.unpaired_half_width, (d.day.half_width, d.unpaired_half_width)
    # with it (a gamma busyness multiplier per day) most of each plan's uncertainty is shared
    busy = small(busyness={"shape": 10})
    cmp = ccsim.compare([scenario_from_dict(busy), scenario_from_dict(more_agents(dict(busy, name="plus one"), 1))])
    for metric, ratio in (("service_level", 0.3), ("abandon_rate", 0.3), ("asa_seconds", 0.4)):
        d = cmp.difference(1, metric, contact_type="phone")
        assert d.significant and d.day.half_width < ratio * d.unpaired_half_width, (metric, d.day.half_width, d.unpaired_half_width)
        alone = cmp.day(1, metric, contact_type="phone").half_width
        assert d.day.half_width < 0.5 * alone, (metric, d.day.half_width, alone)


def test_difference_is_the_mean_of_paired_replications(base_vs_more):
    cmp = base_vs_more
    a_day, a_int = cmp.values(0, "asa_seconds", contact_type="phone")
    b_day, b_int = cmp.values(1, "asa_seconds", contact_type="phone")
    d = cmp.difference(1, "asa_seconds", contact_type="phone")
    assert d.day.mean == pytest.approx(float(np.mean(b_day - a_day)))
    assert d.intervals[3].mean == pytest.approx(float(np.nanmean(b_int[:, 3] - a_int[:, 3])))
    # the per-plan results are the same numbers ccsim.simulate gives for that plan alone
    alone = ccsim.simulate(cmp.plans[1].scenario)
    assert alone.by_contact_type["phone"]["asa_seconds"].mean == pytest.approx(cmp.day(1, "asa_seconds", contact_type="phone").mean)


def test_holm_rejects_step_down_by_hand():
    # sorted: 0.005 <= 0.05/4, 0.01 <= 0.05/3, then 0.03 > 0.05/2 stops; 0.04 is not reached
    assert holm_reject(np.array([0.01, 0.04, 0.03, 0.005])).tolist() == [True, False, False, True]
    assert holm_reject(np.array([0.001, np.nan, 0.02])).tolist() == [True, False, True]  # NaN: untestable, not counted
    assert not holm_reject(np.array([0.06])).any()


def test_interval_p_values_are_the_paired_t_tests_and_holm_silences_noise():
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 1, size=(10, 200))  # 200 intervals where nothing differs
    col = estimate_columns(noise)
    np.testing.assert_allclose(paired_p_values(col), stats.ttest_1samp(noise, 0).pvalue, rtol=1e-8)
    raw = sum(1 for e in col if e.lo > 0 or e.hi < 0)
    assert raw >= 5  # about 5% of 200 are flagged one by one...
    assert not holm_reject(paired_p_values(col)).any()  # ...and none survive the correction
    same = estimate_columns(np.zeros((6, 3)))  # identical plans: exactly zero, no evidence
    assert paired_p_values(same).tolist() == [1.0, 1.0, 1.0]


def test_holm_flags_are_a_subset_and_reported(base_vs_more):
    d = base_vs_more.difference("more", "service_level", contact_type="phone")
    raw, holm = d.interval_verdicts(), d.interval_verdicts(holm=True)
    assert all(h == r or h == "not significant" for r, h in zip(raw, holm))
    assert holm.count("better") >= 1  # two more agents are a real difference somewhere
    rows = d.to_dict(base_vs_more.labels)["by_interval"]
    assert [r["significant_holm"] for r in rows] == d.holm_significant
    header = base_vs_more.differences_csv().splitlines()[0]
    assert header.endswith(",significant,significant_holm")
    assert any("with Holm's correction for testing 8 intervals" in line for line in summary_lines(base_vs_more))


def test_variants_expand_to_base_plus_named_plans_and_merge_deeply():
    raw = small(costs={"agent_hour": 30, "abandoned_contact": 5, "currency": "EUR"})
    raw["variants"] = {
        "bigger_team": {"agent_pools": {"desk": {"agents": 10}}},
        "patient": {"contact_types": {"phone": {"patience": {"mean": 200}}}},
    }
    sc = scenario_from_dict(raw)
    plans = plans_from_scenario(sc, "plan.yaml")
    assert [p.label for p in plans] == ["base", "bigger_team", "patient"]
    assert plans[1].source == "plan.yaml#bigger_team"
    big, patient = sc.variants["bigger_team"], sc.variants["patient"]
    assert big.agent_pools["desk"].agents == 10 and big.agent_pools["desk"].skills == ["phone"]
    # a nested override keeps its siblings: patience stays exponential, the handle time untouched
    assert patient.contact_types["phone"].patience.mean == 200
    assert patient.contact_types["phone"].patience.dist == "exponential"
    assert patient.contact_types["phone"].handle_time == sc.contact_types["phone"].handle_time
    assert patient.costs == sc.costs and patient.name == "small day (patient)"
    cmp = ccsim.compare([sc], replications=4)
    assert cmp.plan_labels == ["base", "bigger_team", "patient"]
    assert cmp.difference("bigger_team", "service_level", contact_type="phone").verdict == "better"
    assert cmp.has_costs and cmp.day("base", "cost").mean > 0


def test_variant_errors_are_located_under_their_name():
    raw = small()
    raw["variants"] = {
        "bigger_team": {"agent_pools": {"desk": {"agents": -3}}},
        "typo": {"contact_types": {"phone": {"handle_tme": {"mean": 3}}}},
        "fine": {"agent_pools": {"desk": {"agents": 9}}},
    }
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw)
    problems = info.value.problems
    assert "variants -> bigger_team -> agent_pools -> desk -> agents: must be >= 0" in problems
    assert "variants -> typo -> contact_types -> phone -> handle_tme: unknown key (a typo?)" in problems
    assert not any("fine" in p for p in problems)


def test_plans_must_share_the_horizon():
    a = scenario_from_dict(small())
    b = scenario_from_dict(small(name="later", horizon={"start": "10:00", "hours": 4, "interval_minutes": 30}))
    with pytest.raises(ComparisonError) as info:
        ccsim.compare([a, b])
    assert "horizon" in str(info.value) and "later" in str(info.value) and "10:00" in str(info.value)
    with pytest.raises(ComparisonError):
        ccsim.compare([a])


def test_plans_run_on_one_seed_and_say_so():
    a = scenario_from_dict(small(seed=5))
    b = scenario_from_dict(small(name="other seed", seed=99))
    cmp = ccsim.compare([a, b], replications=3)
    assert cmp.seed == 5 and all(p.scenario.seed == 5 for p in cmp.plans)
    assert any("seed" in n for n in cmp.notes)
    # same content, same seed: so the difference is exactly zero again
    assert cmp.difference(1, "offered", contact_type="phone").day.mean == 0.0


def test_summary_names_missed_intervals_and_counts_them(base_vs_more):
    cmp = base_vs_more
    target = 0.8
    sl = cmp.intervals(0, "service_level", contact_type="phone")
    missed = [i for i, e in enumerate(sl) if e.mean < target]
    assert missed, "the small day should miss its target somewhere on the base plan"
    line = next(s for s in cmp.to_dict()["summary"] if s.startswith("Plan small day meets"))
    assert f"in {len(sl) - len(missed)} of {len(sl)} intervals" in line
    assert interval_runs(cmp, missed)[0] in line
    assert interval_runs(cmp, [0, 1, 2, 5]) == ["09:00–10:30", "11:30–12:00"]


def test_cli_compare_files_json_and_report(cli, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump(small(replications=4)))
    b.write_text(yaml.safe_dump(more_agents(small(name="more", replications=4), 2)))
    res = cli("compare", a, b, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [p["label"] for p in data["plans"]] == ["a", "b"]
    assert data["baseline"] == "a" and data["seed"] == 3 and data["replications"] == 4
    sl = next(d for d in data["differences"] if d["metric"] == "service_level")
    assert sl["day"]["verdict"] == "better" and len(sl["by_interval"]) == 8

    out = tmp_path / "out"
    res = cli("compare", a, b, "--out", out, "--baseline", "b")
    assert res.exit_code == 0, res.output
    assert "a − b" in res.stdout and "service level" in res.stdout
    page = (out / "report.html").read_text()
    assert page.count("Plotly.newPlot(") == 6  # SL, ASA, abandonment, occupancy, agents, SL difference
    assert "seed 3" in page and f"ccsim {ccsim.__version__}" in page and "“more”" in page
    # four replications: the terminal's warning is in the report too
    assert "Warning:</span> only 4 replications: the 95% intervals are wide" in page
    assert "http://" not in page.split("<script", 1)[0] and "<script src=" not in page  # self-contained
    rows = (out / "differences.csv").read_text().splitlines()
    assert rows[0].startswith("plan,baseline,scope,name,metric,interval_start")
    assert json.loads((out / "comparison.json").read_text())["baseline"] == "b"


def test_cli_compare_refuses_what_cannot_be_compared(cli, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(yaml.safe_dump(small()))
    res = cli("compare", a)
    assert res.exit_code == 2 and "nothing to compare" in res.output
    c = tmp_path / "c.yaml"
    c.write_text(yaml.safe_dump(small(horizon={"start": "10:00", "hours": 4, "interval_minutes": 30})))
    res = cli("compare", a, c)
    assert res.exit_code == 2 and "horizon" in res.output
    res = cli("compare", a, a, "--baseline", "nope")
    assert res.exit_code == 2 and "baseline 'nope'" in res.output


def test_plans_keep_their_colour_in_every_chart(base_vs_more):
    from ccsim.report.compare_report import compare_figures
    from ccsim.report.html import colour

    figs = compare_figures(base_vs_more)
    for slug, fig in figs:
        named = {t.name: t.line.color for t in fig.data if t.showlegend is not False and t.name}
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, slug  # units on every axis
        if slug.startswith("service_level_difference"):
            assert named["more − small day"] == colour(1)
            continue
        assert named["small day"] == colour(0) and named["more"] == colour(1), (slug, named)


def test_agent_hours_count_people_not_chat_seats():
    """Holding three chats at once changes what an agent does, not how many hours they are paid."""
    sc = ccsim.load_scenario(REPO / "scenarios" / "multichannel.yaml")
    cmp = ccsim.compare(plans_from_scenario(sc), replications=2)
    one = cmp.day("one_chat_at_a_time", "agent_hours").mean
    three = cmp.day("three_chats", "agent_hours").mean
    assert one == pytest.approx(three, rel=1e-9)
    assert cmp.day("double_email_five_more", "agent_hours").mean > one + 40  # five more people for ~10 h
