"""Plots (matplotlib). Every function draws into ``ax`` (a new figure if None) and returns it."""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from ._model import Model
from ._results import Results

_SCALE = {"pressure": (1 / 133.322, "mmHg"), "flow": (1e6, "ml/s"), "area": (1e6, "mm²")}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def waveforms(results: Results, vessels: Iterable[str] | str | None = None,
              quantity: str = "pressure", x: float | str = "mid", ax=None):
    """``quantity`` ("pressure" [mmHg], "flow" [ml/s] or "area" [mm²]) against time [s] at
    position ``x`` ("inlet", "mid", "outlet" or metres) of each vessel (default: all)."""
    ax = _axes(ax)
    names = results.vessels if vessels is None else (
        [vessels] if isinstance(vessels, str) else list(vessels))
    k, unit = _SCALE[quantity]
    for v in names:
        ax.plot(results.time, results.series(v, quantity, x) * k, label=f"{v} ({x})")
    ax.set_xlabel("time [s]")
    ax.set_ylabel(f"{quantity} [{unit}]")
    ax.legend()
    return ax


def _spring_layout(nodes: list[str], edges: list[tuple[str, str]], iterations: int = 200,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Fruchterman-Reingold layout in numpy (deterministic for a given seed)."""
    n = len(nodes)
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, (n, 2))
    if n == 1:
        return {nodes[0]: np.zeros(2)}
    idx = {name: i for i, name in enumerate(nodes)}
    e = np.array([(idx[a], idx[b]) for a, b in edges], dtype=int).reshape(-1, 2)
    k = 1.0 / np.sqrt(n)
    temp = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        disp = ((k * k / dist**2)[..., None] * delta).sum(axis=1)
        if len(e):
            d = pos[e[:, 0]] - pos[e[:, 1]]
            dl = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            f = (dl / k)[:, None] * d
            np.add.at(disp, e[:, 0], -f)
            np.add.at(disp, e[:, 1], f)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        temp *= 0.98
    return {name: pos[i] for i, name in enumerate(nodes)}


def network(model: Model, results: Results | None = None, ax=None, layout: str = "auto"):
    """The vessel network as a graph: one arrow per vessel in the direction of its mean flow
    (from ``results``; the vessel's own direction without results), width and colour scaled by
    |mean flow| [ml/s]; two-node lumped elements as dashed lines. ``layout``: "height" (nodes at their heights, spread sideways),
    "spring" (force-directed, numpy) or "auto" (height if the nodes have distinct heights)."""
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    g = model.graph
    nodes = [n["name"] for n in g["nodes"]]
    # two-node lumped elements (intracranial compartment, valves, stenoses) link nodes too
    links = [(e["name"], e["nodes"][0], e["nodes"][1]) for e in g["elements"]
             if len(e["nodes"]) == 2]
    edges = [(v["from"], v["to"]) for v in g["vessels"]] + [(a, b) for _, a, b in links]
    heights = {n["name"]: n["height"] for n in g["nodes"]}
    if layout == "auto":
        layout = "height" if len(set(heights.values())) > 1 else "spring"
    if layout == "height":
        spring = _spring_layout(nodes, edges)
        pos = {n: np.array([spring[n][0], heights[n]]) for n in nodes}
    else:
        pos = _spring_layout(nodes, edges)
    # The last cycle's mean (a metric of the run), the whole run's for older results files.
    flows = {v["name"]: (results.mean_flow(v["name"], f"mean_flow_{v['name']}" in results.metrics)
                         if results is not None else 1.0)
             for v in g["vessels"]}
    qmax = max((abs(q) for q in flows.values()), default=1.0) or 1.0
    cmap = plt.get_cmap("viridis")
    for v in g["vessels"]:
        q = flows[v["name"]]
        a, b = (v["from"], v["to"]) if q >= 0 else (v["to"], v["from"])
        frac = abs(q) / qmax
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops={"arrowstyle": "-|>", "lw": 1 + 5 * frac,
                                "color": cmap(frac), "shrinkA": 6, "shrinkB": 6})
        mid = (pos[a] + pos[b]) / 2
        label = v["name"] + (f"\n{q * 1e6:.3g} ml/s" if results is not None else "")
        ax.text(mid[0], mid[1], label, fontsize=8, ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "white", "alpha": 0.7, "lw": 0})
    for name, a, b in links:
        ax.plot(*np.transpose([pos[a], pos[b]]), ls="--", lw=1, color="0.6", zorder=1)
        mid = (pos[a] + pos[b]) / 2
        ax.text(mid[0], mid[1], name, fontsize=7, color="0.4", ha="center", va="center",
                style="italic")
    xy = np.array([pos[n] for n in nodes])
    ax.scatter(xy[:, 0], xy[:, 1], s=30, c="k", zorder=3)
    for n in nodes:
        ax.text(pos[n][0], pos[n][1], "  " + n, fontsize=7, va="bottom")
    if results is not None:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, qmax * 1e6))
        ax.figure.colorbar(sm, ax=ax, label="|mean flow| [ml/s]")
    ax.set_title(g["name"])
    ax.set_ylabel("height [m]" if layout == "height" else "")
    if layout != "height":
        ax.set_axis_off()
    ax.margins(0.15)
    return ax


def _numeric(values) -> tuple[np.ndarray, str]:
    """Numbers from a parameter column: floats as they are, "2.5 mm" -> (2.5, "mm")."""
    out, units = [], set()
    for v in values:
        if isinstance(v, str):
            m = re.match(r"\s*([-+0-9.eE]+)\s*(.*)$", v)
            if not m:
                raise ValueError(f"cannot plot parameter value {v!r}")
            out.append(float(m.group(1)))
            units.add(m.group(2).strip())
        else:
            out.append(float(v))
    if len(units) > 1:
        raise ValueError(f"parameter values have different units: {sorted(units)}")
    return np.asarray(out), (units.pop() if units else "")


def metric(study, parameter: str, metric_name: str, by: str | None = None, ax=None,
           scale: float = 1.0, unit: str | None = None):
    """A metric (column of a :func:`venoflow.sweep` table) against a swept parameter, one line
    per value of ``by`` (another parameter) if given. ``scale``/``unit`` convert the SI metric
    (default: SI, unit from ``study.attrs["metric_units"]``). Failed variants are skipped."""
    ax = _axes(ax)
    ok = study[study["error"].isna()] if "error" in study else study
    groups = [(None, ok)] if by is None else list(ok.groupby(by, sort=False))
    xunit = ""
    for key, sub in groups:
        xs, xunit = _numeric(sub[parameter])
        order = np.argsort(xs)
        ax.plot(xs[order], sub[metric_name].to_numpy(float)[order] * scale, "o-",
                label=None if key is None else f"{by} = {key}")
    u = unit if unit is not None else study.attrs.get("metric_units", {}).get(metric_name, "")
    ax.set_xlabel(f"{parameter}" + (f" [{xunit}]" if xunit else ""))
    ax.set_ylabel(f"{metric_name}" + (f" [{u}]" if u else ""))
    if by is not None:
        ax.legend()
    return ax
