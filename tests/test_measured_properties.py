"""Invariants of the measured-run model (hypothesis): the embodied share is linear in the
duration and in the resource share; the vectorized result for many runs equals the runs
one by one; the total is operational plus the hardware share (all stages but use)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lca
from lca.measured import compute
from lca.measured.runs import embodied_share_kg, operational_kg

EMBODIED = lca.assess("dgx-h100")

durations = st.floats(min_value=1.0, max_value=1e7, allow_nan=False)
shares = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
energies = st.floats(min_value=1e-6, max_value=1e4, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(d=durations, k=st.floats(min_value=0.1, max_value=10), s=shares)
def test_embodied_share_linear_in_duration_and_share(d, k, s):
    e = embodied_share_kg(1000.0, d, 5.0, s)
    assert embodied_share_kg(1000.0, d * k, 5.0, s) == pytest.approx(e * k, rel=1e-12)
    assert embodied_share_kg(1000.0, d, 5.0, s / 2) == pytest.approx(e / 2, rel=1e-12)
    # a whole lifetime of the whole machine is the whole embodied footprint
    assert embodied_share_kg(1000.0, 5 * 8760 * 3600.0, 5.0, 1.0) == pytest.approx(1000.0)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(durations, energies), min_size=1, max_size=6))
def test_vectorized_runs_equal_runs_one_by_one(rows):
    d, e = (np.array(x, dtype=float) for x in zip(*rows))
    cols = {"duration": d, "energy_consumed": e, "emissions": e * 0.3}
    text = {"country_iso_code": ["DEU"] * len(d), "run_id": [str(i) for i in range(len(d))]}
    many = compute(cols, text, np.arange(2, 2 + len(d)), hardware=EMBODIED, grid=0.4)
    for i in range(len(d)):
        one = compute({k: v[i:i + 1] for k, v in cols.items()},
                      {k: v[i:i + 1] for k, v in text.items()}, np.array([2 + i]),
                      hardware=EMBODIED, grid=0.4)
        for col in ("operational_kgco2e", "embodied_share_kgco2e", "total_kgco2e"):
            assert many.frame[col].iloc[i] == pytest.approx(one.frame[col].iloc[0], rel=1e-12)
    f = many.frame
    assert np.allclose(f["total_kgco2e"], f["operational_kgco2e"] + f["hardware_share_kgco2e"])
    assert np.allclose(f["operational_kgco2e"], operational_kg(e, 0.4))
