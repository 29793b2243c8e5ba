// venoflow: the Mynard venous valve element (type `mynard_valve`).
#include <limits>
#include <memory>
#include <string>

#include "numerics/elements/element.hpp"
#include "numerics/elements/element_params.hpp"
#include "numerics/elements/mynard_valve.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// The specification, with the equations and their sources, is in mynard_valve.hpp.
class MynardValve final : public ElementBlockOf<MynardValve> {
 public:
  MynardValve(const Element& e, const MynardValveParams& p)
      : ElementBlockOf(e),
        a_ann_(p.annulus_area),
        m_st_(p.M_st),
        m_rg_(p.M_rg),
        k_vo_(p.K_vo),
        k_vc_(p.K_vc),
        dp_open_(p.dp_open),
        dp_close_(p.dp_close),
        l_eff_(p.effective_length),
        zeta0_(p.initial_opening),
        q_eps_(p.flow_smoothing),
        s_(p.pressure_smoothing),
        fixed_(p.fixed) {
    a_max_ = m_st_ * a_ann_;
    a_min_ = m_rg_ * a_ann_;
    a_floor_ = 1e-6 * a_ann_;
  }

  std::vector<StateInfo> states() const override {
    return {{"opening", StateKind::Dimensionless}, {"flow", StateKind::Flow}};
  }
  /// dzeta/dt = (1 - zeta) K_vo (...) - zeta K_vc (...) keeps zeta in [0, 1] (Mynard et al. 2012).
  std::vector<std::pair<double, double>> state_bounds() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return {{0.0, 1.0}, {-inf, inf}};
  }
  void initial_state(const ElementContext&, const PortView*, double* y) const override {
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

std::unique_ptr<ElementBlock> make_mynard_valve(const Element& e, const ElementValues& v) {
  return std::make_unique<MynardValve>(e, MynardValveParams::from(v));
}

}  // namespace venoflow
