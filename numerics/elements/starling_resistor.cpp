// venoflow: the Starling resistor (vascular waterfall) element (type `starling_resistor`).
#include <limits>
#include <memory>

#include "numerics/elements/element.hpp"
#include "numerics/elements/element_params.hpp"
#include "numerics/elements/starling_resistor.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// The specification, with the equations and their sources, is in starling_resistor.hpp.
class StarlingResistor final : public ElementBlockOf<StarlingResistor> {
 public:
  StarlingResistor(const Element& e, const StarlingResistorParams& p)
      : ElementBlockOf(e), r_(p.R), s_(p.smoothing) {}
  void evaluate(const ElementContext& ctx, const double*, const PortView* ports, double* flow,
                double*) const override {
    const double q = flow_of(ctx, ports);
    flow[0] = q;
    flow[1] = -q;
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

std::unique_ptr<ElementBlock> make_starling_resistor(const Element& e, const ElementValues& v) {
  return std::make_unique<StarlingResistor>(e, StarlingResistorParams::from(v));
}

}  // namespace venoflow
