// venoflow: the intracranial compartment block (type `intracranial`); its specification is in
// intracranial.hpp.
#include "numerics/elements/intracranial.hpp"

#include "numerics/elements/element.hpp"

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

/// The specification, with the equations and their sources, is in intracranial.hpp.
class Intracranial final : public ElementBlock {
 public:
  Intracranial(const Element& e, const IntracranialParams& p)
      : ElementBlock(e),
        r_la_(p.R_la),
        k_r_(p.k_R),
        c_pan_(p.C_pan),
        dc1_(p.dC_pa1),
        dc2_(p.dC_pa2),
        g_aut_(p.G_aut),
        tau_(p.tau_aut),
        q_n_(p.q_n),
        r_pv_(p.R_pv),
        r_vs1_(p.R_vs1),
        k_ven_(p.k_ven),
        p_v1_(p.P_v1),
        k_e_(p.k_E),
        r_f_(p.R_f),
        r_0_(p.R_0),
        p_icn_(p.P_icn),
        dp_s_(p.dP_smooth),
        autoreg_(p.autoregulation) {
    const double u = q_n_ * r_vs1_ - p_v1_;
    u_ref_ = u > 0.0 ? u : kMmHg;
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

std::unique_ptr<ElementBlock> make_intracranial(const Element& e, const ElementValues& v) {
  return std::make_unique<Intracranial>(e, IntracranialParams::from(v));
}

}  // namespace venoflow
