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
    right_dominant = (77.3 * df.ijv_R_area_factor > 49.8 * df.ijv_L_area_factor).mean()
    assert 0.66 < right_dominant < 0.74
    # narrowing > 50 % of at least one vein (Traboulsee et al. 2014): 74 % MS, 70 % controls
    any_sten = (df.ijv_R_stenosis > 0) | (df.ijv_L_stenosis > 0) | (df.azygos_stenosis > 0)
    for group, published in (("ms", 0.74), ("controls", 0.70)):
        sel = df.group == group
        assert abs(any_sten[sel].mean() - published) < 0.03, group
    assert abs((df.group == "ms").mean() - 0.5) < 0.02


def test_overrides_of_a_subject_and_its_reference():
    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    sp = vf.load_cohort_spec()
    values = sp.sample(1, seed=0).iloc[0].to_dict()
    values.update(ijv_R_stenosis=0.6, ijv_L_stenosis=0.0, azygos_stenosis=0.0,
                  valve_R_M_rg=0.2, ijv_R_area_factor=4.0, heart_rate=1.25,
                  stature_factor=1.1, cvp=5 * 133.322387415)
    o = sp.overrides(model, values)
    # radius x sqrt(4) = 2 x 4.96 mm; annulus x 4; period 1/1.25 Hz on both paths
    assert float(o["vessels.IJV_R_J2.radius"].split()[0]) == pytest.approx(9.92e-3)
    assert float(o["elements.valve_R.annulus_area"].split()[0]) == pytest.approx(4 * 77.3e-6)
    assert float(o["solver.period"].split()[0]) == pytest.approx(0.8)
    assert float(o["boundary_conditions.arterial.pressure.period"].split()[0]) == \
        pytest.approx(0.8)
    assert float(o["nodes.sinus_in.height"].split()[0]) == pytest.approx(0.44)
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
