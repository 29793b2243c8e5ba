// venoflow: the passive lumped element blocks (resistor, inductor, capacitor, three-element
// windkessel); their specifications, with the equations, are in basic.hpp.
#include "numerics/elements/basic.hpp"

#include <memory>
#include <stdexcept>

#include "numerics/elements/element.hpp"
#include "numerics/elements/element_list.hpp"

namespace venoflow {
namespace {

/// Linear resistor between ports a and b (Poiseuille-type lumped loss).
///   Q = (P_a - P_b) / R,   P = p + rho g z   (flow from a to b)
/// No state. Jacobian: dQ/dP_a = 1/R, dQ/dP_b = -1/R.
class Resistor final : public ElementBlockOf<Resistor> {
 public:
  Resistor(const Element& e, const ResistorParams& p) : ElementBlockOf(e), r_(p.R) {}
  bool linear() const override { return true; }
  void evaluate(const ElementContext&, const double*, const PortView* ports, double* flow,
                double*) const override {
    const double q = (ports[0].head - ports[1].head) / r_;
    flow[0] = q;
    flow[1] = -q;
  }
  void output(const ElementContext&, const double*, const PortView* ports,
              double* v) const override {
    v[0] = (ports[0].head - ports[1].head) / r_;
    v[1] = ports[0].p - ports[1].p;
  }

 private:
  double r_;
};

/// Inductor with series resistance between ports a and b (blood inertia of a lumped
/// segment, L = rho l / A):
///   L dQ/dt = P_a - P_b - R Q     state: Q [m^3/s], positive from a to b.
class Inductor final : public ElementBlockOf<Inductor> {
 public:
  Inductor(const Element& e, const InductorParams& p) : ElementBlockOf(e), l_(p.L), r_(p.R) {}
  bool linear() const override { return true; }
  std::vector<StateInfo> states() const override { return {{"flow", StateKind::Flow}}; }
  void initial_state(const ElementContext&, const PortView*, double* y) const override {
    y[0] = 0.0;
  }
  void evaluate(const ElementContext&, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    flow[0] = y[0];
    flow[1] = -y[0];
    ydot[0] = (ports[0].head - ports[1].head - r_ * y[0]) / l_;
  }
  void output(const ElementContext&, const double* y, const PortView* ports,
              double* v) const override {
    v[0] = y[0];
    v[1] = ports[0].p - ports[1].p;
  }

 private:
  double l_, r_;
};

/// Capacitor (compliance) at one node, against an external pressure group:
///   V = C (p - p_ext)   added to the node's volume; no state and no branch flow.
class Capacitor final : public ElementBlockOf<Capacitor> {
 public:
  Capacitor(const Element& e, const CapacitorParams& p) : ElementBlockOf(e), c_(p.C) {}
  bool linear() const override { return true; }
  void evaluate(const ElementContext&, const double*, const PortView*, double* flow,
                double*) const override {
    flow[0] = 0.0;
  }
  double volume(const ElementContext& ctx, int, double p) const override {
    return c_ * (p - ctx.external_pressure(external_group));
  }
  double compliance(const ElementContext&, int, double) const override { return c_; }
  bool linear_volume(int) const override { return true; }
  bool carries_flow() const override { return false; }
  void output(const ElementContext& ctx, const double*, const PortView* ports,
              double* v) const override {
    v[0] = volume(ctx, 0, ports[0].p);
  }

 private:
  double c_;
};

/// Three-element windkessel (RCR) terminating a node (Westerhof; Boileau et al. 2015 outlets):
///   Q = (p_a - p_c)/R1,   C dp_c/dt = Q - (p_c - p_out)/R2     state: p_c [Pa]
/// A second state integrates the volume discharged through R2 (dV_out/dt = (p_c - p_out)/R2),
/// so that stored volume C p_c plus V_out closes the network's mass balance exactly.
class Windkessel3 final : public ElementBlockOf<Windkessel3> {
 public:
  Windkessel3(const Element& e, const Windkessel3Params& p)
      : ElementBlockOf(e), r1_(p.R1), c_(p.C), r2_(p.R2), p_out_(p.p_out) {}
  bool linear() const override { return true; }
  std::vector<StateInfo> states() const override {
    return {{"p_c", StateKind::Pressure}, {"discharged_volume", StateKind::Cumulative}};
  }
  void initial_state(const ElementContext&, const PortView* ports, double* y) const override {
    y[0] = ports[0].p;
    y[1] = 0.0;
  }
  void evaluate(const ElementContext&, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    const double q = (ports[0].p - y[0]) / r1_;
    const double q_out = (y[0] - p_out_) / r2_;
    flow[0] = q;
    ydot[0] = (q - q_out) / c_;
    ydot[1] = q_out;
  }
  double internal_volume(const double* y) const override { return c_ * y[0] + y[1]; }
  void output(const ElementContext&, const double* y, const PortView* ports,
              double* v) const override {
    v[0] = (ports[0].p - y[0]) / r1_;
    v[1] = y[0];
    v[2] = (y[0] - p_out_) / r2_;
  }

 private:
  double r1_, c_, r2_, p_out_;
};

}  // namespace

std::unique_ptr<ElementBlock> make_resistor(const Element& e, const ElementValues& v) {
  return std::make_unique<Resistor>(e, ResistorParams::from(v));
}
std::unique_ptr<ElementBlock> make_inductor(const Element& e, const ElementValues& v) {
  return std::make_unique<Inductor>(e, InductorParams::from(v));
}
std::unique_ptr<ElementBlock> make_capacitor(const Element& e, const ElementValues& v) {
  return std::make_unique<Capacitor>(e, CapacitorParams::from(v));
}
std::unique_ptr<ElementBlock> make_windkessel3(const Element& e, const ElementValues& v) {
  return std::make_unique<Windkessel3>(e, Windkessel3Params::from(v));
}

ElementBlock::ElementBlock(const Element& e)
    : name_(e.name), type_(e.type), spec_(find_element_type(e.type)) {
  if (!spec_) throw std::invalid_argument("element " + e.name + ": unknown type '" + e.type + "'");
}

std::vector<Quantity> ElementBlock::outputs() const {
  std::vector<Quantity> q;
  for (const auto& o : spec_->outputs) q.push_back({o.name, o.unit});
  return q;
}

std::unique_ptr<ElementBlock> make_element(const Element& e) {
  // One list (element_list.hpp): the specification checks the values and fills the defaults,
  // the block is built from them.
#define VENOFLOW_MAKE(T) \
  if (e.type == #T) return make_##T(e, resolve_parameters(T##_spec(), e));
  VENOFLOW_ELEMENT_TYPES(VENOFLOW_MAKE)
#undef VENOFLOW_MAKE
  throw std::invalid_argument("element " + e.name + ": unknown type '" + e.type + "'");
}

std::vector<std::string> implemented_element_types() {
#define VENOFLOW_NAME(type) #type,
  return {VENOFLOW_ELEMENT_TYPES(VENOFLOW_NAME)};
#undef VENOFLOW_NAME
}

}  // namespace venoflow
