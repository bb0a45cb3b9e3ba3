"""Power from parts (lca.power): parts-only and derived-powers BOMs agree; monotone in
utilization; bounded by the parts' full-load power over the supply's efficiency."""

import numpy as np
import pytest

import lca
from lca import power

PARTS = """\
name: parts server
kind: cpu
lifetime: 4 years
usage:
  grid: 0.4 kgCO2e/kWh
  pue: 1.2
  utilization: {u}
components:
  - {{name: cpu, type: logic, role: processor, count: 2, area: 6.98 cm^2, node: 14nm, tdp: 150 W}}
  - {{name: gpu, type: logic, role: accelerator, area: 814 mm^2, node: 4nm, device: h100-sxm5}}
  - {{name: dram, type: memory, technology: ddr4, count: 12, capacity: 32 GB}}
  - {{name: ssd, type: storage, technology: ssd, count: 2, capacity: 1.92 TB}}
  - {{name: hdd, type: storage, technology: hdd, capacity: 8 TB}}
  - {{name: fans, type: item, category: fan, count: 6, mass: 0.15 kg}}
  - {{name: psu, type: item, category: psu, count: 2, mass: 1.2 kg, rated_power: 750 W, efficiency: titanium}}
"""


def test_parts_only_equals_the_powers_it_derives(write_bom):
    parts = write_bom(PARTS.format(u=0.4), "parts.yaml")
    pp = power.from_parts(lca.load_bom(parts))
    given = PARTS.format(u=0.4).replace(
        "  utilization: 0.4\n",
        f"  utilization: 0.4\n  idle_power: {pp.idle_w!r} W\n  max_power: {pp.max_w!r} W\n")
    a, b = lca.assess(parts).row, lca.assess(write_bom(given, "given.yaml")).row
    for key in ("mean_power_w", "energy_kwh_per_year", "total_kgco2e_per_year"):
        assert a[key] == b[key], key


def test_hand_checked_parts(write_bom):
    """CPUs 2 x 150 W x (0.211 + 0.789 u); H100 109 W idle, 700 W full (its device entry);
    DRAM 384 GB x 0.3725 W/GB = 143.04 W; SSD 3.84 TB x 1.2 = 4.608 W; HDD 8 x 0.65 = 5.2 W;
    fans 12 % of the rest."""
    pp = power.from_parts(lca.load_bom(write_bom(PARTS.format(u=0.5))))
    assert pp.dc_max["cpu"] == pytest.approx(300.0)
    assert pp.dc_idle["cpu"] == pytest.approx(300 * 0.211)
    assert (pp.dc_idle["gpu"], pp.dc_max["gpu"]) == (109.0, 700.0)
    assert pp.dc_max["dram"] == pytest.approx(143.04)
    assert pp.dc_max["ssd"] == pytest.approx(4.608)
    assert pp.dc_max["hdd"] == pytest.approx(5.2)
    rest = 300 + 700 + 143.04 + 4.608 + 5.2
    assert pp.dc_max["fans"] == pytest.approx(0.12 * rest)


def test_monotone_and_bounded(write_bom):
    bom = lca.load_bom(write_bom(PARTS.format(u=0.5)))
    pp = power.from_parts(bom)
    u = np.linspace(0, 1, 101)
    a = lca.sweep(bom, utilization=u)
    p = a["mean_power_w"].to_numpy()
    assert (np.diff(p) > 0).all()
    worst = min(power.figures()["psu"]["levels"]["titanium"])
    assert p.max() <= pp.tdp_sum / worst
    assert p.min() >= sum(pp.dc_idle.values())   # a supply never adds power


def test_psu_efficiency_follows_80_plus():
    """80 PLUS Titanium, 230 V internal redundant: 90/94/96/91 % at 10/20/50/100 % load."""
    psu = power.figures()["psu"]
    eff = power.psu_efficiency([0.05, 0.10, 0.35, 0.50, 1.0], psu["load_points"],
                               psu["levels"]["titanium"])
    assert eff == pytest.approx([0.90, 0.90, 0.95, 0.96, 0.91])


def test_given_powers_still_win(write_bom):
    text = PARTS.format(u=0.5).replace("  utilization: 0.5\n",
                                       "  utilization: 0.5\n  idle_power: 100 W\n  max_power: 300 W\n")
    assert lca.assess(write_bom(text)).row["mean_power_w"] == pytest.approx(200.0)


def test_a_part_without_a_power_is_an_error(write_bom):
    text = PARTS.format(u=0.5) + "  - {name: nic, type: item, category: nic, mass: 0.2 kg}\n"
    with pytest.raises(lca.errors.BomError, match="NIC 'nic'.*give power"):
        lca.assess(write_bom(text))
    text = PARTS.format(u=0.5).replace(", tdp: 150 W", "")
    with pytest.raises(lca.errors.BomError, match="give tdp"):
        lca.assess(write_bom(text))


def test_boavizta_comparison_on_the_same_parts(write_bom):
    """BoaviztAPI's documented model: 2 CPUs on its default curve (35.6 W at 0 %, 260 W at
    100 %), 384 GB x 0.284 W/GB, the H100 at 700 W x u, all x 1.33."""
    bom = lca.load_bom(write_bom(PARTS.format(u=0.5)))
    b0, b1 = power.boavizta_server_power(bom, [0.0, 1.0])
    assert b0 == pytest.approx((2 * 35.6 + 384 * 0.284) * 1.33, rel=2e-3)
    assert b1 == pytest.approx((2 * 260.0 + 384 * 0.284 + 700) * 1.33, rel=2e-3)


def test_load_profile_from_parts(write_bom):
    """A profile of loads (utilization per state) takes each state's power from the parts;
    the same profile written with those powers gives the same result."""
    text = PARTS.format(u=0.5).replace(
        "  utilization: 0.5\n",
        "  profile:\n    - {share: 0.6, utilization: 0.8}\n    - {share: 0.4, utilization: 0.1}\n")
    bom = lca.load_bom(write_bom(text, "load.yaml"))
    pp = power.from_parts(bom)
    p8, p1 = float(pp.at(0.8)), float(pp.at(0.1))
    given = text.replace("utilization: 0.8}", f"power: {p8!r} W}}").replace(
        "utilization: 0.1}", f"power: {p1!r} W}}")
    a, b = lca.assess(bom).row, lca.assess(write_bom(given, "given.yaml")).row
    assert a["mean_power_w"] == b["mean_power_w"] == pytest.approx(0.6 * p8 + 0.4 * p1)
