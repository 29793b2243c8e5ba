// venoflow: the Mynard venous valve element (type `mynard_valve`).
#include <limits>
#include <memory>
#include <string>

#include "solver/elements/element_params.hpp"
#include "solver/elements/venous_elements.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// Valve between ports a (upstream) and b (downstream), after Mynard, Davidson, Penny,
/// Smolich 2012, "A simple, versatile valve model for use in lumped parameter and
/// one-dimensional cardiovascular models", Int J Numer Meth Biomed Eng 28:626-641
/// (equations as in docs/physiology.md A3 [READ-3P]).
///
/// States: opening zeta in [0, 1] (Dimensionless) and flow q (Flow, positive from a to b).
///
///   dp     = P_a - P_b                       (piezometric heads P = p + rho g z)
///   A_eff  = (A_max - A_min) zeta + A_min + A_floor,
///            A_max = M_st A_ann, A_min = M_rg A_ann, A_floor = 1e-6 A_ann
///   L dq/dt = dp - B q sqrt(q^2 + q_eps^2),  B = rho / (2 A_eff^2),  L = rho l_eff / A_eff
///   dzeta/dt = (1 - zeta) K_vo r_s(dp - dp_open) - zeta K_vc r_s(dp_close - dp)
///
/// Smoothing (the right-hand side must be smooth for CVODE's Newton iteration, docs/numerics.md):
///  - q|q| is replaced by q sqrt(q^2 + q_eps^2), q_eps = `flow_smoothing` (default 1e-9 m^3/s
///    = 1 ul/s). In quasi-steady flow the relative flow error is about (q_eps/q)^2/4.
///  - Mynard's piecewise opening law (open when dp > dp_open, close when dp < dp_close,
///    hold in between) uses the C-infinity ramp r_s(x) = x exp(-s/x) for x > 0, 0 otherwise,
///    s = `pressure_smoothing` (default 0.1 Pa). r_s is exactly 0 in the dead band (a valve at
///    rest does not drift), max(x,0) - s <= r_s(x) <= max(x,0) (the thresholds move by less
///    than s), and both terms keep zeta in [0, 1]. s = 0 gives Mynard's law exactly.
///  - A_floor keeps a competent closed valve (M_rg = 0, zeta -> 0) well posed; Mynard's
///    implementations add machine epsilon (CirculatorySystemModels.jl), a relative floor is
///    independent of the unit system.
///
/// Defects: incompetent (regurgitant) M_rg > 0 (reflux q = -A_min sqrt(2|dp|/rho) when
/// closed); stenotic M_st < 1 (forward flow scaled by M_st); immobile leaflets
/// `mobility: fixed` (zeta stays at `initial_opening`). Initial state: zeta =
/// `initial_opening` (default 1, open), q = 0.
class MynardValve final : public ElementBlock {
 public:
  explicit MynardValve(const Element& e)
      : ElementBlock(e),
        a_ann_(required(e, "annulus_area")),
        m_st_(or_default(e, "M_st", 1.0)),
        m_rg_(or_default(e, "M_rg", 0.0)),
        k_vo_(or_default(e, "K_vo", 0.1)),
        k_vc_(or_default(e, "K_vc", 0.1)),
        dp_open_(or_default(e, "dp_open", 0.0)),
        dp_close_(or_default(e, "dp_close", 0.0)),
        l_eff_(or_default(e, "effective_length", 0.01)),
        zeta0_(or_default(e, "initial_opening", 1.0)),
        q_eps_(or_default(e, "flow_smoothing", 1e-9)),
        s_(or_default(e, "pressure_smoothing", 0.1)),
        fixed_(text_or(e, "mobility", "normal") == "fixed") {
    a_max_ = m_st_ * a_ann_;
    a_min_ = m_rg_ * a_ann_;
    a_floor_ = 1e-6 * a_ann_;
    const auto mobility = text_or(e, "mobility", "normal");
    if (mobility != "normal" && mobility != "fixed") {
      std::string msg = "element ";
      msg.append(e.name).append(" (mynard_valve): mobility must be normal or fixed, got '");
      msg.append(mobility).append("'");
      throw std::invalid_argument(msg);
    }
  }

  std::vector<StateInfo> states() const override {
    return {{"opening", StateKind::Dimensionless}, {"flow", StateKind::Flow}};
  }
  void initial_state(const std::vector<double>&, double* y) const override {
    y[0] = zeta0_;
    y[1] = 0.0;
  }
  void evaluate(const ElementContext& ctx, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const double zeta = y[0], q = y[1];
    const double dp = ports[0].head - ports[1].head;
    const double a = area(zeta);
    const double rho = ctx.density;
    if (!(a > 0.0)) {  // zeta far below 0: let CVODE retry with a smaller step
      ydot[0] = ydot[1] = std::numeric_limits<double>::quiet_NaN();
      flow[0] = flow[1] = 0.0;
      return;
    }
    // L dq/dt = dp - B q sqrt(q^2 + eps^2), divided by L = rho l / A
    ydot[1] = (dp - rho / (2.0 * a * a) * smooth_q_abs_q(q, q_eps_)) * a / (rho * l_eff_);
    ydot[0] = fixed_ ? 0.0
                     : (1.0 - zeta) * k_vo_ * smooth_ramp(dp - dp_open_, s_) -
                           zeta * k_vc_ * smooth_ramp(dp_close_ - dp, s_);
    flow[0] = q;
    flow[1] = -q;
  }
  std::vector<Quantity> outputs() const override {
    return {
        {"flow", "m^3/s"}, {"opening", "1"}, {"pressure_drop", "Pa"}, {"effective_area", "m^2"}};
  }
  /// Validity domain: the opening is a fraction of the leaflet travel, zeta in [0, 1] (Mynard
  /// et al. 2012; both terms of dzeta/dt keep it there, so leaving it is an integration error).
  /// Slack 1e-6: a dimensionless state integrated at rtol 1e-6 [CHOSEN].
  std::vector<DomainBound> domain() const override {
    return {{"opening", 0.0, 1.0, 1e-6,
             "Mynard et al. 2012 valve law: the opening is a fraction of the leaflet travel"}};
  }
  void output(const ElementContext&, const double* y, const PortView* ports,
              double* v) const override {
    v[0] = y[1];
    v[1] = y[0];
    v[2] = ports[0].p - ports[1].p;
    v[3] = area(y[0]);
  }

 private:
  double area(double zeta) const { return (a_max_ - a_min_) * zeta + a_min_ + a_floor_; }

  double a_ann_, m_st_, m_rg_, k_vo_, k_vc_, dp_open_, dp_close_, l_eff_, zeta0_, q_eps_, s_;
  bool fixed_;
  double a_max_ = 0.0, a_min_ = 0.0, a_floor_ = 0.0;
};

}  // namespace

std::unique_ptr<ElementBlock> make_mynard_valve(const Element& spec) {
  return std::make_unique<MynardValve>(spec);
}

}  // namespace venoflow
