// venoflow: the lumped Young-Tsai stenosis element (type `stenosis`).
#include <memory>
#include <optional>

#include "numerics/elements/element.hpp"
#include "numerics/elements/element_params.hpp"
#include "numerics/elements/young_tsai.hpp"
#include "numerics/elements/young_tsai_stenosis.hpp"

namespace venoflow {
namespace {

using namespace element_detail;

/// The specification, with the equations and their sources, is in young_tsai_stenosis.hpp.
class YoungTsaiStenosis final : public ElementBlockOf<YoungTsaiStenosis> {
 public:
  YoungTsaiStenosis(const Element& e, const StenosisParams& p)
      : ElementBlockOf(e), q_eps_(p.flow_smoothing) {
    geo_.reference_diameter = p.reference_diameter;
    geo_.length = p.length;
    geo_.K_t = p.K_t;
    geo_.K_u = p.K_u;
    geo_.area_ratio =
        p.area_reduction
            ? 1.0 - *p.area_reduction
            : YoungTsaiGeometry::area_ratio_from_diameter_reduction(p.diameter_reduction.value());
  }

  std::vector<StateInfo> states() const override { return {{"flow", StateKind::Flow}}; }
  void initial_state(const ElementContext&, const PortView*, double* y) const override {
    y[0] = 0.0;
  }
  void evaluate(const ElementContext& ctx, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const YoungTsaiLoss loss = young_tsai_loss(geo_, ctx.density, ctx.viscosity, q_eps_);
    const double q = y[0];
    ydot[0] = loss.net_drive(ports[0].head - ports[1].head, q) / loss.L;
    flow[0] = q;
    flow[1] = -q;
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

std::unique_ptr<ElementBlock> make_stenosis(const Element& e, const ElementValues& v) {
  return std::make_unique<YoungTsaiStenosis>(e, StenosisParams::from(v));
}

}  // namespace venoflow
