// venoflow: the Starling resistor (vascular waterfall) element (type `starling_resistor`).
#include <limits>
#include <memory>

#include "solver/elements/element_params.hpp"
#include "solver/elements/venous_elements.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// Collapsible segment between ports a (upstream) and b (downstream) inside an external
/// pressure p_ext (the element's external-pressure group, e.g. ICP or tissue; 0 Pa if none).
/// When the outlet's transmural pressure p_b - p_ext is negative the segment collapses at its
/// outlet and the downstream pressure no longer matters (Starling resistor / vascular
/// waterfall; Ursino & Lodi 1997, J Appl Physiol 82:1256, cerebral veins-to-sinus outflow
/// pressure max(P_ic, P_vs); docs/physiology.md A2, A4 [READ-3P]):
///
///   Q = (P_a - max(P_b, p_ext + rho g z_b)) / R = (P_a - P_b - max(p_ext - p_b, 0)) / R
///
/// with P = p + rho g z the piezometric heads (the comparison with p_ext is in static pressure
/// at b, where the segment collapses). No state. The max is smoothed by a softplus of width
/// s = `smoothing` (default 0.1 mmHg):  max(x, 0) ~ s ln(1 + exp(x/s)), which exceeds max(x, 0)
/// by s ln 2 = 0.069 mmHg at the switch and by s exp(-|x|/s) away from it (6e-4 Pa at 1 mmHg
/// from it). s = 0 gives the sharp max. Output `waterfall` = logistic((p_ext - p_b)/s), the
/// derivative of the softplus: 1 when the external pressure governs, 0 when p_b does.
/// Meant for forward flow (a upstream); reverse flow sees the same formula.
/// Validity domain: forward flow, Q >= 0 (the waterfall is a collapse at the outlet of a segment
/// carrying flow from a to b, Permutt & Riley 1963 [UNVERIFIED]; in reverse flow the collapse
/// would sit at the other end, which the formula does not describe). Slack 1 ul/s [CHOSEN: the
/// flow-smoothing scale of the other venous elements].
class StarlingResistor final : public ElementBlock {
 public:
  explicit StarlingResistor(const Element& e)
      : ElementBlock(e),
        r_(required(e, "R")),
        s_(or_default(e, "smoothing", 0.1 * 133.322387415)) {}
  void evaluate(const ElementContext& ctx, const double*, const PortView* ports, double* flow,
                double*) const override {
    const double q = flow_of(ctx, ports);
    flow[0] = q;
    flow[1] = -q;
  }
  std::vector<Quantity> outputs() const override {
    return {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}, {"waterfall", "1"}};
  }
  std::vector<DomainBound> domain() const override {
    return {{"flow", 0.0, std::numeric_limits<double>::infinity(), 1e-9,
             "Starling resistor (vascular waterfall): a collapse at the outlet of a segment with "
             "forward flow"}};
  }
  void output(const ElementContext& ctx, const double*, const PortView* ports,
              double* v) const override {
    v[0] = flow_of(ctx, ports);
    v[1] = ports[0].p - ports[1].p;
    v[2] = logistic(ctx.external_pressure(external_group) - ports[1].p, s_);
  }

 private:
  double flow_of(const ElementContext& ctx, const PortView* ports) const {
    const double excess = softplus(ctx.external_pressure(external_group) - ports[1].p, s_);
    return (ports[0].head - ports[1].head - excess) / r_;
  }
  double r_, s_;
};

}  // namespace

std::unique_ptr<ElementBlock> make_starling_resistor(const Element& spec) {
  return std::make_unique<StarlingResistor>(spec);
}

}  // namespace venoflow
