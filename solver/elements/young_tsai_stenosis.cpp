// venoflow: the lumped Young-Tsai stenosis element (type `stenosis`).
#include <memory>
#include <optional>

#include "solver/elements/element_params.hpp"
#include "solver/elements/venous_elements.hpp"
#include "solver/elements/young_tsai.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// Focal stenosis between ports a and b as a lumped loss (Young & Tsai 1973, Seeley & Young
/// 1976; as in SimVascular svOneDSolver; docs/physiology.md A5 [READ-3P]; coefficients in
/// young_tsai.hpp):
///
///   L dq/dt = P_a - P_b - R_v q - B q sqrt(q^2 + q_eps^2)     state: q, positive from a to b
///   R_v = K_v mu/(A0 D0), K_v = 32 (0.83 L_s + 1.64 D_s)/D0 (A0/A_s)^2,
///   B = K_t rho/(2 A0^2) (A0/A_s - 1)^2,  L = K_u rho L_s/A0,  A0 = pi D0^2/4
///
/// P = p + rho g z (heads), mu and rho the model's blood. Severity is exactly one of
/// `area_reduction` (A_s = (1 - r) A0) or `diameter_reduction` (D_s = (1 - d) D0, so
/// A_s = (1 - d)^2 A0: 50 % in diameter is 75 % in area); the constructor checks that exactly
/// one is given. q|q| is smoothed as q sqrt(q^2 + q_eps^2), q_eps = `flow_smoothing`
/// (default 1e-9 m^3/s = 1 ul/s; relative error of a steady loss about (q_eps/q)^2/2).
/// Initial flow 0.
class YoungTsaiStenosis final : public ElementBlock {
 public:
  explicit YoungTsaiStenosis(const Element& e)
      : ElementBlock(e), q_eps_(or_default(e, "flow_smoothing", 1e-9)) {
    geo_.reference_diameter = required(e, "reference_diameter");
    geo_.length = required(e, "length");
    geo_.K_t = or_default(e, "K_t", 1.52);
    geo_.K_u = or_default(e, "K_u", 1.2);
    const std::optional<double> ar = optional(e, "area_reduction");
    const std::optional<double> dr = optional(e, "diameter_reduction");
    if (ar.has_value() == dr.has_value()) {
      std::string msg = "element ";
      msg.append(e.name).append(
          " (stenosis): give exactly one of area_reduction and diameter_reduction (");
      msg.append(ar ? "both were given)" : "neither was given)");
      throw std::invalid_argument(msg);
    }
    // ranges: the catalogue (network/element_types.cpp), checked by make_element
    geo_.area_ratio = ar ? 1.0 - *ar : YoungTsaiGeometry::area_ratio_from_diameter_reduction(*dr);
  }

  std::vector<StateInfo> states() const override { return {{"flow", StateKind::Flow}}; }
  void initial_state(const std::vector<double>&, double* y) const override { y[0] = 0.0; }
  void evaluate(const ElementContext& ctx, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const YoungTsaiLoss loss = young_tsai_loss(geo_, ctx.density, ctx.viscosity, q_eps_);
    const double q = y[0];
    ydot[0] = loss.net_drive(ports[0].head - ports[1].head, q) / loss.L;
    flow[0] = q;
    flow[1] = -q;
  }
  std::vector<Quantity> outputs() const override {
    return {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}};
  }
  void output(const ElementContext&, const double* y, const PortView* ports,
              double* v) const override {
    v[0] = y[0];
    v[1] = ports[0].p - ports[1].p;
  }

 private:
  YoungTsaiGeometry geo_;
  double q_eps_;
};

}  // namespace

std::unique_ptr<ElementBlock> make_young_tsai_stenosis(const Element& spec) {
  return std::make_unique<YoungTsaiStenosis>(spec);
}

}  // namespace venoflow
