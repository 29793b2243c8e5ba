// The intracranial compartment as one lumped element (type `intracranial`): cerebral arteries,
// pial arterioles with autoregulation, capillaries, cerebral veins with a Starling resistor,
// CSF formation and absorption, and the craniospinal pressure-volume relation. The class
// comment is the specification; provenance tags as in docs/physiology.md.
#include "solver/elements/intracranial.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace venoflow {
namespace {

constexpr double kMmHg = 133.322387415;  // Pa
constexpr double kMl = 1e-6;             // m^3

double param(const Element& e, const std::string& key) {
  auto it = e.params.find(key);
  if (it == e.params.end()) {
    std::string msg = "element ";
    msg.append(e.name).append(": missing parameter ").append(key);
    throw std::invalid_argument(msg);
  }
  return it->second;
}

/// Intracranial compartment of Ursino & Lodi (1998, Am J Physiol 274:H1715, the "complete"
/// model) as used by Gadda et al. (2015, Am J Physiol Heart Circ Physiol) [READ-3P: equations
/// and Table 1 via docs/physiology.md A2/A4]. Ports: [arterial, sinus]. Everything inside the skull
/// except the dural sinuses belongs to the element; the sinus node (port 2) is rigid here and is
/// whatever the network makes of it (pressure BC, or a node with vessels/capacitors).
///
/// Pressures (all absolute, Pa; the internal ones are referred to the height of the sinus node:
/// P_a = head_arterial - head_sinus + p_sinus, P_vs = p_sinus, so a resting hydrostatic column
/// between the ports gives no flow):
///
///   large arteries      q     = (P_a - P_pa) / (R_la + R_pa/2)                     (CBF)
///   pial arterioles     V_pa  = C_pa (P_pa - P_ic),  R_pa = k_R C_pan^2 / V_pa^2
///                       the compliance sits in the middle of R_pa, so R_pa/2 lies on each
///                       side [DERIVED, docs/physiology.md A4: (P_a - P_pa)/q = R_la + R_pa/2]
///   capillaries (no volume, algebraic node)
///                       2 (P_pa - P_c)/R_pa = (P_c - P_v)/R_pv + (P_c - P_ic)/R_f
///   cerebral veins      C_vi = 1/(k_ven (P_v - P_ic - P_v1))  [READ-3P A2], i.e. the volume
///                       V_vi = (1/k_ven) ln(P_v - P_ic - P_v1) + const
///   venous outflow      q_vs = (P_v - P_vs)/R_vs,  R_vs = R_vs1 (P_v - P_vs)/(P_v - P_ic) when
///                       P_ic > P_vs (Starling resistor, [READ-3P A2]) and R_vs = R_vs1 when
///                       P_vs >= P_ic (uncollapsed vein: the 1998 form reduces to this at
///                       P_ic = P_vs, [UNVERIFIED] as a case distinction of the original). Both
///                       cases are q_vs = (P_v - max(P_ic, P_vs))/R_vs1, which is how the 1997
///                       model states it (A4: outflow pressure max(P_ic, P_vs)). CHOSEN
///                       smoothing: max(a, b) -> (a+b)/2 + sqrt(((a-b)/2)^2 + dP_smooth^2),
///                       C-infinity, exact for dP_smooth = 0, error dP_smooth^2/|a-b| away from
///                       the switch (0.003 mmHg at the basal state with 0.1 mmHg).
///   CSF formation       q_f = (P_c - P_ic)/R_f                                  [READ-3P A4]
///   CSF absorption      q_o = pos(P_ic - P_vs)/R_0, zero when negative [READ-3P A4]; CHOSEN
///                       smoothing pos(x) = (x + sqrt(x^2 + dP_smooth^2))/2.
///   craniospinal space  C_ic = dV_ic/dP_ic = 1/(k_E P_ic)  [READ-3P A4], i.e.
///                       P_ic = P_icn exp(k_E (V_ic - V_icn)): P_ic > 0 always.
///   volume balance      dV_ic/dt = dV_pa/dt + dV_vi/dt + q_f - q_o = q - q_vs - q_o
///                       (the 1998 ICP equation C_ic dP_ic/dt = dV_pa/dt + dV_vi/dt + q_f -
///                       q_o, reduced with the capillary balance; no injection term I_i).
///   autoregulation      tau_aut dx_aut/dt = -x_aut + G_aut (q - q_n)/q_n
///                       C_pa = [(C_pan - dC/2) + (C_pan + dC/2) e^(-x_aut/k)]/(1 + e^(-x_aut/k))
///                            = C_pan - (dC/2) tanh(2 x_aut/dC),  k = dC/4,
///                       dC = dC_pa1 for x_aut < 0 (dilation), dC_pa2 for x_aut > 0
///                       (constriction) [READ-3P A4 for the sigmoid; the 1998 first-order
///                       filter on x_aut instead of on C_pa, and CO2 reactivity left out, are
///                       from Ursino & Lodi 1998 [UNVERIFIED]]. The slope at x_aut = 0 is -1
///                       on both sides, so the switch dC1/dC2 is C^2. CHOSEN: q is the arterial
///                       inflow (both candidates agree at steady state). With
///                       `autoregulation: off`, C_pa = C_pan (x_aut is still filtered and output).
///
/// States (kind): V_ic - V_icn [m^3] (Volume), V_pa [m^3] (Volume), V_vi - V_vin [m^3] (Volume),
/// xi = x_aut/G_aut [-] (Dimensionless; the filtered relative CBF deviation, tau dxi/dt =
/// -xi + (q - q_n)/q_n, scaled so that its tolerance does not depend on G_aut). Volumes rather
/// than pressures are states so that (1) the mass balance is a linear invariant: the volume
/// stored in the element is the single state V_ic - V_icn (blood + CSF inside the skull) and
///   d(V_ic - V_icn)/dt = q - (q_vs + q_o) = (flow in at the arterial port) - (flow into the
///                        sinus), exactly, so internal_volume(y) = y[0];
/// (2) P_ic > 0 and P_v - P_ic > P_v1 hold by construction (the log/exp laws stay defined), and
/// a change of C_pa at fixed V_pa moves P_pa exactly as the 1998 term dC_pa/dt (P_pa - P_ic).
/// V_vin is the venous volume at the transmural value u_n = q_n R_vs1 - P_v1 (the Starling-regime
/// basal state; 1 mmHg if that is not positive).
///
/// Port flows: arterial port q (leaves the arterial node); sinus port -(q_vs + q_o).
/// Initial state: the steady state for the initial port pressures (pseudo-transient
/// continuation on the four states; the height difference between the ports is not known
/// there and is ignored); if there is none, the basal state (V_ic = V_icn, xi = 0). P_icn is
/// the reference pressure of the P-V law (and of the first guess); q_n is the autoregulation
/// set point; neither is imposed.
///
/// Validity domain (domain(), checked on every output sample; docs/cerebral-model.md#validity-
/// domain). The mono-exponential craniospinal P-V law P_ic = P_icn exp(k_E (V_ic - V_icn)) is
/// the Marmarou form characterised by bolus injection and withdrawal around the resting ICP
/// (pressure-volume index PVI = ln(10)/k_E, the volume that changes ICP tenfold: 30 ml with
/// k_E = 0.077/ml) [READ-3P A4 for the law; PVI definition Marmarou et al. 1975 [UNVERIFIED]].
/// At low ICP the real craniospinal P-V curve leaves the exponential for a flat zone where the
/// CSF spaces empty (Loefgren et al. 1973 [UNVERIFIED]), and the element has no such zone: its
/// ICP only creeps towards 0 while the CSF volume drains without bound (absorption
/// (P_ic - P_vs)/R_0 > formation when P_vs < -(R_0/R_f) P_c, about -3.2 mmHg: upright with
/// the sinus port high, docs/cerebral-model.md). CHOSEN bounds, one PVI either side of the basal
/// state [DERIVED from k_E, P_icn]:
///   icp                         in [P_icn/10, 10 P_icn]     (0.95 .. 95 mmHg by default)
///   intracranial_volume_change  in [-ln(10)/k_E, ln(10)/k_E] (-29.9 .. 29.9 ml)
/// (the same interval in two forms: ICP pinned near 0 by a volume change of -10^9 ml is outside
/// both). The upright reference interval of ICP, -5.9 .. 8.3 mmHg (Norager 2021, target
/// icp_upright), reaches below the floor: upright states below 0.95 mmHg need a spinal CSF space
/// that the element does not have. P_v - P_ic > P_v1 (the cerebral-vein law) and V_pa > 0 hold
/// by construction of the states.
class Intracranial final : public ElementBlock {
 public:
  explicit Intracranial(const Element& e)
      : ElementBlock(e),
        r_la_(param(e, "R_la")),
        k_r_(param(e, "k_R")),
        c_pan_(param(e, "C_pan")),
        dc1_(param(e, "dC_pa1")),
        dc2_(param(e, "dC_pa2")),
        g_aut_(param(e, "G_aut")),
        tau_(param(e, "tau_aut")),
        q_n_(param(e, "q_n")),
        r_pv_(param(e, "R_pv")),
        r_vs1_(param(e, "R_vs1")),
        k_ven_(param(e, "k_ven")),
        p_v1_(param(e, "P_v1")),
        k_e_(param(e, "k_E")),
        r_f_(param(e, "R_f")),
        r_0_(param(e, "R_0")),
        p_icn_(param(e, "P_icn")),
        dp_s_(param(e, "dP_smooth")) {
    auto it = e.text_params.find("autoregulation");
    autoreg_ = it == e.text_params.end() || it->second != "off";
    const double u = q_n_ * r_vs1_ - p_v1_;
    u_ref_ = u > 0.0 ? u : kMmHg;
    // ranges: the catalogue (network/element_types.cpp), checked by make_element
  }

  std::vector<StateInfo> states() const override {
    return {{"intracranial_volume_change", StateKind::Volume},
            {"pial_arterial_volume", StateKind::Volume},
            {"venous_volume_change", StateKind::Volume},
            {"autoregulation_xi", StateKind::Dimensionless}};
  }

  void initial_state(const std::vector<double>& p0, double* y) const override {
    steady_state(p0[0], p0[1], y);
  }

  void evaluate(const ElementContext&, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const Flows f = compute(arterial_pressure(ports), ports[1].p, y);
    flow[0] = f.q;
    flow[1] = -(f.q_vs + f.q_o);
    derivatives(f, y, ydot);
  }

  double internal_volume(const double* y) const override { return y[0]; }

  std::vector<DomainBound> domain() const override {
    // One pressure-volume index either side of the basal state (class comment).
    const double pvi = std::log(10.0) / k_e_;
    const char* why =
        "Ursino-Lodi craniospinal P-V law P_ic = P_icn exp(k_E dV), characterised around the "
        "resting ICP; CHOSEN domain one pressure-volume index ln(10)/k_E either side of the basal "
        "state (below it the CSF spaces empty, which the element does not model: upright needs "
        "a spinal CSF space)";
    return {{"icp", p_icn_ / 10.0, p_icn_ * 10.0, 0.0, why},
            {"intracranial_volume_change", -pvi, pvi, 0.0, why}};
  }

  std::vector<Quantity> outputs() const override {
    return {{"cbf", "m^3/s"},
            {"icp", "Pa"},
            {"pial_arterial_pressure", "Pa"},
            {"capillary_pressure", "Pa"},
            {"cerebral_venous_pressure", "Pa"},
            {"cerebral_blood_volume", "m^3"},
            {"csf_formation", "m^3/s"},
            {"csf_absorption", "m^3/s"},
            {"venous_outflow", "m^3/s"},
            {"arterial_compliance", "m^3/Pa"},
            {"pial_arterial_resistance", "Pa s m^-3"},
            {"autoregulation_state", "m^3/Pa"},
            {"intracranial_volume_change", "m^3"}};
  }

  void output(const ElementContext&, const double* y, const PortView* ports,
              double* v) const override {
    const Flows f = compute(arterial_pressure(ports), ports[1].p, y);
    v[0] = f.q;
    v[1] = f.p_ic;
    v[2] = f.p_pa;
    v[3] = f.p_c;
    v[4] = f.p_v;
    v[5] = y[1] + y[2];  // V_pa + (V_vi - V_vin)
    v[6] = f.q_f;
    v[7] = f.q_o;
    v[8] = f.q_vs;
    v[9] = f.c_pa;
    v[10] = f.r_pa;
    v[11] = g_aut_ * y[3];
    v[12] = y[0];
  }

 private:
  struct Flows {
    double p_ic, p_pa, p_v, p_c, c_pa, r_pa;
    double q, q_pa, q_pv, q_f, q_vs, q_o;
  };

  static double arterial_pressure(const PortView* ports) {
    return ports[0].head - ports[1].head + ports[1].p;
  }

  double smooth_max(double a, double b) const {
    return 0.5 * (a + b) + std::hypot(0.5 * (a - b), dp_s_);
  }
  double smooth_pos(double x) const { return 0.5 * (x + std::hypot(x, dp_s_)); }

  double pial_compliance(double xi) const {
    if (!autoreg_) return c_pan_;
    const double x = g_aut_ * xi;
    const double dc = x < 0.0 ? dc1_ : dc2_;
    return c_pan_ - 0.5 * dc * std::tanh(2.0 * x / dc);
  }

  Flows compute(double p_a, double p_vs, const double* y) const {
    Flows f{};
    f.p_ic = p_icn_ * std::exp(k_e_ * y[0]);
    f.c_pa = pial_compliance(y[3]);
    const double v_pa = y[1];
    f.p_pa = f.p_ic + v_pa / f.c_pa;
    f.r_pa = v_pa > 0.0 ? k_r_ * c_pan_ * c_pan_ / (v_pa * v_pa)
                        : std::numeric_limits<double>::quiet_NaN();
    f.p_v = f.p_ic + p_v1_ + u_ref_ * std::exp(k_ven_ * y[2]);
    const double g_pa = 2.0 / f.r_pa;
    f.p_c = (g_pa * f.p_pa + f.p_v / r_pv_ + f.p_ic / r_f_) / (g_pa + 1.0 / r_pv_ + 1.0 / r_f_);
    f.q = (p_a - f.p_pa) / (r_la_ + 0.5 * f.r_pa);
    f.q_pa = g_pa * (f.p_pa - f.p_c);
    f.q_pv = (f.p_c - f.p_v) / r_pv_;
    f.q_f = (f.p_c - f.p_ic) / r_f_;
    f.q_vs = (f.p_v - smooth_max(f.p_ic, p_vs)) / r_vs1_;
    f.q_o = smooth_pos(f.p_ic - p_vs) / r_0_;
    return f;
  }

  void derivatives(const Flows& f, const double* y, double* ydot) const {
    ydot[0] = f.q - f.q_vs - f.q_o;
    ydot[1] = f.q - f.q_pa;
    ydot[2] = f.q_pv - f.q_vs;
    ydot[3] = ((f.q - q_n_) / q_n_ - y[3]) / tau_;
  }

  /// Steady state for fixed port pressures by pseudo-transient continuation: implicit Euler
  /// steps u_{k+1} = u_k + dt F(u_{k+1}) with dt growing from 10 ms to 1e8 s (Newton with a
  /// finite-difference 4x4 Jacobian in ml and 1); a failed step quarters dt. If it does not
  /// converge (no positive-ICP steady state, e.g. a sinus pressure below -(R_0/R_f) P_c) the
  /// basal first guess is used and the integrator takes it from there. Not the last iterate:
  /// with no steady state the CSF volume drains at about |P_vs|/R_0 through pseudo-time steps
  /// up to 1e8 s, which left V_ic - V_icn near -10^9 ml and ICP exactly 0 (exp underflow), a
  /// state no later sinus pressure could bring back (dP_ic/dV = k_E P_ic = 0).
  void steady_state(double p_a, double p_vs, double* y) const {
    using Vec = std::array<double, 4>;
    const Vec scale{kMl, kMl, kMl, 1.0};
    auto rhs = [&](const Vec& u, Vec& out) {
      Vec yy, d;
      for (int i = 0; i < 4; ++i) yy[i] = u[i] * scale[i];
      derivatives(compute(p_a, p_vs, yy.data()), yy.data(), d.data());
      bool ok = true;
      for (int i = 0; i < 4; ++i) {
        out[i] = d[i] / scale[i];
        ok = ok && std::isfinite(out[i]);
      }
      return ok;
    };
    // First guess: basal ICP, pial arterial pressure halfway, basal venous volume, xi = 0.
    const double p_pa0 = p_icn_ + std::max(0.5 * (p_a - p_icn_), kMmHg);
    const Vec guess{0.0, c_pan_ * (p_pa0 - p_icn_) / kMl, 0.0, 0.0};
    Vec z = guess;
    bool steady = false;
    double dt = 1e-2;
    for (int step = 0; step < 400; ++step) {
      Vec u = z, f, g;
      bool converged = false;
      for (int it = 0; it < 12 && !converged; ++it) {
        if (!rhs(u, f)) break;
        std::array<Vec, 4> jac;  // jac[row][col] of G(u) = u - z - dt F(u)
        for (int i = 0; i < 4; ++i) g[i] = u[i] - z[i] - dt * f[i];
        bool ok = true;
        for (int c = 0; c < 4 && ok; ++c) {
          Vec up = u, fp;
          const double h = 1e-7 * std::max(1.0, std::abs(u[c]));
          up[c] += h;
          ok = rhs(up, fp);
          for (int r = 0; r < 4; ++r) jac[r][c] = (r == c ? 1.0 : 0.0) - dt * (fp[r] - f[r]) / h;
        }
        if (!ok) break;
        Vec du;
        for (int i = 0; i < 4; ++i) du[i] = -g[i];
        if (!solve4(jac, du)) break;
        double big = 0.0, size = 0.0;
        for (int i = 0; i < 4; ++i) {
          u[i] += du[i];
          big = std::max(big, std::abs(du[i]));
          size = std::max(size, std::abs(u[i]));
        }
        converged = big <= 1e-11 * (1.0 + size);
      }
      if (converged) converged = rhs(u, f);
      if (!converged) {
        dt *= 0.25;
        if (dt < 1e-9) break;
        continue;
      }
      double change = 0.0;
      for (int i = 0; i < 4; ++i) change = std::max(change, std::abs(u[i] - z[i]));
      z = u;
      if (dt >= 1e8 && change <= 1e-10) {
        steady = true;
        break;
      }
      dt = std::min(4.0 * dt, 1e8);
    }
    if (!steady) z = guess;
    for (int i = 0; i < 4; ++i) y[i] = z[i] * scale[i];
  }

  /// Gaussian elimination with partial pivoting; b is overwritten with the solution.
  static bool solve4(std::array<std::array<double, 4>, 4> a, std::array<double, 4>& b) {
    for (int k = 0; k < 4; ++k) {
      int p = k;
      for (int r = k + 1; r < 4; ++r)
        if (std::abs(a[r][k]) > std::abs(a[p][k])) p = r;
      if (!(std::abs(a[p][k]) > 0.0)) return false;
      std::swap(a[k], a[p]);
      std::swap(b[k], b[p]);
      for (int r = k + 1; r < 4; ++r) {
        const double m = a[r][k] / a[k][k];
        for (int c = k; c < 4; ++c) a[r][c] -= m * a[k][c];
        b[r] -= m * b[k];
      }
    }
    for (int k = 3; k >= 0; --k) {
      for (int c = k + 1; c < 4; ++c) b[k] -= a[k][c] * b[c];
      b[k] /= a[k][k];
    }
    return std::all_of(b.begin(), b.end(), [](double v) { return std::isfinite(v); });
  }

  double r_la_, k_r_, c_pan_, dc1_, dc2_, g_aut_, tau_, q_n_, r_pv_, r_vs1_, k_ven_, p_v1_, k_e_,
      r_f_, r_0_, p_icn_, dp_s_;
  double u_ref_ = 0.0;
  bool autoreg_ = true;
};

}  // namespace

std::unique_ptr<ElementBlock> make_intracranial_element(const Element& spec) {
  return std::make_unique<Intracranial>(spec);
}

}  // namespace venoflow
