"""Cohort specification (python/venoflow/_cohort_spec.py, docs/cohort.md): located errors, the
default cohort file, reproducible sampling, marginals against the specification
(Kolmogorov-Smirnov) and the documented dependence checks against the published figures."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")
stats = pytest.importorskip("scipy.stats")
pytest.importorskip("yaml")

from venoflow._cohort_spec import parse_cohort_spec, parse_quantity  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def spec_text(body: str) -> str:
    return "venoflow_cohort: 1\nname: t\n" + textwrap.dedent(body)


GOOD = spec_text("""\
    parameters:
      - name: cvp
        distribution: {type: normal, mean: 4 mmHg, sd: 1 mmHg}
        truncate: [0 mmHg, 10 mmHg]
        target: {set: boundary_conditions.right_atrium.pressure}
        source: s
        tag: UNVERIFIED
      - name: f
        distribution: {type: lognormal, median: 1, sigma: 0.5}
        target: {scale: vessels.IJV_R_J2.radius, as: radius_from_area}
        source: s
        tag: READ-3P
      - name: u
        distribution: {type: uniform, low: 10 %, high: 30 %}
        target: {set: elements.valve_R.M_rg}
        source: s
        tag: CHOSEN
      - name: m
        distribution:
          type: mixture
          components:
            - {weight: 0.25, value: 1}
            - {weight: 0.25, distribution: {type: uniform, low: 0.05, high: 0.3}}
            - {weight: 0.5, value: 0}
        reference: 0
        target: {set: elements.valve_L.M_rg}
        source: s
        tag: CHOSEN
    """)


def test_quantities_in_si():
    assert parse_quantity("4 mmHg") == pytest.approx((533.289549660, "pressure"))
    assert parse_quantity("72 1/min") == pytest.approx((1.2, "frequency"))
    assert parse_quantity("4.96 mm") == pytest.approx((4.96e-3, "length"))
    assert parse_quantity("77.3 mm^2") == pytest.approx((77.3e-6, "area"))
    assert parse_quantity("30 %") == pytest.approx((0.3, "ratio"))
    with pytest.raises(ValueError, match="unknown unit 'mmHG'"):
        parse_quantity("4 mmHG")


def test_errors_are_located_and_all_reported():
    bad = spec_text("""\
        parameters:
          - name: cvp
            distribution: {type: normal, mean: 4 mmHg, sd: 1 mmHG}
            target: {set: boundary_conditions.right_atrium.pressure}
            source: s
            tag: UNVERIFIED
          - name: x
            distribution: {type: gamma, k: 2}
            target: {set: solver.rtol}
            tag: MADE-UP
        """)
    with pytest.raises(vf.CohortSpecError) as e:
        parse_cohort_spec(bad, "bad.yaml")
    d = e.value.diagnostics
    # line numbers counted in the text above (line 1 is venoflow_cohort)
    assert any(x.startswith("bad.yaml:5:") and "parameters.cvp.distribution.sd" in x
               and "unknown unit 'mmHG'" in x for x in d), d
    assert any(x.startswith("bad.yaml:10:") and "parameters.x.distribution" in x
               and "type:" in x for x in d), d
    assert any("parameters.x.source" in x and "missing" in x for x in d), d
    assert any(x.startswith("bad.yaml:12:") and "parameters.x.tag" in x for x in d), d


@pytest.mark.parametrize("change, key, message", [
    ("truncate: [0 mmHg, 10 mmHg]", "truncate: [10 mmHg, 0 mmHg]", "low < high"),
    ("truncate: [0 mmHg, 10 mmHg]", "truncate: [0 mm, 10 mm]", "different kinds"),
    ("{weight: 0.5, value: 0}", "{weight: 0.4, value: 0}", "add up to 1"),
    ("median: 1, sigma: 0.5", "median: 1, sigma: -0.5", "positive bare number"),
    ("tag: CHOSEN\n", "tag: CHOSEN\n    colour: red\n", "unknown key 'colour'"),
])
def test_each_kind_of_bad_value(change, key, message):
    text = GOOD.replace(change, key, 1)
    assert text != GOOD
    with pytest.raises(vf.CohortSpecError, match=message):
        parse_cohort_spec(text, "x.yaml")


def test_default_cohort_loads_and_every_distribution_has_a_source_and_tag():
    sp = vf.load_cohort_spec()
    assert len(sp.parameters) >= 10
    for p in sp.parameters:
        assert p.source.strip() and p.tag in {"READ", "READ-3P", "DERIVED", "UNVERIFIED",
                                              "CHOSEN"}
    # documented in docs/cohort.md, one row per parameter
    doc = (ROOT / "docs/cohort.md").read_text(encoding="utf-8")
    for p in sp.parameters:
        assert f"`{p.name}`" in doc, p.name


def test_sampling_is_reproducible_from_the_seed():
    sp = parse_cohort_spec(GOOD)
    for method in ("sobol", "lhs", "random"):
        a = sp.sample(64, seed=7, method=method)
        b = sp.sample(64, seed=7, method=method)
        c = sp.sample(64, seed=8, method=method)
        assert a.equals(b)
        assert not a[sp.names].equals(c[sp.names])
    # Sobol and random points of subject i do not depend on n (resume / extend a cohort)
    whole = sp.sample(64, seed=3)
    tail = sp.sample(32, seed=3, start=32)
    np.testing.assert_array_equal(whole[sp.names].to_numpy()[32:], tail[sp.names].to_numpy())


@pytest.mark.parametrize("method", ["sobol", "lhs", "random"])
def test_continuous_marginals_match_the_specification(method):
    """Kolmogorov-Smirnov of each continuous marginal against the CDF written in the spec
    (closed forms from scipy.stats, built here from the numbers of the text, not from the
    sampler)."""
    sp = parse_cohort_spec(GOOD)
    df = sp.sample(1024, seed=11, method=method)
    mmHg = 133.322387415
    norm = stats.norm(4 * mmHg, 1 * mmHg)
    lo, hi = norm.cdf(0.0), norm.cdf(10 * mmHg)
    cvp_cdf = lambda x: (norm.cdf(x) - lo) / (hi - lo)  # noqa: E731
    for name, cdf in [("cvp", cvp_cdf), ("f", stats.lognorm(s=0.5, scale=1.0).cdf),
                      ("u", stats.uniform(0.1, 0.2).cdf)]:
        res = stats.kstest(df[name], cdf)
        assert res.pvalue > 0.01, (name, res)
    assert df["cvp"].between(0, 10 * mmHg).all()


def test_mixture_weights_and_continuous_part():
    sp = parse_cohort_spec(GOOD)
    m = sp.sample(4096, seed=5)["m"].to_numpy()
    # point masses: 25 % at 1, 50 % at 0 (binomial 4 sd at n = 4096 is 2.7 % / 3.1 %)
    assert abs(np.mean(m == 1.0) - 0.25) < 0.027
    assert abs(np.mean(m == 0.0) - 0.5) < 0.031
    inner = m[(m > 0) & (m < 1)]
    assert stats.kstest(inner, stats.uniform(0.05, 0.25).cdf).pvalue > 0.01


def test_default_cohort_reproduces_the_dependence_it_was_built_from():
    """The published figures the default cohort cites (docs/cohort.md): jugular valve absence
    per side 31 %, both sides 16 %, at least one side 46 % (Menegatti et al. 2014) through the
    copula; right IJV larger than left in about 70 % (68 % and 72 % in the two studies read),
    from the model's reference areas 77.3 / 49.8 mm^2 and the lognormal factors."""
    sp = vf.load_cohort_spec()
    df = sp.sample(8192, seed=1)
    absent_r, absent_l = df.valve_R_M_rg == 1.0, df.valve_L_M_rg == 1.0
    assert abs(absent_r.mean() - 0.31) < 0.02
    assert abs((absent_r & absent_l).mean() - 0.16) < 0.02
    assert abs((absent_r | absent_l).mean() - 0.46) < 0.02
    # Right dominance. The reference areas are Magnano et al. 2016's by sex and neck level
    # (they were the model's 77.3 / 49.8 mm^2 at every level until the cohort took the level,
    # side and sex pattern: the asserted range was 0.66-0.74 around the then expected 0.70).
    # P(right > left) = Phi(ln r / sqrt(0.565^2 + 0.613^2)) for each sex and level, with r
    # Magnano's right/left ratio typed here (J3: C2/C3, J1: C7/T1, J2: 0.3 of the way).
    sigma = np.hypot(0.565, 0.613)
    ratios = {("male", "J3"): 41.6 / 28.0, ("male", "J1"): 82.0 / 52.2,
              ("female", "J3"): 38.0 / 27.2, ("female", "J1"): 62.3 / 47.8,
              ("male", "J2"): (41.6 + 0.3 * 40.4) / (28.0 + 0.3 * 24.2),
              ("female", "J2"): (38.0 + 0.3 * 24.3) / (27.2 + 0.3 * 20.6)}
    area_r, area_l = ijv_reference_areas(df)
    for (sex, level), r in ratios.items():
        sel = (df.sex == (1.0 if sex == "female" else 0.0)).to_numpy()
        share = (area_r[level][sel] > area_l[level][sel]).mean()
        p = stats.norm.cdf(np.log(r) / sigma)
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / sel.sum()), (sex, level, share, p)
    # Whole cohort at J2 and J1 (the cricoid level, about C6, lies at their boundary) within the
    # Wilson 95 % interval of Bos et al. 2016 (right dominant in 109 of 151 = 72 %): 0.646-0.787.
    lo, hi = vf.stats.wilson(109, 151)
    assert (lo, hi) == pytest.approx((0.6456, 0.7871), abs=1e-4)
    for level in ("J2", "J1"):
        assert lo < (area_r[level] > area_l[level]).mean() < hi, level
    # narrowing > 50 % of at least one vein (Traboulsee et al. 2014): 74 % MS, 70 % controls
    any_sten = (df.ijv_R_stenosis > 0) | (df.ijv_L_stenosis > 0) | (df.azygos_stenosis > 0)
    for group, published in (("ms", 0.74), ("controls", 0.70)):
        sel = df.group == group
        assert abs(any_sten[sel].mean() - published) < 0.03, group
    assert abs((df.group == "ms").mean() - 0.5) < 0.02


#: Factor on the model's reference area (same radius at J1-J3: R 4.96 mm, L 3.98 mm) by sex,
#: side and level, as written in the default cohort (docs/cohort.md)
SEX_LEVEL_FACTORS = {
    ("male", "R"): {"J3": 0.9044, "J2": 1.1679, "J1": 1.7827},
    ("male", "L"): {"J3": 0.9454, "J2": 1.1906, "J1": 1.7626},
    ("female", "R"): {"J3": 0.8262, "J2": 0.9846, "J1": 1.3545},
    ("female", "L"): {"J3": 0.9184, "J2": 1.1271, "J1": 1.6140},
}


def ijv_reference_areas(df):
    """Right and left lumen reference areas [mm^2] per level of sampled subjects: model area x
    sex/level factor x the subject's side factor."""
    out = []
    for side, radius, col in (("R", 4.96, "ijv_R_area_factor"), ("L", 3.98, "ijv_L_area_factor")):
        a0 = np.pi * radius**2
        out.append({lv: np.where(df.sex == 1.0, SEX_LEVEL_FACTORS[("female", side)][lv],
                                 SEX_LEVEL_FACTORS[("male", side)][lv]) * a0 * df[col].to_numpy()
                    for lv in ("J3", "J2", "J1")})
    return out


def test_default_cohort_sex_shares():
    """Sex: half women among controls (design choice), 70.6 % among MS (Trojano et al. 2012:
    11,290 women of 15,996 definite MS); binomial tests on the sampled shares."""
    sp = vf.load_cohort_spec()
    assert sp.parameter("sex").categories == ["male", "female"]
    df = sp.sample(4096, seed=2)
    assert set(df.sex) == {0.0, 1.0}
    for group, share in (("controls", 0.5), ("ms", 11290 / 15996)):
        x = df.loc[df.group == group, "sex"]
        assert stats.binomtest(int(x.sum()), len(x), share).pvalue > 0.01, group
    assert [sp.parameter("sex").label(v) for v in (0, 1)] == ["male", "female"]
    with pytest.raises(ValueError, match="not a category index"):
        sp.parameter("sex").label(0.5)


def test_ijv_levels_follow_magnano_by_sex_and_side():
    """A subject at side factors 1: the IJV lumen areas at J3/J2/J1 are the model's reference
    areas times the sex- and level-specific factors, and their ratios are Magnano et al. 2016's
    (PLoS One 11:e0149532) mean minimum CSAs typed here: C2/C3 at J3, C7/T1 at J1, J2 at C4 =
    C2/C3 + 0.3 (C7/T1 - C2/C3). The mean of J2 and J3 over both sides and both sexes keeps the
    model's calibrated (77.288 + 49.764)/2 mm^2."""
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    sp = vf.load_cohort_spec()
    base = sp.sample(1, seed=0).iloc[0].to_dict()
    magnano = {("male", "R"): (41.6, 82.0), ("male", "L"): (28.0, 52.2),
               ("female", "R"): (38.0, 62.3), ("female", "L"): (27.2, 47.8)}
    areas = {}
    for code, sex in ((0.0, "male"), (1.0, "female")):
        v = dict(base, sex=code, ijv_R_area_factor=1.0, ijv_L_area_factor=1.0,
                 stature_factor=1.0)
        o = sp.overrides(model, v)
        for side in "RL":
            for lv in ("J3", "J2", "J1"):
                r = float(o[f"vessels.IJV_{side}_{lv}.radius"].split()[0]) * 1e3
                areas[(sex, side, lv)] = np.pi * r**2
            # the valve annulus is the J1 lumen
            assert float(o[f"elements.valve_{side}.annulus_area"].split()[0]) * 1e6 == \
                pytest.approx(areas[(sex, side, "J1")], rel=2e-3)
    for (sex, side), (c23, c7t1) in magnano.items():
        a = {lv: areas[(sex, side, lv)] for lv in ("J3", "J2", "J1")}
        assert a["J1"] / a["J3"] == pytest.approx(c7t1 / c23, rel=1e-3), (sex, side)
        assert a["J2"] / a["J3"] == pytest.approx((c23 + 0.3 * (c7t1 - c23)) / c23, rel=1e-3)
    for sex in ("male", "female"):  # right/left at C2/C3 and C7/T1
        for i, lv in ((0, "J3"), (1, "J1")):
            assert areas[(sex, "R", lv)] / areas[(sex, "L", lv)] == pytest.approx(
                magnano[(sex, "R")][i] / magnano[(sex, "L")][i], rel=1e-3)
    # e.g. a man's right J1 / J3 = 82.0 / 41.6 = 1.971
    assert areas[("male", "R", "J1")] / areas[("male", "R", "J3")] == pytest.approx(1.971, abs=2e-3)
    calibrated = np.mean([areas[(x, s, lv)] for x in ("male", "female") for s in "RL"
                          for lv in ("J2", "J3")])
    assert calibrated == pytest.approx((np.pi * 4.96**2 + np.pi * 3.98**2) / 2, rel=1e-3)
    # the subject's own factor multiplies the sex and level factor (factors compose)
    o = sp.overrides(model, dict(base, sex=1.0, ijv_L_area_factor=2.0))
    assert float(o["vessels.IJV_L_J2.radius"].split()[0]) == \
        pytest.approx(3.98e-3 * np.sqrt(2.0 * 1.1271))
    # the anomaly-free reference keeps the subject's sex and calibre
    assert sp.overrides(model, dict(base, sex=1.0), reference=True)["vessels.IJV_R_J1.radius"] \
        == sp.overrides(model, dict(base, sex=1.0))["vessels.IJV_R_J1.radius"]


def test_overrides_of_a_subject_and_its_reference():
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    sp = vf.load_cohort_spec()
    values = sp.sample(1, seed=0).iloc[0].to_dict()
    values.update(ijv_R_stenosis=0.6, ijv_L_stenosis=0.0, azygos_stenosis=0.0,
                  valve_R_M_rg=0.2, ijv_R_area_factor=4.0, heart_rate=1.25,
                  stature_factor=1.1, cvp=5 * 133.322387415, sex=0.0)
    o = sp.overrides(model, values)
    # a man (sex 0): the right J2 reference area is 1.1679 x the model's (Magnano et al. 2016,
    # docs/cohort.md), times his own factor 4: radius 4.96 mm x sqrt(4 x 1.1679); the annulus
    # follows J1: 77.3 mm^2 x 4 x 1.7827; period 1/1.25 Hz on both paths
    assert float(o["vessels.IJV_R_J2.radius"].split()[0]) == \
        pytest.approx(4.96e-3 * np.sqrt(4 * 1.1679))
    assert float(o["elements.valve_R.annulus_area"].split()[0]) == \
        pytest.approx(4 * 1.7827 * 77.3e-6)
    assert float(o["solver.period"].split()[0]) == pytest.approx(0.8)
    assert float(o["boundary_conditions.arterial.pressure.period"].split()[0]) == \
        pytest.approx(0.8)
    assert float(o["nodes.sinus_in.height"].split()[0]) == pytest.approx(0.44)
    # vessel lengths scale with stature too (IJV_R_J2: 7.0 cm in the model)
    assert float(o["vessels.IJV_R_J2.length"].split()[0]) == pytest.approx(0.077)
    assert "IJV_R_J1" in o["stenoses"] and "diameter_reduction: 0.6" in o["stenoses"]
    assert "ijv_L" not in o["stenoses"]
    ref = sp.overrides(model, values, reference=True)
    assert "stenoses" not in ref and ref["elements.valve_R.M_rg"] == "0.0"
    assert ref["vessels.IJV_R_J2.radius"] == o["vessels.IJV_R_J2.radius"]
    m = model.copy().update(o)  # a valid model
    assert float(m.get("elements.valve_R.M_rg")) == pytest.approx(0.2)


def truncated(dist, lo, hi):
    a, b = dist.cdf(lo), dist.cdf(hi)
    return lambda x: np.clip((dist.cdf(x) - a) / (b - a), 0.0, 1.0)


def test_default_cohort_marginals_are_the_documented_ones():
    """KS of the shipped cohort's continuous marginals against the distributions written in
    docs/cohort.md (numbers typed here from the table, not read from the file)."""
    mmHg = 133.322387415
    expected = {
        "ijv_R_area_factor": truncated(stats.lognorm(s=0.565, scale=1.0), 0.05, 5.0),
        "ijv_L_area_factor": truncated(stats.lognorm(s=0.613, scale=1.0), 0.05, 5.0),
        "vv_area_factor": truncated(stats.lognorm(s=0.32, scale=1.0), 0.2, 5.0),
        "cvp": truncated(stats.norm(4 * mmHg, 1 * mmHg), 0.0, 10 * mmHg),
        "heart_rate": truncated(stats.norm(65.5 / 60, 8 / 60), 40 / 60, 110 / 60),
        "map": truncated(stats.norm(88 * mmHg, 10 * mmHg), 65 * mmHg, 125 * mmHg),
        "stature_factor": truncated(stats.norm(1.0, 0.05), 0.85, 1.15),
    }
    df = vf.load_cohort_spec().sample(2048, seed=9)
    for name, cdf in expected.items():
        assert stats.kstest(df[name], cdf).pvalue > 0.01, name
    # stenosis: share with a narrowing per group, severity uniform 50-90 % diameter
    for name, controls, ms in (("ijv_R_stenosis", 0.388, 0.420), ("ijv_L_stenosis", 0.495, 0.537)):
        for group, p in (("controls", controls), ("ms", ms)):
            x = df.loc[df.group == group, name]
            assert abs((x > 0).mean() - p) < 4 * np.sqrt(p * (1 - p) / len(x)), (name, group)
        sev = df.loc[df[name] > 0, name]
        assert stats.kstest(sev, stats.uniform(0.5, 0.4).cdf).pvalue > 0.01


def test_model_update_copies_the_document_once():
    """Model.update applies all keys to one copy (it made one document copy per key: a cohort
    subject sets about 50 keys, 13 ms each)."""
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")

    class Counting:
        copies = 0

        def __init__(self, doc):
            self._d = doc

        def copy(self):
            Counting.copies += 1
            return Counting(self._d.copy())

        def __getattr__(self, name):
            return getattr(self._d, name)

    model._doc = Counting(model._doc)
    heights = {f"nodes.{n}.height": "0.1 m" for n in model.nodes if n != "right_atrium"}
    model.update(heights, validate=False)
    assert Counting.copies == 1
    assert model.get("nodes.torcula.height").startswith("0.1")


def test_bad_files_are_located(tmp_path):
    bad = tmp_path / "syntax.yaml"
    bad.write_text("venoflow_cohort: 1\nparameters:\n  - name: x\n    source: a: b\n")
    with pytest.raises(vf.CohortSpecError, match=r"syntax.yaml:4:\d+: not valid YAML"):
        vf.load_cohort_spec(bad)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"venoflow_cohort: 1\nname: caf\xe9\n")
    with pytest.raises(vf.CohortSpecError, match=r"latin1.yaml:2:0: not UTF-8"):
        vf.load_cohort_spec(latin1)
    with pytest.raises(FileNotFoundError):
        vf.load_cohort_spec(tmp_path / "missing.yaml")
    with pytest.raises(vf.CohortSpecError, match="venoflow_cohort: 1"):
        parse_cohort_spec("venoflow_cohort: 2\nparameters: []\n", "v.yaml")


CATEGORICAL = spec_text("""\
    groups:
      a: {fraction: 0.5, source: s, tag: CHOSEN}
      b: {fraction: 0.5, source: s, tag: CHOSEN}
    parameters:
      - name: sex
        distribution: {type: categorical, categories: {male: 0.25, female: 0.75}}
        groups:
          b: {distribution: {type: categorical, categories: {male: 0.5, female: 0.5}}}
        target:
          - {scale: vessels.IJV_R_J2.radius, as: radius_from_area, factors: {male: 1.2, female: 0.8}}
          - {scale: elements.valve_R.annulus_area, factors: {male: 2, female: 0.5}}
        source: s
        tag: CHOSEN
      - name: f
        distribution: {type: lognormal, median: 1, sigma: 0.5}
        target: {scale: [vessels.IJV_R_J2.radius, vessels.IJV_R_J3.radius], as: radius_from_area}
        source: s
        tag: CHOSEN
    """)


def test_categorical_parameter_and_composed_factors():
    """Categories are drawn with their weights (per group), the table holds the index, and the
    category's factor multiplies the other scale targets of the same model value."""
    sp = parse_cohort_spec(CATEGORICAL, "c.yaml")
    p = sp.parameter("sex")
    assert p.categories == ["male", "female"] and p.dimension == "category"
    df = sp.sample(4096, seed=4)
    assert set(df.sex) == {0.0, 1.0}
    for group, female in (("a", 0.75), ("b", 0.5)):
        x = df.loc[df.group == group, "sex"]
        assert stats.binomtest(int(x.sum()), len(x), female).pvalue > 0.01, group
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    o = sp.overrides(model, {"sex": 1.0, "f": 3.0})
    # radius 4.96 mm x sqrt(0.8 x 3); J3 only by f; annulus 77.3 mm^2 x 0.5
    assert float(o["vessels.IJV_R_J2.radius"].split()[0]) == pytest.approx(4.96e-3 * np.sqrt(2.4))
    assert float(o["vessels.IJV_R_J3.radius"].split()[0]) == pytest.approx(4.96e-3 * np.sqrt(3))
    assert float(o["elements.valve_R.annulus_area"].split()[0]) == pytest.approx(38.65e-6)
    o = sp.overrides(model, {"sex": 0.0, "f": 1.0})
    assert float(o["vessels.IJV_R_J2.radius"].split()[0]) == pytest.approx(4.96e-3 * np.sqrt(1.2))
    with pytest.raises(ValueError, match="not a category index"):
        sp.overrides(model, {"sex": 2.0, "f": 1.0})


@pytest.mark.parametrize("change, key, line, message", [
    ("{male: 0.25, female: 0.75}}\n", "{male: 0.25, female: 0.7}}\n", 8, "add up to 1"),
    ("{male: 0.25, female: 0.75}}\n", "{male: 0.25, 2nd: 0.75}}\n", 8, "identifier"),
    ("{male: 0.5, female: 0.5}}}", "{female: 0.5, male: 0.5}}}", 10,
     "categories of the parameter, in its order: male, female"),
    ("factors: {male: 1.2, female: 0.8}", "factors: {male: 1.2}", 12,
     "missing a factor for female"),
    ("factors: {male: 1.2, female: 0.8}", "factors: {male: 1.2, female: 0.8, other: 1}", 12,
     "unknown category 'other'"),
    ("factors: {male: 2, female: 0.5}", "factors: {male: 2, female: -0.5}", 13,
     "positive bare factor"),
    ("factors: {male: 2, female: 0.5}", "factors: {male: 2, female: 5 mm}", 13,
     "positive bare factor"),
    ("- {scale: elements.valve_R.annulus_area, factors: {male: 2, female: 0.5}}",
     "- {set: elements.valve_R.annulus_area}", 13, "acts through {scale"),
    ("as: radius_from_area}\n    source", "as: radius_from_area, factors: {male: 1}}\n"
     "    source", 18, "need a categorical parameter"),
    ("female: 0.75}}\n", "female: 0.75}}\n    truncate: [0, 1]\n", 9, "cannot be truncated"),
    ("tag: CHOSEN\n  - name: f", "reference: other\n    tag: CHOSEN\n  - name: f", 15,
     "one of the categories male, female"),
])
def test_categorical_errors_are_located(change, key, line, message):
    text = CATEGORICAL.replace(change, key, 1)
    assert text != CATEGORICAL
    with pytest.raises(vf.CohortSpecError) as e:
        parse_cohort_spec(text, "c.yaml")
    d = e.value.diagnostics
    assert any(x.startswith(f"c.yaml:{line}:") and message in x for x in d), d
    assert len(d) == 1, d  # one mistake, one message (no follow-on errors)


def test_categorical_in_a_mixture_is_an_error():
    text = GOOD.replace("{weight: 0.25, value: 1}",
                        "{weight: 0.25, distribution: {type: categorical, categories: {a: 1}}}")
    with pytest.raises(vf.CohortSpecError, match="cannot be a mixture component"):
        parse_cohort_spec(text, "x.yaml")


def test_a_model_value_set_twice_or_set_and_scaled_is_an_error():
    """Scale targets on one value compose; a set target on a value that another target sets
    or scales is ambiguous: located at parse time for written paths, at expansion for '*'."""
    both = spec_text("""\
        parameters:
          - name: f
            distribution: {type: lognormal, median: 1, sigma: 0.5}
            target: {scale: vessels.IJV_R_J2.radius, as: radius_from_area}
            source: s
            tag: CHOSEN
          - name: r
            distribution: {type: uniform, low: 3 mm, high: 5 mm}
            target: {set: vessels.IJV_R_J2.radius}
            source: s
            tag: CHOSEN
        """)
    with pytest.raises(vf.CohortSpecError) as e:
        parse_cohort_spec(both, "b.yaml")
    assert any(x.startswith("b.yaml:11:") and "parameters.r.target" in x
               and "vessels.IJV_R_J2.radius is set here and scaled by parameter 'f'" in x
               for x in e.value.diagnostics), e.value.diagnostics
    twice = GOOD.replace("target: {scale: vessels.IJV_R_J2.radius, as: radius_from_area}",
                         "target: {scale: [vessels.IJV_R_J2.radius, vessels.IJV_R_J2.radius]}")
    with pytest.raises(vf.CohortSpecError, match=r"x.yaml:12:\d+: parameters.f.target: "
                       "vessels.IJV_R_J2.radius appears twice in the targets of parameter 'f'"):
        parse_cohort_spec(twice, "x.yaml")
    star = spec_text("""\
        parameters:
          - name: h
            distribution: {type: uniform, low: 0.9, high: 1.1}
            target: {scale: "nodes.*.height"}
            source: s
            tag: CHOSEN
          - name: z
            distribution: {type: uniform, low: 10 cm, high: 20 cm}
            target: {set: nodes.torcula.height}
            source: s
            tag: CHOSEN
        """)
    sp = parse_cohort_spec(star, "s.yaml")  # '*' is expanded against the model
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    with pytest.raises(ValueError, match="nodes.torcula.height is set by parameter 'z' and "
                       "also set or scaled by 'h'"):
        sp.overrides(model, {"h": 1.0, "z": 0.15})


def test_overrides_read_the_base_model_once_and_again_after_an_update():
    """A subject's overrides read the base model's scaled values, '*' expansions and stenoses;
    they are read once per model document (each read costs about half a millisecond and a
    subject needs dozens), and read again when Model.update replaced the document."""
    import venoflow as vf

    sp = vf.load_cohort_spec()
    m = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    v = sp.sample(2, 3)[sp.names].to_dict("records")
    first = sp.overrides(m, v[0])
    reads = []
    real_get = m._doc.get

    class Counting:
        def __init__(self, doc):
            self.doc = doc

        def get(self, path):
            reads.append(path)
            return real_get(path)

    doc = m._doc
    m.__dict__["get"] = lambda path: Counting(doc).get(path)
    second = sp.overrides(m, v[1])
    assert reads == []  # nothing read again for the next subject
    assert sp.overrides(m, v[0]) == first
    del m.__dict__["get"]
    # Model.update replaces the document: the new base value is used
    path = "vessels.IJV_R_J1.radius"
    assert path in second
    old = float(second[path].split()[0])
    m.update({path: "10 mm"})
    new = float(sp.overrides(m, v[1])[path].split()[0])
    r0 = float(vf.load_model(ROOT / "models/cerebral_venous.yaml").get(path).split()[0]) * 1e-3
    assert new == pytest.approx(old * 0.010 / r0, rel=1e-12)
