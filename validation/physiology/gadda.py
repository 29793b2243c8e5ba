"""Model-to-model regression against Gadda et al. 2015 (Am J Physiol Heart Circ Physiol), the 0D
cerebral venous model with posture (docs/physiology.md A2, F5).

Gadda's published outputs [READ-3P: Italian summary of PubMed 25398980; the same numbers are the
reference data of a third-party re-implementation], supine / upright:
jugular 11.74 / 1.38 ml/s, vertebral 0.79 / 3.39 ml/s, other collaterals 0 / 7.7 ml/s,
CBF 12.5 ml/s in both, sinus pressure about 6 and ICP about 10 mmHg "stated constant".

Scenarios models/scenarios/gadda2015_supine.yaml / gadda2015_upright.yaml: the default model at
Gadda's boundary conditions (q_n 12.5 ml/s, P_a 100 mmHg, P_cv 5 mmHg), default physics.

Mapping of Gadda's three routes onto the model's outflow pathways (metrics.pathways of
models/cerebral_venous.yaml, mid-point flows of the listed vessels):
  jugular           = ijv_R + ijv_L                      (IJV_R_J1 + IJV_L_J1: both IJVs at J1)
  vertebral         = vertebral                          (VV_L + VV_R)
  other collaterals = plexus_and_collaterals + azygos    (deep cervical and external jugular
                      veins, and the epidural plexus to the azygos arch)
Gadda's routes add up to CBF (11.74 + 0.79 + 0 = 12.53; 1.38 + 3.39 + 7.7 = 12.47 ml/s), so
every non-jugular, non-vertebral route of the model is "other". The model's collaterals leave
the skull through the condylar/mastoid emissaries and the occipital sinus, Gadda's through the
c3/c2 collateral nodes; the correspondence is by route class, not by vessel.
"""
from __future__ import annotations

#: Gadda 2015 published values [READ-3P] (docs/physiology.md A2 table).
PUBLISHED = {
    "supine": {"jugular": 11.74, "vertebral": 0.79, "other": 0.0, "cbf": 12.5,
               "sinus_pressure": 6.0, "icp": 10.0},
    "upright": {"jugular": 1.38, "vertebral": 3.39, "other": 7.7, "cbf": 12.5,
                "sinus_pressure": 6.0, "icp": 10.0},
}

#: Tolerances (absolute, in the quantity's unit) [CHOSEN]:
#: * route flows +- 1.25 ml/s = 10 % of Gadda's CBF: the two models share the layout (docs/
#:   physiology.md C3) but not the collateral conductances (Gadda Table 3 not read), so the
#:   regression asks for the same split of outflow between route classes to within a tenth of CBF;
#: * CBF +- 5 % (0.625 ml/s): both autoregulate to the same set point q_n = 12.5 ml/s; the
#:   residual is the autoregulation's finite gain (G_aut) at a changed perfusion pressure;
#: * sinus pressure and ICP +- 1.5 mmHg: Gadda's values are given as "about 6" and "about 10".
TOLERANCE = {"jugular": 1.25, "vertebral": 1.25, "other": 1.25, "cbf": 0.625,
             "sinus_pressure": 1.5, "icp": 1.5}
UNITS = {"jugular": "ml/s", "vertebral": "ml/s", "other": "ml/s", "cbf": "ml/s",
         "sinus_pressure": "mmHg", "icp": "mmHg"}
LABELS = {"jugular": "jugular flow (IJV R + L)", "vertebral": "vertebral flow (VV R + L)",
          "other": "other collaterals (plexus and collaterals + azygos route)", "cbf": "CBF",
          "sinus_pressure": "sinus pressure (sinus port, 30 cm above RA)", "icp": "ICP"}
SCENARIOS = {"supine": "gadda2015_supine", "upright": "gadda2015_upright"}


def model_values(s: dict) -> dict:
    """The compared quantities from a summary (validation/physiology/summary.py), in ml/s, mmHg."""
    pw = s["pathways"]
    return {"jugular": (pw["ijv_R"] + pw["ijv_L"]) / 60.0,
            "vertebral": pw["vertebral"] / 60.0,
            "other": (pw["plexus_and_collaterals"] + pw["azygos"]) / 60.0,
            "cbf": s["cbf"] / 60.0,
            "sinus_pressure": s["sinus_pressure"],
            "icp": s["icp"]}


def rows(R: dict) -> list[dict]:
    """One row per posture and quantity: published, simulated, difference, tolerance, verdict
    ('pass' within the tolerance, 'deviation' outside, 'not run')."""
    out = []
    for posture, scen in SCENARIOS.items():
        m = model_values(R[scen]) if scen in R else {}
        for q, v in PUBLISHED[posture].items():
            sim = m.get(q)
            tol = TOLERANCE[q]
            verdict = "not run" if sim is None else ("pass" if abs(sim - v) <= tol else "deviation")
            out.append({"id": f"gadda2015:{posture}:{q}", "posture": posture, "quantity": q,
                        "label": LABELS[q], "scenario": scen, "published": v, "simulated": sim,
                        "difference": None if sim is None else sim - v, "tolerance": tol,
                        "units": UNITS[q], "band": [v - tol, v + tol], "verdict": verdict})
    return out


def report_lines(rs: list[dict]) -> list[str]:
    L = ["## Model-to-model regression: Gadda et al. 2015", "",
         "Scenarios gadda2015_supine / gadda2015_upright: the default model at Gadda's boundary "
         "conditions (CBF set point 12.5 ml/s, mean arterial pressure 100 mmHg at heart level, "
         "central venous pressure 5 mmHg), default physics. Published values [READ-3P] "
         "(docs/physiology.md A2, F5). Routes: jugular = IJV R + L (J1); vertebral = VV R + L; "
         "other collaterals = plexus_and_collaterals + azygos pathways (every non-jugular, "
         "non-vertebral route: Gadda's three routes add up to CBF). Tolerances [CHOSEN]: route "
         "flows ± 1.25 ml/s (10 % of CBF), CBF ± 5 %, sinus pressure and ICP ± 1.5 mmHg (Gadda "
         "gives 'about 6' and 'about 10'). A deviation is reported, not tuned away: Gadda's "
         "collateral conductances (Table 3) were not read, and Gadda's 0D model has no spinal CSF "
         "space either.", "",
         "| posture | quantity | Gadda 2015 | model | difference | tolerance | units | verdict |",
         "|---|---|---|---|---|---|---|---|"]
    for r in rs:
        sim = "—" if r["simulated"] is None else f"{r['simulated']:.3g}"
        dif = "—" if r["difference"] is None else f"{r['difference']:+.3g}"
        L.append(f"| {r['posture']} | {r['label']} | {r['published']:g} | {sim} | {dif} | ± {r['tolerance']:g} | "
                 f"{r['units']} | {r['verdict']} |")
    L.append("")
    return L
