"""Hourly grid series: the shipped Electricity Maps sample (DE, first week of 2022), the
energy-weighted intensity of runs, and a year of hourly values against its annual mean.

Reference values are rows of the shipped file (data/grid/hourly/, verbatim from the
publisher's CSV): 2022-01-01 00:00 UTC 213.79 gCO2eq/kWh life-cycle (163.46 direct),
01:00 218.02 (166.67).
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone

import numpy as np
import pytest

import lca
from lca.accelerator import levers
from lca.errors import MeasuredDataError
from lca.measured import codecarbon as cc
from lca.measured import from_codecarbon, hourly

SAMPLE = "electricitymaps-DE-2022-01-01-to-07"


def t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


@pytest.fixture(scope="module")
def de_week():
    return hourly.shipped(SAMPLE)


def test_shipped_sample_reads_with_licence_and_credit(de_week):
    assert de_week.layout == "Electricity Maps" and de_week.zone == "DE"
    assert len(de_week.values) == 168 and np.all(de_week.hours == 1.0)
    assert de_week.values[0] == pytest.approx(0.21379) and de_week.values[1] == pytest.approx(0.21802)
    assert de_week.basis == "lifecycle" and de_week.kind == "average"
    assert de_week.licence == "ODbL 1.0" and "Electricity Maps" in de_week.credit
    direct = hourly.shipped(SAMPLE, basis="direct")
    assert direct.values[0] == pytest.approx(0.16346) and direct.basis == "direct"


def test_run_spanning_two_hours_is_energy_weighted(de_week):
    i0, i1 = 0.21379, 0.21802
    # one run measured in two parts: 3 kWh in the first hour, 1 kWh in the second
    got = hourly.energy_weighted_mean(de_week, [t("2022-01-01T00:00"), t("2022-01-01T01:00")],
                                      [t("2022-01-01T01:00"), t("2022-01-01T02:00")], [3.0, 1.0])
    assert got == pytest.approx((3 * i0 + 1 * i1) / 4, rel=1e-12)
    # one part at constant power from 00:15 to 01:45: 45 min in each hour
    mean = hourly.interval_mean(de_week, [t("2022-01-01T00:15")], [t("2022-01-01T01:45")])
    assert mean[0] == pytest.approx((i0 + i1) / 2, rel=1e-12)
    # 00:30-01:00 and 01:00-02:00: a third of the time (and energy) in the first hour
    mean = hourly.interval_mean(de_week, [t("2022-01-01T00:30")], [t("2022-01-01T02:00")])
    assert mean[0] == pytest.approx((i0 + 2 * i1) / 3, rel=1e-12)


def test_codecarbon_run_uses_the_hours_it_ran_in(tmp_path, de_week):
    L = cc.LAYOUT_3_3
    base = dict(zip(L, [""] * len(L)))
    rows = []
    for end, dur, energy in (("2022-01-01T01:30:00", 3600, 2.0),       # 00:30-01:30
                             ("2022-01-03T12:00:00", 600, 0.1),        # inside one hour
                             ("2023-06-01T00:00:00", 60, 0.1)):        # outside the sample
        rows.append(dict(base, timestamp=end, duration=dur, energy_consumed=energy,
                         emissions=0.5, country_iso_code="DEU", run_id="r"))
    path = tmp_path / "e.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=L)
        w.writeheader()
        w.writerows(rows)
    r = from_codecarbon(path, hardware="clemm2024-cpu", grid_series=SAMPLE)
    g = r.frame["lca_grid_kgco2e_per_kwh"].to_numpy()
    assert g[0] == pytest.approx((0.21379 + 0.21802) / 2, rel=1e-12)
    k = 2 * 24 + 11   # 2022-01-03 11:00 holds 11:50-12:00
    assert g[1] == pytest.approx(de_week.values[k], rel=1e-12)
    assert np.isnan(g[2]) and "outside the series' hours" in str(r.issues[0])
    assert r.frame["operational_kgco2e"].iloc[0] == pytest.approx(2.0 * g[0])
    # the machine ran at UTC+1: the same stamps mean an hour earlier in UTC
    r1 = from_codecarbon(path, hardware="clemm2024-cpu", grid_series=SAMPLE, utc_offset=1)
    assert r1.frame["start_utc"].iloc[0] == "2021-12-31T23:30:00"


def _year_csv(path, values, start="2022-01-01"):
    times = np.arange(np.datetime64(f"{start}T00:00"), np.datetime64(f"{start}T00:00") +
                      np.timedelta64(len(values), "h"), np.timedelta64(1, "h"))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["datetime", "zone", "intensity", "unit", "basis", "kind"])
        for ts, v in zip(times, values):
            w.writerow([str(ts), "DE", f"{v:.6f}", "gCO2e/kWh", "lifecycle", "average"])
    return path


def test_a_year_at_flat_power_equals_the_annual_mean(tmp_path, de_week):
    # a year of varying hourly values: the real week repeated over 8,760 hours
    values = np.resize(de_week.values * 1000.0, 8760)
    s = hourly.read_grid_series(_year_csv(tmp_path / "year.csv", values))
    assert s.hours.sum() == 8760
    annual = float(np.mean(values)) / 1000.0
    assert s.time_weighted_mean() == pytest.approx(annual, rel=1e-9)
    year = hourly.interval_mean(s, [s.starts[0]], [s.ends[-1]])[0]
    assert year == pytest.approx(annual, rel=1e-9)
    res = hourly.assess_with_series("clemm2024-cpu", s, market_grid=0.05)
    a = res["location"]
    assert a.operational_per_year.magnitude == pytest.approx(
        a.energy_per_year.magnitude * annual, rel=1e-9)
    assert res["market"].operational_per_year.magnitude == pytest.approx(
        a.energy_per_year.magnitude * 0.05, rel=1e-9)
    assert res["market"].embodied_per_year == a.embodied_per_year


def test_ember_and_new_electricity_maps_headers(tmp_path):
    # format fixtures (hand-written numbers, the publishers' column names)
    ember = tmp_path / "ember.csv"
    ember.write_text(
        "Area,ISO 3 code,Date,Area type,Continent,Ember region,EU,OECD,G20,G7,ASEAN,Category,"
        "Subcategory,Variable,Unit,Value,YoY absolute change,YoY % change\n"
        "Germany,DEU,2022-01-01,Country or economy,Europe,EU,1,1,1,1,0,Power sector emissions,"
        "CO2 intensity,CO2 intensity,gCO2/kWh,400,,\n"
        "Germany,DEU,2022-01-01,Country or economy,Europe,EU,1,1,1,1,0,Electricity demand,"
        "Demand,Demand,TWh,50,,\n"
        "Germany,DEU,2022-02-01,Country or economy,Europe,EU,1,1,1,1,0,Power sector emissions,"
        "CO2 intensity,CO2 intensity,gCO2/kWh,300,,\n", encoding="utf-8")
    s = hourly.read_grid_series(ember)
    assert s.layout == "Ember" and s.zone == "DEU" and list(s.values) == pytest.approx([0.4, 0.3])
    assert s.hours[0] == 31 * 24          # January holds until February
    new = tmp_path / "em.csv"
    new.write_text(
        "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),"
        "Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),"
        "Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method\n"
        "2024-01-01 00:00:00,Sweden,Sweden,SE,2.5,30.0,99,60,x,false,\n"
        "2024-01-01 01:00:00,Sweden,Sweden,SE,2.6,31.0,99,60,x,false,\n", encoding="utf-8")
    s = hourly.read_grid_series(new)
    assert s.zone == "SE" and list(s.values) == pytest.approx([0.030, 0.031])
    assert list(hourly.read_grid_series(new, basis="direct").values) == pytest.approx([0.0025, 0.0026])


def test_malformed_series(tmp_path):
    two = tmp_path / "two.csv"
    two.write_text("datetime,zone,intensity\n2022-01-01T00:00,DE,300\n2022-01-01T00:00,FR,50\n")
    with pytest.raises(MeasuredDataError, match="several zones"):
        hourly.read_grid_series(two)
    assert hourly.read_grid_series(two, zone="FR").values[0] == 0.05
    bad = tmp_path / "bad.csv"
    bad.write_text("datetime,zone,intensity\n2022-01-01T00:00,DE,300\nnot a time,DE,1\n")
    with pytest.raises(MeasuredDataError, match=r"bad\.csv:3: datetime: expected a date"):
        hourly.read_grid_series(bad)
    neg = tmp_path / "neg.csv"
    neg.write_text("datetime,zone,intensity\n2022-01-01T00:00,DE,-3\n")
    with pytest.raises(MeasuredDataError, match=r"neg\.csv:2: intensity"):
        hourly.read_grid_series(neg)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(MeasuredDataError, match="not a grid-intensity layout"):
        hourly.read_grid_series(other)


def test_carbon_aware_lever_uses_the_same_reader(de_week):
    workload = dict(device="h100-sxm5", count=8, params=7e9, tokens=1e10, efficiency=0.4)
    via_reader = levers.carbon_aware("train", workload, SAMPLE, hours=3)
    assert via_reader["grid"] == pytest.approx(levers.best_window_mean(de_week.values, 3))
    assert levers.carbon_aware("train", workload, de_week, hours=3)["grid"] == via_reader["grid"]
    # the lowest 3-hour window of the week is lower than the week's mean
    assert via_reader["grid"] < de_week.time_weighted_mean()
    frame = lca.apply_levers("train", workload, carbon_aware=SAMPLE)
    assert frame.loc["carbon_aware", "saving"] > 0


def test_a_sweep_takes_the_series_time_weighted_mean(de_week):
    # the sweep's grid axis given as a series' time-weighted mean equals the hourly assessment
    frame = lca.sweep("clemm2024-cpu", grid=[de_week.time_weighted_mean()], pue=[1.0, 1.2])
    a = hourly.assess_with_series("clemm2024-cpu", de_week)["location"]
    assert frame["total_kgco2e_per_year"].iloc[0] == pytest.approx(a.total_per_year.magnitude)
