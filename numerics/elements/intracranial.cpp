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
class Intracranial final : public ElementBlockOf<Intracranial> {
 public:
  Intracranial(const Element& e, const IntracranialParams& p)
      : ElementBlockOf(e),
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
        p_0_(p.P_0),
        f_s_(p.spinal_fraction),
        r_fm_(p.R_fm),
        d_ref_(p.icp_reference_depth),
        d_sp_(p.spinal_depth),
        rho_csf_(p.csf_density),
        deep_(e.nodes.size() == 3),
        f_d_(deep_ ? p.deep_fraction : 0.0),
        dp_s_(p.dP_smooth),
        autoreg_(p.autoregulation) {
    const double u = q_n_ * r_vs1_ - p_v1_;
    u_ref_ = u > 0.0 ? u : kMmHg;
    if (!(p_0_ < p_icn_))
      throw std::invalid_argument("P_0 must be below P_icn (the law needs P_icn - P_0 > 0)");
    // Split of the basal compliance 1/(k_E P_icn) (header): C(P) = 1/(k (P - P_0)) in each space.
    const double c_basal = 1.0 / (k_e_ * p_icn_);
    k_cr_ = 1.0 / ((1.0 - f_s_) * c_basal * (p_icn_ - p_0_));
    k_sp_ = f_s_ > 0.0 ? 1.0 / (f_s_ * c_basal * (p_icn_ - p_0_)) : 0.0;
  }

  bool spinal() const { return f_s_ > 0.0; }
  int n_states() const { return spinal() ? 5 : 4; }

  std::vector<StateInfo> states() const override {
    std::vector<StateInfo> s{{"intracranial_volume_change", StateKind::Volume},
                             {"pial_arterial_volume", StateKind::Volume},
                             {"venous_volume_change", StateKind::Volume},
                             {"autoregulation_xi", StateKind::Dimensionless}};
    if (spinal()) s.push_back({"spinal_volume_change", StateKind::Volume});
    return s;
  }

  void initial_state(const ElementContext& ctx, const PortView* ports, double* y) const override {
    steady_state(arterial_pressure(ports), ports[1].p, deep_pressure(ports), ctx.g_axial, y);
  }

  void evaluate(const ElementContext& ctx, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const Flows f =
        compute(arterial_pressure(ports), ports[1].p, deep_pressure(ports), ctx.g_axial, y);
    flow[0] = f.q;
    flow[1] = -(f.q_vs - f.q_vd + f.q_o);
    if (deep_) flow[2] = -f.q_vd;
    derivatives(f, y, ydot);
  }

  // Blood and CSF inside the skull and the spinal dural sac: CSF is formed from and absorbed
  // into blood, so the two together are conserved (header, volume balance).
  double internal_volume(const double* y) const override { return spinal() ? y[0] + y[4] : y[0]; }

  std::vector<DomainBound> domain() const override {
    // One pressure-volume index either side of the basal state of each space (header).
    const double pvi_cr = std::log(10.0) / k_cr_;
    const char* why =
        "exponential craniospinal P-V law P = P_0 + (P_icn - P_0) exp(k dV) (Ursino-Lodi / "
        "Marmarou), characterised around the resting ICP; CHOSEN domain one pressure-volume "
        "index ln(10)/k either side of the basal state of each space (beyond it the CSF spaces "
        "empty or the dura is stretched, which the element does not model)";
    std::vector<DomainBound> d{
        {"icp", p_0_ + (p_icn_ - p_0_) / 10.0, p_0_ + (p_icn_ - p_0_) * 10.0, 0.0, why},
        {"intracranial_volume_change", -pvi_cr, pvi_cr, 0.0, why}};
    if (spinal()) {
      const double pvi_sp = std::log(10.0) / k_sp_;
      d.push_back({"spinal_volume_change", -pvi_sp, pvi_sp, 0.0, why});
    }
    return d;
  }

  void output(const ElementContext& ctx, const double* y, const PortView* ports,
              double* v) const override {
    const double p_a = arterial_pressure(ports);
    const Flows f = compute(p_a, ports[1].p, deep_pressure(ports), ctx.g_axial, y);
    v[0] = f.q;
    v[1] = f.p_ref;
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
    v[13] = f.p_sp;
    v[14] = f.q_fm;
    v[15] = spinal() ? y[4] : 0.0;
    // Arterial pressure and ICP at the same (reference) level: the blood column from the sinus
    // port down to the reference level adds rho_blood g_axial d_ref to the arterial pressure
    // (referred to the sinus port), the CSF column the same with rho_csf to the ICP.
    v[16] = p_a + ctx.density * ctx.g_axial * d_ref_ - f.p_ref;
    v[17] = f.q_vd;
  }

 private:
  struct Flows {
    double p_ref, p_ic, p_sp, p_pa, p_v, p_c, c_pa, r_pa;
    double q, q_pa, q_pv, q_f, q_vs, q_vd, q_o, q_fm;  // q_vs: all venous outflow, q_vd: deep
  };

  static double arterial_pressure(const PortView* ports) {
    return ports[0].head - ports[1].head + ports[1].p;
  }
  /// The deep port's pressure referred to the sinus port's height (the sinus port's without a
  /// deep port).
  double deep_pressure(const PortView* ports) const {
    return deep_ ? ports[2].head - ports[1].head + ports[1].p : ports[1].p;
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

  Flows compute(double p_a, double p_vs, double p_vd, double g_axial, const double* y) const {
    Flows f{};
    // Cranial CSF at the reference level, and at the sinus port (the level of every other
    // internal pressure) through the CSF column between them.
    f.p_ref = p_0_ + (p_icn_ - p_0_) * std::exp(k_cr_ * y[0]);
    f.p_ic = f.p_ref - rho_csf_ * g_axial * d_ref_;
    // Spinal CSF at the centroid of its compliance; the foramen-magnum flow is driven by the
    // difference of piezometric CSF pressures (Pascal's law in a resting column, Magnaes 1976).
    const double column = rho_csf_ * g_axial * (d_sp_ - d_ref_);
    if (spinal()) {
      f.p_sp = p_0_ + (p_icn_ - p_0_) * std::exp(k_sp_ * y[4]);
      f.q_fm = (f.p_ref + column - f.p_sp) / r_fm_;
    } else {
      f.p_sp = f.p_ref + column;
      f.q_fm = 0.0;
    }
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
    // Terminal veins: Starling resistors against ICP, the share f_d into the deep port.
    f.q_vd = deep_ ? f_d_ * (f.p_v - smooth_max(f.p_ic, p_vd)) / r_vs1_ : 0.0;
    f.q_vs = (1.0 - f_d_) * (f.p_v - smooth_max(f.p_ic, p_vs)) / r_vs1_ + f.q_vd;
    f.q_o = smooth_pos(f.p_ic - p_vs) / r_0_;
    return f;
  }

  void derivatives(const Flows& f, const double* y, double* ydot) const {
    ydot[0] = f.q - f.q_vs - f.q_o - f.q_fm;
    ydot[1] = f.q - f.q_pa;
    ydot[2] = f.q_pv - f.q_vs;
    ydot[3] = ((f.q - q_n_) / q_n_ - y[3]) / tau_;
    if (spinal()) ydot[4] = f.q_fm;
  }

  /// Steady state for fixed port pressures by pseudo-transient continuation: implicit Euler
  /// steps u_{k+1} = u_k + dt F(u_{k+1}) with dt growing from 10 ms to 1e8 s (Newton with a
  /// finite-difference Jacobian, volumes in ml); a failed step quarters dt. If it does not
  /// converge (e.g. with P_0 = 0 and no spinal space there is no steady state for a sinus
  /// pressure below -(R_0/R_f) P_c) the basal first guess is used and the integrator takes it
  /// from there. Not the last iterate: with no steady state the CSF volume drains at about
  /// |P_vs|/R_0 through pseudo-time steps up to 1e8 s, which left V_ic - V_icn near -10^9 ml and
  /// ICP exactly P_0 (exp underflow), a state no later sinus pressure could bring back.
  void steady_state(double p_a, double p_vs, double p_vd, double g_axial, double* y) const {
    constexpr int kMax = 5;
    using Vec = std::array<double, kMax>;
    const int n = n_states();
    const Vec scale{kMl, kMl, kMl, 1.0, kMl};
    auto rhs = [&](const Vec& u, Vec& out) {
      Vec yy{}, d{};
      for (int i = 0; i < n; ++i) yy[i] = u[i] * scale[i];
      derivatives(compute(p_a, p_vs, p_vd, g_axial, yy.data()), yy.data(), d.data());
      bool ok = true;
      for (int i = 0; i < n; ++i) {
        out[i] = d[i] / scale[i];
        ok = ok && std::isfinite(out[i]);
      }
      return ok;
    };
    // First guess: basal ICP, pial arterial pressure halfway, basal venous volume, xi = 0, the
    // spinal space at basal pressure.
    const double p_pa0 = p_icn_ + std::max(0.5 * (p_a - p_icn_), kMmHg);
    const Vec guess{0.0, c_pan_ * (p_pa0 - p_icn_) / kMl, 0.0, 0.0, 0.0};
    Vec z = guess;
    bool steady = false;
    double dt = 1e-2;
    for (int step = 0; step < 400; ++step) {
      Vec u = z, f{}, g{};
      bool converged = false;
      for (int it = 0; it < 12 && !converged; ++it) {
        if (!rhs(u, f)) break;
        std::array<Vec, kMax> jac{};  // jac[row][col] of G(u) = u - z - dt F(u)
        for (int i = 0; i < n; ++i) g[i] = u[i] - z[i] - dt * f[i];
        bool ok = true;
        for (int c = 0; c < n && ok; ++c) {
          Vec up = u, fp{};
          const double h = 1e-7 * std::max(1.0, std::abs(u[c]));
          up[c] += h;
          ok = rhs(up, fp);
          for (int r = 0; r < n; ++r) jac[r][c] = (r == c ? 1.0 : 0.0) - dt * (fp[r] - f[r]) / h;
        }
        if (!ok) break;
        Vec du{};
        for (int i = 0; i < n; ++i) du[i] = -g[i];
        if (!solve(jac, du, n)) break;
        double big = 0.0, size = 0.0;
        for (int i = 0; i < n; ++i) {
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
      for (int i = 0; i < n; ++i) change = std::max(change, std::abs(u[i] - z[i]));
      z = u;
      if (dt >= 1e8 && change <= 1e-10) {
        steady = true;
        break;
      }
      dt = std::min(4.0 * dt, 1e8);
    }
    if (!steady) z = guess;
    for (int i = 0; i < n; ++i) y[i] = z[i] * scale[i];
  }

  /// Gaussian elimination with partial pivoting on the leading n x n block; b is overwritten
  /// with the solution.
  template <std::size_t N>
  static bool solve(std::array<std::array<double, N>, N> a, std::array<double, N>& b, int n) {
    for (int k = 0; k < n; ++k) {
      int p = k;
      for (int r = k + 1; r < n; ++r)
        if (std::abs(a[r][k]) > std::abs(a[p][k])) p = r;
      if (!(std::abs(a[p][k]) > 0.0)) return false;
      std::swap(a[k], a[p]);
      std::swap(b[k], b[p]);
      for (int r = k + 1; r < n; ++r) {
        const double m = a[r][k] / a[k][k];
        for (int c = k; c < n; ++c) a[r][c] -= m * a[k][c];
        b[r] -= m * b[k];
      }
    }
    for (int k = n - 1; k >= 0; --k) {
      for (int c = k + 1; c < n; ++c) b[k] -= a[k][c] * b[c];
      b[k] /= a[k][k];
    }
    for (int k = 0; k < n; ++k)
      if (!std::isfinite(b[k])) return false;
    return true;
  }

  double r_la_, k_r_, c_pan_, dc1_, dc2_, g_aut_, tau_, q_n_, r_pv_, r_vs1_, k_ven_, p_v1_, k_e_,
      r_f_, r_0_, p_icn_, p_0_, f_s_, r_fm_, d_ref_, d_sp_, rho_csf_;
  bool deep_ = false;  // the optional deep port is connected
  double f_d_ = 0.0, dp_s_;
  double k_cr_ = 0.0, k_sp_ = 0.0;  // exponents of the cranial and spinal P-V laws [1/m^3]
  double u_ref_ = 0.0;
  bool autoreg_ = true;
};

}  // namespace

std::unique_ptr<ElementBlock> make_intracranial(const Element& e, const ElementValues& v) {
  return std::make_unique<Intracranial>(e, IntracranialParams::from(v));
}

}  // namespace venoflow
