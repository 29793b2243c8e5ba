// The engine's passive lumped elements: resistor, inductor, capacitor, three-element
// windkessel. Each class comment is its specification.
#include <stdexcept>

#include "solver/elements/element.hpp"
#include "solver/elements/intracranial.hpp"
#include "solver/elements/venous_elements.hpp"
#include "venoflow/element_types.hpp"

namespace venoflow {
namespace {

double param(const Element& e, const std::string& key) {
  auto it = e.params.find(key);
  if (it == e.params.end())
    throw std::invalid_argument("element " + e.name + ": missing parameter " + key);
  return it->second;
}
double param_or(const Element& e, const std::string& key, double fallback) {
  auto it = e.params.find(key);
  return it == e.params.end() ? fallback : it->second;
}

/// Linear resistor between ports a and b (Poiseuille-type lumped loss).
///   Q = (P_a - P_b) / R,   P = p + rho g z   (flow from a to b)
/// No state. Jacobian: dQ/dP_a = 1/R, dQ/dP_b = -1/R.
class Resistor final : public ElementBlock {
 public:
  explicit Resistor(const Element& e) : ElementBlock(e), r_(param(e, "R")) {}
  void evaluate(const ElementContext&, const double*, const PortView* ports, double* flow,
                double*) const override {
    const double q = (ports[0].head - ports[1].head) / r_;
    flow[0] = q;
    flow[1] = -q;
  }
  std::vector<Quantity> outputs() const override {
    return {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}};
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
class Inductor final : public ElementBlock {
 public:
  explicit Inductor(const Element& e)
      : ElementBlock(e), l_(param(e, "L")), r_(param_or(e, "R", 0.0)) {}
  std::vector<StateInfo> states() const override { return {{"flow", StateKind::Flow}}; }
  void initial_state(const std::vector<double>&, double* y) const override { y[0] = 0.0; }
  void evaluate(const ElementContext&, const double* y, const PortView* ports, double* flow,
                double* ydot) const override {
    flow[0] = y[0];
    flow[1] = -y[0];
    ydot[0] = (ports[0].head - ports[1].head - r_ * y[0]) / l_;
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
  double l_, r_;
};

/// Capacitor (compliance) at one node, against an external pressure group:
///   V = C (p - p_ext)   added to the node's volume; no state and no branch flow.
class Capacitor final : public ElementBlock {
 public:
  explicit Capacitor(const Element& e) : ElementBlock(e), c_(param(e, "C")) {}
  void evaluate(const ElementContext&, const double*, const PortView*, double* flow,
                double*) const override {
    flow[0] = 0.0;
  }
  bool stores_volume(int) const override { return true; }
  double volume(const ElementContext& ctx, int, double p) const override {
    return c_ * (p - ctx.external_pressure(external_group));
  }
  double compliance(const ElementContext&, int, double) const override { return c_; }
  std::vector<Quantity> outputs() const override { return {{"volume", "m^3"}}; }
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
class Windkessel3 final : public ElementBlock {
 public:
  explicit Windkessel3(const Element& e)
      : ElementBlock(e),
        r1_(param(e, "R1")),
        c_(param(e, "C")),
        r2_(param(e, "R2")),
        p_out_(param_or(e, "p_out", 0.0)) {}
  std::vector<StateInfo> states() const override {
    return {{"p_c", StateKind::Pressure}, {"discharged_volume", StateKind::Cumulative}};
  }
  void initial_state(const std::vector<double>& p0, double* y) const override {
    y[0] = p0[0];
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
  std::vector<Quantity> outputs() const override {
    return {{"flow", "m^3/s"}, {"p_c", "Pa"}, {"outflow", "m^3/s"}};
  }
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

std::unique_ptr<ElementBlock> make_element(const Element& spec) {
  // Parameter ranges are stated once, in the catalogue (network/element_types.cpp); the
  // loader reports every violation at its key, this guards elements built in code.
  check_parameter_ranges(spec);
  if (spec.type == "resistor") return std::make_unique<Resistor>(spec);
  if (spec.type == "inductor") return std::make_unique<Inductor>(spec);
  if (spec.type == "capacitor") return std::make_unique<Capacitor>(spec);
  if (spec.type == "windkessel3") return std::make_unique<Windkessel3>(spec);
  if (spec.type == "mynard_valve") return make_mynard_valve(spec);
  if (spec.type == "starling_resistor") return make_starling_resistor(spec);
  if (spec.type == "stenosis") return make_young_tsai_stenosis(spec);
  if (spec.type == "intracranial") return make_intracranial_element(spec);
  throw std::invalid_argument("element " + spec.name + ": unknown type '" + spec.type + "'");
}

std::vector<std::string> implemented_element_types() {
  return {"resistor",     "inductor",          "capacitor", "windkessel3",
          "mynard_valve", "starling_resistor", "stenosis",  "intracranial"};
}

}  // namespace venoflow
