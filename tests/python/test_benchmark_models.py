"""Static checks of the benchmark models in validation/benchmarks/ (no solver needed): they parse,
follow docs/model-format.md's keys, carry units, reference existing table files, the generated
inputs are up to date, the converters give the right counts, and the two forms of case 4 describe
the same tube law."""
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BENCH = ROOT / "validation" / "benchmarks"
sys.path.insert(0, str(BENCH))
import convert_openbf  # noqa: E402

MODELS = ["single_pipe", "common_carotid", "aortic_bifurcation", "aortic_bifurcation_zero_pressure",
          "network_37_arteries", "adan56"]

# Key sets from the generated JSON Schema of the format (single source: format/schema_tables.cpp).
import json  # noqa: E402

_SCHEMA = json.loads((ROOT / "docs" / "model-format.schema.json").read_text())["properties"]


def _keys(node):
    return set(node.get("properties", node.get("items", {}).get("properties", {})))


TOP = set(_SCHEMA)
BLOOD = _keys(_SCHEMA["blood"])
SOLVER = _keys(_SCHEMA["solver"])
VESSEL = _keys(_SCHEMA["vessels"])
TUBE = {"type", "reference", "youngs_modulus", "wall_thickness", "wall_thickness_rule",
        "reference_pressure", "stiffness", "wave_speed", "m", "n", "poisson_ratio"}
ELEMENT_PARAMS = {"resistor": {"R"}, "windkessel3": {"R1", "C", "R2", "p_out"}}

QTY = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s+\S.*$")
SI = {"Pa": 1.0, "kPa": 1e3, "m": 1.0, "mm": 1e-3, "s": 1.0, "ms": 1e-3, "mPa s": 1e-3,
      "Pa s": 1.0}


def q(text, unit=None):
    num, u = str(text).split(" ", 1)
    if unit is not None:
        assert u == unit, (text, unit)
    return float(num) * SI.get(u, 1.0)


def load(name):
    return yaml.safe_load((BENCH / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", MODELS)
def test_model_keys_and_units(name):
    m = load(name)
    assert m["venoflow"] == 1
    assert set(m) <= TOP, set(m) - TOP
    assert set(m["blood"]) <= BLOOD
    assert set(m["solver"]) <= SOLVER
    s = m["solver"]
    assert ("cycles" in s) != ("t_end" in s)
    assert s["output_interval"] == "1 ms"
    if name != "single_pipe":
        assert "period" in s and s["stop_at_steady_state"] is True
        assert s["steady_state_tolerance"] == pytest.approx(1e-3) and s["max_cycles"] >= s["cycles"]
        assert q(m["initial_conditions"]["pressure"]) > 5e3      # near diastolic
    for key in ("density", "viscosity"):
        assert QTY.match(str(m["blood"][key])), m["blood"][key]
    names = set()
    for v in m["vessels"]:
        assert set(v) <= VESSEL, set(v) - VESSEL
        assert set(v["tube_law"]) <= TUBE
        assert v["tube_law"]["type"] == "elastic"
        assert ("wall_thickness" in v["tube_law"]) != ("wall_thickness_rule" in v["tube_law"])
        assert QTY.match(str(v["length"]))
        rad = v["radius"]
        for r in (rad.values() if isinstance(rad, dict) else [rad]):
            assert QTY.match(str(r)), r
        if isinstance(rad, dict):
            assert set(rad) == {"in", "out"}
        if v["tube_law"].get("reference") == "diastolic":
            assert "reference_pressure" in v["tube_law"]
        if "cells" in v:
            assert v["cells"] % 2 == 0, "even cell count: a vertex at the mid-point"
        names.add(v["name"])
    for e in m.get("elements", []):
        assert e["type"] in ELEMENT_PARAMS
        assert set(e) - {"name", "type", "nodes"} <= ELEMENT_PARAMS[e["type"]]
        assert e["name"] not in names
        names.add(e["name"])
    # every node joined by one vessel and no element has a boundary condition (model-format.md)
    count = {}
    for v in m["vessels"]:
        for nd in (v["from"], v["to"]):
            count[nd] = count.get(nd, 0) + 1
    elem_nodes = {nd for e in m.get("elements", []) for nd in e["nodes"]}
    bc_nodes = {b["node"] for b in m.get("boundary_conditions", [])}
    for nd, c in count.items():
        if c == 1 and nd not in elem_nodes:
            assert nd in bc_nodes, nd
    for b in m.get("boundary_conditions", []):
        assert b["node"] in count or b["node"] in elem_nodes
        for kind in ("flow", "pressure"):
            if isinstance(b.get(kind), dict) and "table" in b[kind]:
                f = BENCH / b[kind]["table"]["file"]
                assert f.exists(), f
                assert b[kind]["table"]["columns"] == ["s", "m^3/s"]
                data = np.loadtxt(f)
                assert data.shape[1] == 2 and np.all(np.diff(data[:, 0]) > 0)


def test_every_parameter_line_is_commented_in_hand_written_models():
    for name in ["single_pipe", "common_carotid", "aortic_bifurcation"]:
        for line in (BENCH / f"{name}.yaml").read_text().splitlines():
            s = line.strip()
            if re.match(r"^(density|viscosity|length|radius|youngs_modulus|wall_thickness|"
                        r"reference_pressure|R1|R2|C|R|period):", s):
                assert "#" in s, f"{name}: uncommented parameter line: {s}"


def test_single_pipe_constants():
    m = load("single_pipe")
    v = m["vessels"][0]
    E, h = q(v["tube_law"]["youngs_modulus"]), q(v["tube_law"]["wall_thickness"])
    rho, r0 = q(m["blood"]["density"].replace("kg/m^3", "").strip() + " Pa"), q(v["radius"])
    c0 = math.sqrt(2 * E * h / (3 * rho * r0))
    assert c0 == pytest.approx(6.172, abs=5e-4)
    Z0 = rho * c0 / (math.pi * r0 ** 2)
    R = float(m["elements"][0]["R"].split()[0])
    assert R == pytest.approx(Z0, rel=1e-5)
    assert q(m["blood"]["viscosity"]) == 0.0
    assert q(m["solver"]["t_end"]) == 2.0
    assert round(q(v["length"]) / q(m["discretisation"]["dx"])) % 2 == 0
    assert m["elements"][0]["nodes"][1] == "ground"
    assert any(b["node"] == "ground" and b["pressure"] == "0 Pa" for b in m["boundary_conditions"])


def test_single_pipe_inflow_table_is_generated():
    p = subprocess.run([sys.executable, str(BENCH / "make_single_pipe_inflow.py"), "--check"])
    assert p.returncode == 0
    d = np.loadtxt(BENCH / "data/single_pipe/gaussian_inflow.dat")
    assert np.allclose(np.diff(d[:, 0]), 0.5e-3)
    assert d[np.argmax(d[:, 1]), 0] == pytest.approx(0.05)
    assert d[:, 1].max() == pytest.approx(1e-6)


def _beta_over_a(E, h, r):
    return (4.0 / 3.0) * math.sqrt(math.pi) * E * h / (math.pi * r * r)


def test_case4_two_forms_have_identical_tube_laws():
    d, z = load("aortic_bifurcation"), load("aortic_bifurcation_zero_pressure")
    assert [v["name"] for v in d["vessels"]] == [v["name"] for v in z["vessels"]]
    assert d["elements"] == z["elements"] and d["blood"] == z["blood"] and d["solver"] == z["solver"]
    assert d["initial_conditions"] == z["initial_conditions"]
    for vd, vz in zip(d["vessels"], z["vessels"]):
        td, tz = vd["tube_law"], vz["tube_law"]
        assert td["reference"] == "diastolic" and tz.get("reference", "zero_pressure") == "zero_pressure"
        assert q(td["reference_pressure"]) == pytest.approx(9466.0)
        E = q(td["youngs_modulus"])
        assert q(tz["youngs_modulus"]) == E
        rd, hd = q(vd["radius"]), q(td["wall_thickness"])
        r0, h0 = q(vz["radius"]), q(tz["wall_thickness"])
        bd, b0 = _beta_over_a(E, hd, rd), _beta_over_a(E, h0, r0)
        assert b0 == pytest.approx(bd, rel=1e-8)
        for p in np.linspace(0, 25e3, 11):     # same A(p) from both laws
            A_d = (math.sqrt(math.pi) * rd + (p - 9466.0) / bd) ** 2
            A_z = (math.sqrt(math.pi) * r0 + p / b0) ** 2
            assert A_z == pytest.approx(A_d, rel=1e-8)
    # Nektar++ zero-pressure radii (SOURCE.md): 7.583 mm, 5.493 mm
    assert q(z["vessels"][0]["radius"]) == pytest.approx(7.583e-3, abs=1e-6)
    assert q(z["vessels"][1]["radius"]) == pytest.approx(5.493e-3, abs=1e-6)


def test_case2_diastolic_matches_openbf_zero_pressure_radius():
    m = load("common_carotid")
    v = m["vessels"][0]
    t = v["tube_law"]
    E, hd, rd, Pd = (q(t["youngs_modulus"]), q(t["wall_thickness"]), q(v["radius"]),
                     q(t["reference_pressure"]))
    r0 = rd - Pd * rd * rd / ((4 / 3) * E * hd)
    assert r0 == pytest.approx(2.6485e-3, abs=1e-7)      # openBF cca.yaml R0
    assert v["cells"] % 2 == 0


def test_converter_counts_and_up_to_date():
    p = subprocess.run([sys.executable, str(BENCH / "convert_openbf.py"), "all", "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    n37 = yaml.safe_load(convert_openbf.convert_network37())
    assert len(n37["vessels"]) == 37
    res = [e for e in n37["elements"] if e["type"] == "resistor"]
    assert len(res) == 16 and all(e["nodes"][1] == "ground" for e in res)
    assert any(b["node"] == "ground" and b["pressure"] == "0 Pa" for b in n37["boundary_conditions"])
    r_total = 1 / sum(1 / float(e["R"].split()[0]) for e in res)
    assert r_total == pytest.approx(2.25e8, rel=0.01)          # SOURCE.md: 2.25e8 Pa s m^-3
    assert n37["blood"]["profile_zeta"] == 9
    assert n37["blood"]["density"] == "1050 kg/m^3" and n37["blood"]["viscosity"] == "2.5 mPa s"
    assert all(v["tube_law"]["wall_thickness_rule"] == "openbf_empirical" for v in n37["vessels"])
    assert n37["vessels"][0]["radius"] == {"in": "0.0144 m", "out": "0.013 m"}

    adan = yaml.safe_load(convert_openbf.convert_adan56())
    assert len(adan["vessels"]) == 77
    wk = [e for e in adan["elements"] if e["type"] == "windkessel3"]
    assert len(wk) == 31 and all(e["p_out"] == "0 Pa" for e in wk)
    assert all(v["tube_law"]["reference"] == "diastolic" and
               q(v["tube_law"]["reference_pressure"]) == 10e3 for v in adan["vessels"])
    assert adan["blood"]["density"].startswith("1060")
    # the sites of the benchmark's FVM files exist by name
    names = {v["name"] for v in adan["vessels"]}
    for s in ("aortic_arch_I", "thoracic_aorta_III", "abdominal_aorta_V", "common_carotid_R",
              "renal_R", "common_iliac_R", "internal_carotid_R", "radial_R", "internal_iliac_R",
              "posterior_interosseous_R", "femoral_R_I", "anterior_tibial_R"):
        assert s in names, s


def test_openbf_empirical_wall_gives_documented_wave_speeds():
    """SOURCE.md (case 5): c0 = sqrt(2 E h0 / (3 rho R0)) is 7.00 m/s for v1 with the empirical
    h0(R0); case 6: R = 15.95 mm gives h = 1.769 mm."""
    h = lambda R: R * (0.2802 * math.exp(-505.3 * R) + 0.1324 * math.exp(-11.14 * R))  # noqa: E731
    rows = convert_openbf.read_network_csv(BENCH / "data/network_37_arteries/network.csv")
    v1 = rows[0]
    c0 = math.sqrt(2 * v1["E"] * h(v1["Rp"]) / (3 * 1050 * v1["Rp"]))
    assert c0 == pytest.approx(7.00, abs=0.005)
    assert h(15.95e-3) == pytest.approx(1.769e-3, abs=1e-6)
