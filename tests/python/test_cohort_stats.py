"""venoflow.stats (2x2 tables, Wilson intervals, ROC, case-control against the population)
against tables computed by hand, and venoflow.sensitivity against the analytic Sobol indices of
the Ishigami function."""

import math
import textwrap

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")
pytest.importorskip("scipy")
from venoflow import stats  # noqa: E402


def table(tp, fp, fn, tn):
    """test/truth arrays that make the given 2x2 table."""
    test = [True] * tp + [True] * fp + [False] * fn + [False] * tn
    truth = [True] * tp + [False] * fp + [True] * fn + [False] * tn
    return np.array(test), np.array(truth)


def test_wilson_interval_by_hand():
    # k = 8, n = 10, z = 1.959964: centre (8 + 1.920729)/13.841459 = 0.716740,
    # half = 1.959964 sqrt(1.6 + 0.960365)/13.841459 = 0.226578 -> (0.490162, 0.943318)
    lo, hi = stats.wilson(8, 10)
    assert lo == pytest.approx(0.490162, abs=2e-6)
    assert hi == pytest.approx(0.943318, abs=2e-6)
    # k = 0: lower bound 0, upper z^2/(n + z^2) = 3.841459/23.841459 = 0.161125 (n = 20)
    lo, hi = stats.wilson(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.161125, abs=2e-6)
    assert all(math.isnan(x) for x in stats.wilson(0, 0))
    with pytest.raises(ValueError):
        stats.wilson(3, 2)


def test_two_by_two_by_hand():
    # Zamboni et al. 2009 style numbers: 40 tp, 5 fp, 10 fn, 45 tn
    t = stats.two_by_two(*table(40, 5, 10, 45))
    assert (t.tp, t.fp, t.fn, t.tn, t.n) == (40, 5, 10, 45, 100)
    assert t.sensitivity[0] == pytest.approx(0.8)       # 40/50
    assert t.specificity[0] == pytest.approx(0.9)       # 45/50
    assert t.ppv[0] == pytest.approx(40 / 45)
    assert t.npv[0] == pytest.approx(45 / 55)
    assert t.prevalence[0] == pytest.approx(0.5)
    # Wilson 40/50: centre (40 + 1.920729)/53.841459 = 0.778596, half 1.959964
    # sqrt(8 + 0.960365)/53.841459 = 0.108967
    assert t.sensitivity[1] == pytest.approx((0.669629, 0.887562), abs=2e-6)
    d = t.as_dict()
    assert d["specificity"] == pytest.approx(0.9) and d["n"] == 100


def test_missing_values_are_left_out_and_counted():
    test = [True, False, None, True, float("nan")]
    truth = [True, True, True, None, False]
    t = stats.two_by_two(test, truth)
    assert (t.tp, t.fp, t.fn, t.tn, t.missing) == (1, 0, 1, 0, 3)


def test_roc_of_an_ordinal_score_by_hand():
    # counts 0..3; positives have scores [3, 2, 2, 1], negatives [0, 1, 1, 0]
    score = [3, 2, 2, 1, 0, 1, 1, 0]
    truth = [1, 1, 1, 1, 0, 0, 0, 0]
    r = stats.roc(score, truth)
    np.testing.assert_array_equal(r.thresholds, [3, 2, 1, 0])
    np.testing.assert_allclose(r.tpr, [0, 0.25, 0.75, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(r.fpr, [0, 0, 0, 0.5, 1.0, 1.0])
    # Mann-Whitney: pairs (pos > neg) + ties/2 over 16: pos 3,2,2 beat all 4 (12), pos 1 beats
    # the two 0 and ties the two 1 -> 12 + 2 + 1 = 15 -> 15/16
    assert r.auc == pytest.approx(15 / 16)


def test_case_control_inflates_apparent_accuracy():
    """The spectrum effect by hand: the population holds intermediate subjects on which the
    test is poor; a case-control design (extreme cases against clean controls) leaves them out.
    """
    # 10 severe cases (9 test+), 10 clean controls (1 test+), 20 intermediate subjects: 10
    # with the effect (4 test+), 10 without (6 test+).
    test = [True] * 9 + [False] + [True] + [False] * 9 + [True] * 4 + [False] * 6 + \
        [True] * 6 + [False] * 4
    truth = [True] * 10 + [False] * 10 + [True] * 10 + [False] * 10
    case = [True] * 10 + [False] * 30
    control = [False] * 10 + [True] * 10 + [False] * 20
    s = stats.spectrum(test, truth, case, control)
    assert s.loc["case_control", "sensitivity"] == pytest.approx(0.9)     # 9/10
    assert s.loc["case_control", "specificity"] == pytest.approx(0.9)     # 9/10
    assert s.loc["population", "sensitivity"] == pytest.approx(13 / 20)   # (9 + 4)/20
    assert s.loc["population", "specificity"] == pytest.approx(13 / 20)   # (9 + 4)/20
    with pytest.raises(ValueError, match="both a case and a control"):
        stats.case_control(test, truth, [True] * 40, [True] * 40)


def ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    """Analytic indices (a = 7, b = 0.1; Ishigami & Homma 1990, Saltelli et al. 2008 p. 179):
    V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8446; S1 = 0.3139, 0.4424, 0;
    ST = 0.5576, 0.4424, 0.2437."""
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 / 18 - b ** 2 * np.pi ** 8 / 50
    v = v1 + v2 + v13
    s1 = np.array([v1 / v, v2 / v, 0.0])
    st = np.array([(v1 + v13) / v, v2 / v, v13 / v])
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)

    problem = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    res = vf.sensitivity(problem, n=4096, seed=1, function=ishigami, progress=False)
    d = res.indices.loc["y"]
    for j, name in enumerate(problem["names"]):
        # within the bootstrap interval, and close in absolute terms
        assert abs(d.loc[name, "S1"] - s1[j]) <= max(d.loc[name, "S1_conf"], 0.01), name
        assert abs(d.loc[name, "ST"] - st[j]) <= max(d.loc[name, "ST_conf"], 0.01), name
        assert abs(d.loc[name, "S1"] - s1[j]) < 0.03 and abs(d.loc[name, "ST"] - st[j]) < 0.03
        assert 0 < d.loc[name, "ST_conf"] < 0.05
    assert d["converged"].all()
    assert res.evaluations == 2 * 4096 * (3 + 2)  # the N estimate reuses the 2N sample's head


def test_sensitivity_convergence_flags_an_unconverged_estimate():
    """With N = 4 the estimates at N and 2N differ by more than their interval for some index
    of the Ishigami function (an estimate that cannot converge on so few points)."""
    problem = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    res = vf.sensitivity(problem, n=4, seed=1, function=ishigami, progress=False,
                         num_resamples=50)
    assert not res.indices["converged"].all()
    # wide intervals do not make an estimate converged: at N = 64 every ST interval of the
    # Ishigami function is wider than 0.01, so precision=0.01 flags them all
    res = vf.sensitivity(problem, n=64, seed=1, function=ishigami, progress=False,
                         num_resamples=50, precision=0.01)
    assert (res.indices["ST_conf"] > 0.01).all() and not res.indices["converged"].any()


def test_the_n_estimate_is_the_head_of_the_2n_sample():
    """The convergence check estimates the indices at N on the first N (d + 2) points of the
    2N sample: those points are the N sample itself (SALib's scrambled Sobol sequence of 2N
    points begins with that of N points, and Saltelli's matrices come base point by base point),
    so the N-side indices equal those of a study run at N alone, without its own evaluations."""
    from SALib.sample import sobol as sobol_sample

    problem = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    prob = {"num_vars": 3, **problem}
    small = sobol_sample.sample(prob, 64, calc_second_order=False, seed=5)
    large = sobol_sample.sample(prob, 128, calc_second_order=False, seed=5)
    np.testing.assert_array_equal(small, large[:len(small)])
    seen = []

    def counted(X):
        seen.append(len(X))
        return ishigami(X)

    both = vf.sensitivity(problem, n=64, seed=5, function=counted, progress=False,
                          num_resamples=50)
    alone = vf.sensitivity(problem, n=64, seed=5, function=ishigami, progress=False,
                           convergence=False, num_resamples=50)
    assert seen == [128 * 5]  # one batch of 2N (d + 2) points, nothing else
    np.testing.assert_allclose(both.indices["S1_N"], alone.indices["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(both.indices["ST_N"], alone.indices["ST"], rtol=0, atol=1e-12)



def test_failed_evaluations_nan_or_dropped_by_block():
    """A failed evaluation (NaN output) makes every index NaN by default; with
    on_failure="drop" the base points whose block holds a NaN are left out, counted, and the
    indices of the Ishigami function on the rest stay within their intervals of the analytic
    values (failures independent of the inputs do not bias the estimate)."""
    problem = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    rng = np.random.default_rng(0)

    def failing(X):
        y = ishigami(X)
        y[rng.random(len(y)) < 0.002] = np.nan  # about 1 % of the 5-point blocks
        return y

    res = vf.sensitivity(problem, n=2048, seed=1, function=failing, progress=False,
                         num_resamples=100)
    assert res.indices["S1"].isna().all() and res.dropped is None
    res = vf.sensitivity(problem, n=2048, seed=1, function=failing, progress=False,
                         num_resamples=100, on_failure="drop")
    assert 0 < res.dropped["y"] < 0.05 * 4096
    d = res.indices.loc["y"]
    st = [0.5576, 0.4424, 0.2437]
    s1 = [0.3139, 0.4424, 0.0]
    for j, name in enumerate(problem["names"]):
        assert abs(d.loc[name, "S1"] - s1[j]) <= max(d.loc[name, "S1_conf"], 0.02), name
        assert abs(d.loc[name, "ST"] - st[j]) <= max(d.loc[name, "ST_conf"], 0.02), name
    with pytest.raises(ValueError, match="on_failure"):
        vf.sensitivity(problem, n=4, function=ishigami, on_failure="skip")

def synthetic_cohort():
    """A cohort table made by hand (no model runs): 8 subjects, the spec's one anomaly
    parameter ``sten`` (reference 0), effects in Pa, the test column ``ccsvi``."""
    import pandas as pd

    spec = textwrap.dedent("""\
        venoflow_cohort: 1
        name: hand
        parameters:
          - name: sten
            distribution: {type: uniform, low: 0, high: 1}
            reference: 0
            target: {set: elements.valve_R.M_rg}
            source: s
            tag: CHOSEN
        """)
    mm = 133.322387415
    sinus = np.array([3.0, 2.0, 1.5, 0.2, 0.0, 0.0, 0.5, 0.0]) * mm  # supine rise, mmHg
    df = pd.DataFrame({
        "subject": range(8),
        "sten": [0.9, 0.8, 0.7, 0.3, 0.0, 0.0, 0.5, 0.0],
        "ccsvi": [True, True, False, False, False, True, True, False],
        "count": [3, 2, 1, 1, 0, 2, 2, 0],
        "effect_supine_sinus_pressure": sinus,
        "effect_upright_sinus_pressure": np.zeros(8),
        "effect_supine_icp_mean": sinus, "effect_upright_icp_mean": np.zeros(8),
        "effect_supine_cbf_rel": np.zeros(8), "effect_upright_cbf_rel": np.zeros(8),
        "complete": [True] * 8,
    })
    df.attrs["spec_yaml"] = spec
    return df


def test_study_report_by_hand():
    df = synthetic_cohort()
    r = vf.study_report(df, case_fraction=0.5)
    # relevant (>= 1 mmHg): subjects 0, 1, 2; ccsvi: 0, 1, 5, 6
    # -> tp 2 (0, 1), fp 2 (5, 6), fn 1 (2), tn 3 (3, 4, 7)
    assert (r.table.tp, r.table.fp, r.table.fn, r.table.tn) == (2, 2, 1, 3)
    assert r.prevalence.loc["ccsvi", "prevalence"] == pytest.approx(0.5)
    assert r.prevalence.loc["relevant effect", "prevalence"] == pytest.approx(3 / 8)
    # cases: the top half of the relevant ones by effect: severities 3, 2, 1.5 -> the 50 %
    # quantile is 2.0 -> subjects 0, 1; clean controls: sten == 0 -> 4, 5, 7
    assert (r.cases, r.controls) == (2, 3)
    cc = r.spectrum.loc["case_control"]
    assert (cc.tp, cc.fp, cc.fn, cc.tn) == (2, 1, 0, 2)
    assert cc.sensitivity == pytest.approx(1.0) and cc.specificity == pytest.approx(2 / 3)
    pop = r.spectrum.loc["population"]
    assert pop.sensitivity == pytest.approx(2 / 3) and pop.specificity == pytest.approx(3 / 5)
    # ROC of the count: positives 3, 2, 1; negatives 1, 0, 2, 2, 0: pairs won 1.5+... by hand:
    # pos 3 beats 5 (5); pos 2 beats 1, 0, 0 and ties 2, 2 (3 + 1); pos 1 beats 0, 0, ties 1
    # (2 + 0.5) -> 11.5 / 15
    assert r.roc.auc == pytest.approx(11.5 / 15)
    assert "case-control" in str(r)
