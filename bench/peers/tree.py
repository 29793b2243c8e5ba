"""One linear 0D test network, written for every peer from the same numbers.

A binary tree of N = 2^depth - 1 vessels (heap order: vessel 1 is the root, the children of
vessel i are 2i and 2i + 1). Node 0 is the inlet; node i is the distal end of vessel i, so the
proximal node of vessel i is i // 2. The equations (bench/peers/README.md):

    C_0 dP_0/dt = Q_in(t) - Q_1
    L_i dQ_i/dt = P_(i//2) - P_i - R_i Q_i                    vessel i = 1..N (series R-L)
    C_j dP_j/dt = Q_j - Q_2j - Q_(2j+1)                       inner node j
    C_j dP_j/dt = Q_j - (P_j - Pc_j)/R1_j                     outlet node j (a leaf)
    Cw_j dPc_j/dt = (P_j - Pc_j)/R1_j - (Pc_j - Pd)/R2_j      three-element windkessel at j

Vessel values from Poiseuille flow in a thin-walled elastic tube (the usual 0D lumping, e.g.
Milisic & Quarteroni 2004, M2AN 38:613; the same formulas as svZeroDSolver's BloodVessel):
R = 8 mu l/(pi r^4), L = rho l/(pi r^2), C = 3 pi r^3 l/(2 E h). Radii follow Murray's law
at a symmetric bifurcation (r_child = 2^(-1/3) r_parent, Murray 1926, PNAS 12:207). The outlet
windkessels share a total peripheral resistance and compliance of an adult systemic circulation
(about 1.1 mmHg s/ml and 1 ml/mmHg, e.g. Stergiopulos et al. 1999, Am J Physiol 276:H81) in
parallel, each 9 % proximal (R1) and 91 % distal (R2).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

MMHG = 133.322387415  # Pa
RHO = 1060.0  # kg/m^3, blood density (Boileau et al. 2015)
MU = 4.0e-3  # Pa s, blood viscosity (Boileau et al. 2015)
E_WALL = 400e3  # Pa, arterial wall Young's modulus (order of Boileau et al. 2015's 37 arteries)
H_OVER_R = 0.1  # wall thickness / radius, arteries (Boileau et al. 2015)
R_ROOT = 12.5e-3  # m, ascending-aorta-like root radius
L_ROOT = 0.20  # m, root length; each generation 0.75 x its parent's
LENGTH_RATIO = 0.75
PERIOD = 1.0  # s
R_TOTAL = 1.1 * MMHG * 1e6  # Pa s m^-3, total peripheral resistance (1.1 mmHg s/ml)
C_TOTAL = 1.0e-6 / MMHG  # m^3/Pa, total peripheral compliance (1 ml/mmHg)
R1_SHARE = 0.09
P_DISTAL = 0.0  # Pa, pressure downstream of the windkessels
# Inflow Q_in(t) = mean + sum_k a_k sin(2 pi k t/T + phi_k): 5 l/min and three harmonics.
Q_MEAN = 5.0e-3 / 60.0  # m^3/s
HARMONICS = [(90e-6, 0.0), (45e-6, -1.2), (15e-6, -2.4)]  # (a_k [m^3/s], phi_k [rad])


@dataclass
class Tree:
    depth: int
    n: int = 0  # vessels
    R: np.ndarray = field(default=None)  # per vessel 1..N at index i - 1
    L: np.ndarray = field(default=None)
    C: np.ndarray = field(default=None)  # per node 0..N at index j (node 0: the inlet)
    leaves: np.ndarray = field(default=None)  # node numbers of the outlets
    R1: float = 0.0
    Cw: float = 0.0
    R2: float = 0.0
    p0: float = 0.0  # initial pressure everywhere (flows start at 0, windkessels at p0)

    def __post_init__(self):
        self.n = 2 ** self.depth - 1
        i = np.arange(1, self.n + 1)
        gen = np.floor(np.log2(i)).astype(int)
        r = R_ROOT * 2.0 ** (-gen / 3.0)
        ell = L_ROOT * LENGTH_RATIO ** gen
        self.R = 8.0 * MU * ell / (math.pi * r ** 4)
        self.L = RHO * ell / (math.pi * r ** 2)
        cv = 3.0 * math.pi * r ** 3 * ell / (2.0 * E_WALL * H_OVER_R * r)
        # The inlet node carries the root vessel's compliance too (a node needs a volume to take
        # a prescribed inflow), so node 0 has C_1 and node i has C_i.
        self.C = np.concatenate([[cv[0]], cv])
        self.leaves = np.arange((self.n + 1) // 2, self.n + 1)
        m = len(self.leaves)
        self.R1 = R1_SHARE * R_TOTAL * m
        self.R2 = (1.0 - R1_SHARE) * R_TOTAL * m
        self.Cw = C_TOTAL / m
        self.p0 = Q_MEAN * R_TOTAL

    # ---- sizes and layout of the state y = [P_0..P_N, Q_1..Q_N, Pc of each leaf] ----
    @property
    def n_states(self) -> int:
        return 2 * self.n + 1 + len(self.leaves)

    def y0(self) -> np.ndarray:
        y = np.zeros(self.n_states)
        y[: self.n + 1] = self.p0
        y[2 * self.n + 1:] = self.p0
        return y

    # ---- the inflow ----
    @staticmethod
    def inflow(t: float) -> float:
        w = 2.0 * math.pi / PERIOD
        return Q_MEAN + sum(a * math.sin(k * w * t + ph) for k, (a, ph) in enumerate(HARMONICS, 1))

    # ---- right-hand side and Jacobian (numpy, component-wise and vectorised) ----
    def make_rhs(self):
        n, k = self.n, (self.n - 1) // 2
        inv_c, inv_l, R = 1.0 / self.C, 1.0 / self.L, self.R
        prox = np.arange(1, n + 1) // 2
        lf = self.leaves
        r1, r2, cw = self.R1, self.R2, self.Cw
        inflow = self.inflow

        def rhs(t, y, yp):
            p, q, pc = y[: n + 1], y[n + 1: 2 * n + 1], y[2 * n + 1:]
            net = np.empty(n + 1)
            net[0] = inflow(t) - q[0]
            net[1: k + 1] = q[:k] - q[1::2] - q[2::2]
            q_wk = (p[lf] - pc) / r1
            net[k + 1:] = q[k:] - q_wk
            yp[: n + 1] = net * inv_c
            yp[n + 1: 2 * n + 1] = (p[prox] - p[1:] - R * q) * inv_l
            yp[2 * n + 1:] = (q_wk - (pc - P_DISTAL) / r2) / cw

        return rhs

    def jacobian(self) -> sp.csc_matrix:
        n, k = self.n, (self.n - 1) // 2
        rows, cols, vals = [], [], []

        def add(r, c, v):
            rows.append(np.atleast_1d(r))
            cols.append(np.atleast_1d(c))
            vals.append(np.broadcast_to(v, np.atleast_1d(r).shape).astype(float))

        qi = lambda i: n + i  # noqa: E731  state of Q_i, i = 1..N
        add(0, qi(1), -1.0 / self.C[0])
        j = np.arange(1, k + 1)
        add(j, qi(j), 1.0 / self.C[j])
        add(j, qi(2 * j), -1.0 / self.C[j])
        add(j, qi(2 * j + 1), -1.0 / self.C[j])
        lf = self.leaves
        pc = 2 * n + 1 + np.arange(len(lf))
        add(lf, qi(lf), 1.0 / self.C[lf])
        add(lf, lf, -1.0 / (self.R1 * self.C[lf]))
        add(lf, pc, 1.0 / (self.R1 * self.C[lf]))
        i = np.arange(1, n + 1)
        add(qi(i), i // 2, 1.0 / self.L)
        add(qi(i), i, -1.0 / self.L)
        add(qi(i), qi(i), -self.R / self.L)
        add(pc, lf, 1.0 / (self.R1 * self.Cw))
        add(pc, pc, -(1.0 / self.R1 + 1.0 / self.R2) / self.Cw)
        J = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(self.n_states, self.n_states))
        J.sum_duplicates()
        J.sort_indices()
        return J

    # ---- venoflow model file ----
    def venoflow_yaml(self, cycles: int = 10, samples_per_cycle: int = 100,
                      solver: dict | None = None) -> str:
        q = lambda v, u: f"{float(v)!r} {u}"  # noqa: E731
        out = ["venoflow: 1", f"name: tree_{self.n}",
               f"description: binary tree of {self.n} R-L vessels with distal compliances "
               "(bench/peers)",
               "blood: {density: %s, viscosity: %s}" % (q(RHO, "kg/m^3"), q(MU, "Pa s")),
               f"initial_conditions: {{pressure: {q(self.p0, 'Pa')}}}",
               "solver:",
               f"  period: {q(PERIOD, 's')}",
               f"  cycles: {cycles}",
               f"  output_interval: {q(PERIOD / samples_per_cycle, 's')}",
               "  keep_last_cycles: 1"]
        for key, val in (solver or {}).items():
            out.append(f"  {key}: {val}")
        harm = ", ".join(f"[{a!r}, {ph!r}]" for a, ph in HARMONICS)
        out += ["boundary_conditions:",
                f"  - node: n0",
                f"    flow: {{fourier: {{mean: {q(Q_MEAN, 'm^3/s')}, unit: m^3/s, "
                f"harmonics: [{harm}]}}, period: {q(PERIOD, 's')}}}",
                "vessels: []", "elements:"]
        for i in range(1, self.n + 1):
            out.append(f"  - {{name: v{i}, type: inductor, nodes: [n{i // 2}, n{i}], "
                       f"L: {q(self.L[i - 1], 'Pa s^2 m^-3')}, R: {q(self.R[i - 1], 'Pa s m^-3')}}}")
        for j in range(self.n + 1):
            out.append(f"  - {{name: c{j}, type: capacitor, nodes: [n{j}], "
                       f"C: {q(self.C[j], 'm^3/Pa')}}}")
        for j in self.leaves:
            out.append(f"  - {{name: wk{j}, type: windkessel3, nodes: [n{j}], "
                       f"R1: {q(self.R1, 'Pa s m^-3')}, C: {q(self.Cw, 'm^3/Pa')}, "
                       f"R2: {q(self.R2, 'Pa s m^-3')}, p_out: {q(P_DISTAL, 'Pa')}}}")
        return "\n".join(out) + "\n"

    # ---- svZeroDSolver input (JSON) ----
    def svzerod_json(self, cycles: int = 10, steps_per_cycle: int = 1000) -> str:
        """svZeroDSolver's BloodVessel is R, then C to ground, then L (R-C-L). The tree's vessel
        (series R-L, compliance at its distal node) is two blocks in series: an R-L block
        (C = 0: Q_in = Q_out) and a C block (R = L = 0: P_in = P_out) for the distal node; the
        inlet node's compliance is one more C block ahead of the root. Same equations, with
        algebraic unknowns added."""
        vessels, junctions, bcs = [], [], []
        vid = 0

        def block(name, R, C, L, **extra):
            nonlocal vid
            v = {"vessel_id": vid, "vessel_length": 1.0, "vessel_name": name,
                 "zero_d_element_type": "BloodVessel",
                 "zero_d_element_values": {"R_poiseuille": R, "C": C, "L": L,
                                           "stenosis_coefficient": 0.0}}
            v.update(extra)
            vessels.append(v)
            vid += 1
            return v

        t = np.linspace(0.0, PERIOD, steps_per_cycle + 1)  # the inflow at every step
        bcs.append({"bc_name": "INFLOW", "bc_type": "FLOW",
                    "bc_values": {"Q": [self.inflow(x) for x in t], "t": list(t)}})
        block("c0", 0.0, float(self.C[0]), 0.0, boundary_conditions={"inlet": "INFLOW"})
        rl, cap = {}, {}
        for i in range(1, self.n + 1):
            rl[i] = block(f"rl{i}", float(self.R[i - 1]), 0.0, float(self.L[i - 1]))
            cap[i] = block(f"c{i}", 0.0, float(self.C[i]), 0.0)
        leaf = set(int(x) for x in self.leaves)
        for i in range(1, self.n + 1):
            junctions.append({"junction_name": f"J_rl{i}", "junction_type": "NORMAL_JUNCTION",
                              "inlet_vessels": [rl[i]["vessel_id"]],
                              "outlet_vessels": [cap[i]["vessel_id"]]})
            up = vessels[0] if i == 1 else cap[i // 2]
            if i == 1 or i % 2 == 0:  # one junction per parent node, listing both children
                kids = [1] if i == 1 else [i, i + 1]
                junctions.append({"junction_name": f"J_n{i // 2}",
                                  "junction_type": "NORMAL_JUNCTION",
                                  "inlet_vessels": [up["vessel_id"]],
                                  "outlet_vessels": [rl[c]["vessel_id"] for c in kids]})
            if i in leaf:
                name = f"RCR{i}"
                cap[i]["boundary_conditions"] = {"outlet": name}
                bcs.append({"bc_name": name, "bc_type": "RCR",
                            "bc_values": {"Rp": self.R1, "C": self.Cw, "Rd": self.R2,
                                          "Pd": P_DISTAL}})
        doc = {"simulation_parameters": {
            "number_of_cardiac_cycles": cycles,
            "number_of_time_pts_per_cardiac_cycle": steps_per_cycle + 1,
            "output_all_cycles": False,
            "steady_initial": False},
            # pressure_all does not reach the windkessels' internal "pressure_c:<bc>" unknowns.
            "initial_condition": {"pressure_all": self.p0, "flow_all": 0.0,
                                  **{f"pressure_c:RCR{j}": self.p0 for j in self.leaves}},
            "boundary_conditions": bcs, "junctions": junctions, "vessels": vessels}
        return json.dumps(doc)


def sample_nodes(tree: Tree) -> np.ndarray:
    """Nodes whose pressures are compared: the inlet (0) and every outlet."""
    return np.concatenate([[0], tree.leaves])
