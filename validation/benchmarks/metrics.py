"""Error metrics and comparison helpers for the published 1D benchmark cases.

Definitions follow ``validation/benchmarks/METRICS.md`` of the shared benchmark collection (reconstructed from Xiao
et al. 2014, Alastruey et al. 2011 and Boileau et al. 2015, doi:10.1002/cnm.2732). x_i is the
solver value, r_i the reference value at time i, over one converged cardiac cycle:

* pressure:  RMS = sqrt(mean(((x-r)/r)^2)),  MAX = max |x-r|/r,
             SYS = |max x - max r| / max r,  DIAS = |min x - min r| / min r
* flow:      the same four quantities, every difference divided by max_j |r_j|
* radius change (wall displacement): as for flow, divided by max_j r_j of the reference
  dr, where both dr are taken relative to their own cycle minimum.

All functions return fractions (0.0019 = 0.19 %). Everything here is plain numpy so that the
metrics can be checked without the solver.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

KPA = 1.0e3  # Pa
ML_PER_S = 1.0e-6  # m^3/s
MM = 1.0e-3  # m

#: 3D CCA file (Xiao et al. 2014): 3D time t corresponds to cycle phase t + 0.058 s
#: (shared benchmarks 02_common_carotid/README.md, "Time alignment").
CCA_3D_PHASE_SHIFT = 0.058

#: order of quantities in the tables
QUANTITIES = ("P", "Q", "dr")
METRIC_NAMES = {"P": ("RMS", "MAX", "SYS", "DIAS"), "Q": ("RMS", "MAX", "SYS", "DIAS"),
                "dr": ("RMS", "MAX", "SYS")}


# --------------------------------------------------------------------------------------------
# reference files
# --------------------------------------------------------------------------------------------
@dataclass
class Waveform:
    """Time series at one location, SI units: t [s], P [Pa], Q [m^3/s], dr [m], dP [Pa]."""

    t: np.ndarray
    P: np.ndarray
    Q: np.ndarray
    dr: np.ndarray
    dP: np.ndarray | None = None

    def select(self, mask_or_index) -> "Waveform":
        return Waveform(self.t[mask_or_index], self.P[mask_or_index], self.Q[mask_or_index],
                        self.dr[mask_or_index],
                        None if self.dP is None else self.dP[mask_or_index])


def load_reference(path: str | Path) -> Waveform:
    """Read a Boileau-benchmark FV_* / B3D_* file (columns t [s], P [kPa], Q [ml/s], dr [mm],
    optional 5th column P(inlet)-P(outlet) [kPa]) and convert to SI."""
    a = np.loadtxt(path)
    if a.ndim != 2 or a.shape[1] < 4:
        raise ValueError(f"{path}: expected at least 4 columns, got shape {a.shape}")
    dP = a[:, 4] * KPA if a.shape[1] >= 5 else None
    return Waveform(a[:, 0], a[:, 1] * KPA, a[:, 2] * ML_PER_S, a[:, 3] * MM, dP)


# --------------------------------------------------------------------------------------------
# cycle extraction, resampling, alignment
# --------------------------------------------------------------------------------------------
def last_cycle_index(t: np.ndarray, period: float, tol: float = 1e-9) -> int:
    """Index k of the last *complete* cycle [k T, (k+1) T) covered by samples t.

    A cycle counts as complete when the samples reach (k+1) T - dt, i.e. the next cycle's
    first sample need not be present (FV_carotid.dat ends at 9.999 s: last cycle [8.8, 9.9))."""
    t = np.asarray(t, dtype=float)
    dt = np.median(np.diff(t)) if t.size > 1 else 0.0
    k = int(np.floor((t[-1] + dt + tol * max(1.0, period)) / period)) - 1
    if k < 0 or t[0] > k * period + tol:
        raise ValueError("the samples do not cover one complete cycle")
    return k


def last_cycle(t: np.ndarray, y: np.ndarray | None = None, period: float = 1.0,
               tol: float = 1e-9):
    """Samples of the last complete cycle. Returns (phase, y_cycle, t0) with phase = t - t0 in
    [0, T) and t0 = k T. ``y`` may be None (then only the mask's phases are returned) or an
    array whose first axis is time."""
    t = np.asarray(t, dtype=float)
    k = last_cycle_index(t, period, tol)
    t0 = k * period
    mask = (t >= t0 - tol) & (t < t0 + period - tol)
    phase = t[mask] - t0
    return phase, (None if y is None else np.asarray(y)[mask]), t0


def waveform_last_cycle(w: Waveform, period: float) -> Waveform:
    """The last complete cycle of a Waveform, times converted to phase in [0, T)."""
    t = np.asarray(w.t, dtype=float)
    k = last_cycle_index(t, period)
    t0 = k * period
    tol = 1e-9
    mask = (t >= t0 - tol) & (t < t0 + period - tol)
    out = w.select(mask)
    out.t = out.t - t0
    return out


def resample_periodic(phase: np.ndarray, y: np.ndarray, period: float,
                      t_new: np.ndarray) -> np.ndarray:
    """Linear interpolation of one periodic cycle (samples at ``phase`` in [0, T)) at the
    times ``t_new`` (any real numbers, taken modulo T)."""
    return np.interp(np.mod(t_new, period), np.asarray(phase, dtype=float),
                     np.asarray(y, dtype=float), period=period)


def on_reference_times(sim_cycle: Waveform, t_ref: np.ndarray, period: float,
                       shift: float = 0.0) -> Waveform:
    """Interpolate a simulated (or FV) cycle onto reference sample times. The reference sample
    at time t is compared with the cycle phase t + ``shift`` (3D CCA: shift = +0.058 s)."""
    tq = np.asarray(t_ref, dtype=float) + shift
    f = lambda y: None if y is None else resample_periodic(sim_cycle.t, y, period, tq)  # noqa: E731
    return Waveform(np.asarray(t_ref, dtype=float), f(sim_cycle.P), f(sim_cycle.Q),
                    f(sim_cycle.dr), f(sim_cycle.dP))


def best_circular_shift(x: np.ndarray, r: np.ndarray, dt: float) -> float:
    """Circular shift s (time units) that minimises the RMS difference between x and r, both
    sampled at the same uniform step dt over one cycle: x(t + s) best matches r(t)
    (np.roll(x, -s/dt) ~ r). s > 0 means x lags behind r; s is the extra shift to add to the
    ``shift`` of on_reference_times. Result in (-T/2, T/2]."""
    x = np.asarray(x, dtype=float)
    r = np.asarray(r, dtype=float)
    if x.shape != r.shape:
        raise ValueError("x and r must have the same length")
    n = x.size
    # cost(k) = sum (x[i+k] - r[i])^2 ; minimise -> maximise circular cross-correlation
    xc = x - x.mean()
    rc = r - r.mean()
    corr = np.real(np.fft.ifft(np.fft.fft(xc) * np.conj(np.fft.fft(rc))))  # corr[k]=sum x[i+k] r[i]
    cost = np.sum(xc**2) + np.sum(rc**2) - 2.0 * corr + n * (x.mean() - r.mean())**2
    k = int(np.argmin(cost))
    if k > n // 2:
        k -= n
    return k * dt


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------
def _arrays(x, r):
    x = np.asarray(x, dtype=float)
    r = np.asarray(r, dtype=float)
    if x.shape != r.shape:
        raise ValueError(f"shape mismatch {x.shape} vs {r.shape}")
    if x.size == 0:
        raise ValueError("empty arrays")
    return x, r


def pressure_errors(x, r) -> dict:
    """Relative errors for a quantity that stays well above zero (pressure)."""
    x, r = _arrays(x, r)
    if np.any(r <= 0):
        raise ValueError("pressure metrics need a strictly positive reference")
    return {
        "RMS": float(np.sqrt(np.mean(((x - r) / r) ** 2))),
        "MAX": float(np.max(np.abs(x - r) / r)),
        "SYS": float(abs(x.max() - r.max()) / r.max()),
        "DIAS": float(abs(x.min() - r.min()) / r.min()),
    }


def peak_normalised_errors(x, r) -> dict:
    """Errors normalised by the reference peak max_j |r_j| (flow)."""
    x, r = _arrays(x, r)
    scale = np.max(np.abs(r))
    if scale == 0:
        raise ValueError("reference is identically zero")
    return {
        "RMS": float(np.sqrt(np.mean((x - r) ** 2)) / scale),
        "MAX": float(np.max(np.abs(x - r)) / scale),
        "SYS": float(abs(x.max() - r.max()) / scale),
        "DIAS": float(abs(x.min() - r.min()) / scale),
    }


flow_errors = peak_normalised_errors


def radius_change_errors(x, r) -> dict:
    """Wall-displacement errors: both series taken relative to their own cycle minimum, then
    normalised by the peak of the reference dr."""
    x, r = _arrays(x, r)
    x = x - x.min()
    r = r - r.min()
    return peak_normalised_errors(x, r)


def compare_waveforms(sim: Waveform, ref: Waveform) -> dict:
    """Metrics for P, Q, dr of two waveforms sampled at the same times (one cycle)."""
    return {"P": pressure_errors(sim.P, ref.P), "Q": flow_errors(sim.Q, ref.Q),
            "dr": radius_change_errors(sim.dr, ref.dr)}


def compare_cycle_to_reference(sim_cycle: Waveform, ref: Waveform, period: float,
                               shift: float = 0.0) -> tuple[dict, dict]:
    """Interpolate ``sim_cycle`` (phase in [0,T)) onto the reference's times (+ shift) and compute
    the metrics. ``ref`` must be one cycle (use waveform_last_cycle for FV files). Returns
    (metrics, info) where info has the best-fit circular shift of P and Q (s) after alignment."""
    on_ref = on_reference_times(sim_cycle, ref.t, period, shift)
    m = compare_waveforms(on_ref, ref)
    dt = float(np.median(np.diff(ref.t)))
    info = {"shift_applied": shift,
            "best_shift_P": best_circular_shift(on_ref.P, ref.P, dt),
            "best_shift_Q": best_circular_shift(on_ref.Q, ref.Q, dt)}
    return m, info


def cycle_to_cycle_change(t: np.ndarray, y: np.ndarray, period: float) -> float:
    """max |y(last cycle) - y(previous cycle)| / range(y(last cycle)), for a periodicity check."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    k = last_cycle_index(t, period)
    if k < 1:
        return float("nan")
    tol = 1e-9
    cur = (t >= k * period - tol) & (t < (k + 1) * period - tol)
    ph = t[cur] - k * period
    prv = (t >= (k - 1) * period - tol) & (t < k * period - tol)
    yp = np.interp(ph, t[prv] - (k - 1) * period, y[prv])
    rng = np.ptp(y[cur])
    return float(np.max(np.abs(y[cur] - yp)) / (rng if rng > 0 else 1.0))


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------
def pct(v: float, digits: int = 2) -> str:
    return f"{100.0 * v:.{digits}f}"


def markdown_table(rows: dict[str, dict], title: str = "location") -> str:
    """rows: {location: {"P": {...}, "Q": {...}, "dr": {...}}} -> Markdown table in percent."""
    head = (f"| {title} | P RMS / MAX / SYS / DIAS (%) | Q RMS / MAX / SYS / DIAS (%) | "
            f"Δr RMS / MAX / SYS (%) |\n|---|---|---|---|\n")
    lines = []
    for loc, m in rows.items():
        cells = [" / ".join(pct(m[q][k]) for k in METRIC_NAMES[q]) for q in QUANTITIES]
        lines.append(f"| {loc} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# the FV-vs-3D yardsticks of the shared benchmark READMEs
# --------------------------------------------------------------------------------------------
DATA_DIR = Path(__file__).resolve().parent / "data"

#: (label, FV file, 3D file, period, phase shift of the 3D file) per comparison location
REFERENCE_LOCATIONS = {
    "common_carotid": [
        ("CCA mid", "common_carotid/FV_carotid.dat", "common_carotid/B3D_commoncarotid.txt",
         1.1, CCA_3D_PHASE_SHIFT),
    ],
    "aortic_bifurcation": [
        ("aorta mid", "aortic_bifurcation/FV_aorta-bif.dat", "aortic_bifurcation/B3D_AortaMid.txt",
         1.1, 0.0),
        ("junction", "aortic_bifurcation/FV_aorta_bif-bif.dat",
         "aortic_bifurcation/B3D_Junction.txt", 1.1, 0.0),
        ("iliac mid", "aortic_bifurcation/FV_iliac-bif.dat", "aortic_bifurcation/B3D_IliacMid.txt",
         1.1, 0.0),
    ],
}

#: FV vs 3D yardstick as printed in validation/benchmarks/METRICS.md and the case READMEs (percent)
PUBLISHED_YARDSTICK = {
    "CCA mid": {"P": (0.19, 0.46, 0.28, 0.29), "Q": (0.59, 2.09, 0.58, 0.25),
                "dr": (1.03, 1.84, 1.79)},
    "aorta mid": {"P": (0.47, 0.83, 0.55, 0.53), "Q": (0.91, 2.71, 2.44, 1.16),
                  "dr": (1.40, 2.95, 2.65)},
    "junction": {"P": (0.50, 0.94, 0.72, 0.57), "Q": (1.11, 3.31, 3.26, 1.74),
                 "dr": (2.47, 5.20, 4.98)},
    "iliac mid": {"P": (0.53, 1.04, 0.85, 0.57), "Q": (0.54, 1.94, 1.58, 1.18),
                  "dr": (2.29, 5.26, 4.96)},
}


def fv_vs_3d(data_dir: str | Path = DATA_DIR) -> dict:
    """Recompute the FV-vs-3D yardstick from the copied data files:
    {label: (metrics, info)}."""
    data_dir = Path(data_dir)
    out = {}
    for locs in REFERENCE_LOCATIONS.values():
        for label, fv, b3d, period, shift in locs:
            fv_cycle = waveform_last_cycle(load_reference(data_dir / fv), period)
            ref = load_reference(data_dir / b3d)
            out[label] = compare_cycle_to_reference(fv_cycle, ref, period, shift)
    return out


if __name__ == "__main__":  # print the yardstick table
    res = fv_vs_3d()
    print(markdown_table({k: v[0] for k, v in res.items()}))
    for k, (_, info) in res.items():
        print(f"{k}: best-fit residual shift P {info['best_shift_P']*1e3:+.0f} ms, "
              f"Q {info['best_shift_Q']*1e3:+.0f} ms")
