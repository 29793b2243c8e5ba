// venoflow: the interface of a lumped (0D) element block, after svZeroDSolver's "blocks".
//
// Conventions shared by every element (docs/numerics.md#elements):
//  - Nodes own pressure (through their volume state); elements and vessels own flow.
//  - An element connects port nodes. For each port it returns the flow LEAVING the port
//    node into the element [m^3/s]; the node's mass balance subtracts it exactly.
//  - Branch elements drive flow by the difference of piezometric pressure
//    P = p + rho g z (well balanced: a resting hydrostatic column gives zero flow).
//  - An element may store volume at a port node (capacitor): V(p) is then added to the
//    node's volume-pressure relation.
//  - Internal states are integrated with the network; each has a kind that sets its
//    absolute tolerance and how it is described in diagnostics.
#pragma once

#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "venoflow/element_types.hpp"
#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

/// What an element sees of a port node.
struct PortView {
  double p = 0.0;     ///< static pressure [Pa]
  double head = 0.0;  ///< piezometric pressure p + rho g z(t) [Pa]
};

/// Cumulative: a running integral kept for bookkeeping (e.g. volume discharged out of the
/// network); it gets a loose absolute tolerance so that it does not steer the step size.
enum class StateKind { Pressure, Flow, Volume, Dimensionless, Cumulative };

struct StateInfo {
  std::string name;
  StateKind kind;
};

/// External pressures of the groups at time t, indexed by group id (-1 = none = 0 Pa).
struct ElementContext {
  double t = 0.0;
  double density = 0.0;
  double viscosity = 0.0;  ///< blood viscosity mu [Pa s] (Newtonian)
  /// Gravity along the body's head-to-foot axis, g sin(tilt(t)) [m/s^2] (0 supine or without
  /// gravity): what a fluid column inside an element (e.g. the craniospinal CSF) weighs; the
  /// heights of the port nodes are already in their heads.
  double g_axial = 0.0;
  const std::vector<double>* external_pressures = nullptr;
  double external_pressure(int group) const {
    return group < 0 ? 0.0 : (*external_pressures)[static_cast<std::size_t>(group)];
  }
};

/// Where an element's equations hold (docs/cerebral-model.md#validity-domain): bounds on one of
/// its output quantities. The run checks them on every output sample (not per right-hand side)
/// and stops (or warns, `solver.on_domain_violation`) when a sample leaves them: a state the
/// equations do not describe is not a result.
struct DomainBound {
  std::string quantity;                                     ///< the name of one of outputs()
  double lower = -std::numeric_limits<double>::infinity();  ///< inclusive, SI unit of quantity
  double upper = std::numeric_limits<double>::infinity();   ///< inclusive
  /// Tolerated excursion beyond a bound from integration error (same unit), e.g. a valve
  /// opening that the integrator carries to 1 + 1e-9.
  double slack = 0.0;
  std::string source;  ///< why the equations stop holding outside, and the reference
};

class ElementBlock;

/// The blocks of one type (and port count) in flat form, evaluated in one call per right-hand
/// side, and sampled in one call per output instant (built once by
/// numerics/components/lumped_elements.hpp).
struct ElementGroup {
  std::vector<const ElementBlock*> blocks;
  std::vector<int> state_offset;  ///< per block: offset of its internal states in y, -1: none
  std::vector<int> port_node;     ///< node index of every port, `ports` per block, in order
  std::vector<int> port_row;      ///< the mass-balance row of each port's node (like port_node)
  /// Per block: where its outputs start in a sample's element values (the output groups only;
  /// the layout's order, which is not the group's).
  std::vector<std::size_t> value_offset;
  int ports = 0;
};

/// What the blocks read and write of the network at a right-hand side: they subtract each port
/// flow from the mass-balance row of its node in ydot (NodeBalance).
struct NetworkIO {
  const PortView* node_view;  ///< pressure and head of every node (node index)
  const double* y;
  double* ydot;
};

class ElementBlock {
 public:
  /// Construction and specification (the numerical interface follows below). `spec`: the
  /// type's specification (numerics/elements/<type>.hpp), the source of the outputs and of the
  /// ports that store volume.
  explicit ElementBlock(const Element& e);
  virtual ~ElementBlock() = default;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const ElementTypeSpec& spec() const { return *spec_; }

  /// Internal states (may be none).
  virtual std::vector<StateInfo> states() const { return {}; }
  /// Initial internal state given the initial pressure and head at each port (ctx at t = 0:
  /// external pressures and posture of the start).
  virtual void initial_state(const ElementContext& ctx, const PortView* ports, double* y) const {
    (void)ctx;
    (void)ports;
    (void)y;
  }
  /// Bounds [lower, upper] of each internal state that the exact dynamics never leaves (none:
  /// unbounded). A steady-state search projects its iterates onto them: where a state has a
  /// neutral band (a valve opening between its closing and opening pressure differences) an
  /// implicit pseudo-time step could otherwise land outside and find a spurious rest there.
  virtual std::vector<std::pair<double, double>> state_bounds() const { return {}; }
  /// Port flows (out of each port node, into the element) and internal derivatives: it writes
  /// every one of them (the right-hand side does not zero ydot first).
  virtual void evaluate(const ElementContext& ctx, const double* y, const PortView* ports,
                        double* port_flow, double* ydot) const = 0;
  /// evaluate() for every block of `group` (blocks of this block's type, this one among them):
  /// gathers each block's port views from io.node_view, writes its internal derivatives and
  /// subtracts its port flows from its port nodes' mass-balance rows. Implemented by
  /// ElementBlockOf.
  virtual void evaluate_group(const ElementContext& ctx, const ElementGroup& group,
                              const NetworkIO& io) const = 0;

  /// Volume stored at a port node at pressure p [m^3], and its derivative dV/dp; the ports that
  /// store volume are the specification's volume_ports.
  bool stores_volume(int port) const {
    return port >= 0 && spec_->stores_volume_at(static_cast<std::size_t>(port));
  }
  virtual double volume(const ElementContext& ctx, int port, double p) const {
    (void)ctx, (void)port, (void)p;
    return 0.0;
  }
  virtual double compliance(const ElementContext& ctx, int port, double p) const {
    (void)ctx, (void)port, (void)p;
    return 0.0;
  }
  /// True when volume(ctx, port, p) is linear in p with a compliance that depends on nothing
  /// and V(0) depends on t through the element's external-pressure group alone (a capacitor,
  /// V = C (p - p_ext)): a node whose volume is held by such ports alone has
  /// p = (V - V(0)) / C, no iteration (Junction::linear).
  virtual bool linear_volume(int port) const {
    (void)port;
    return false;
  }
  /// True when the port flows and internal derivatives are linear in the internal states and
  /// port pressures with constant coefficients (the element's Jacobian never changes).
  virtual bool linear() const { return false; }
  /// False for an element with no internal state whose port flows are zero whatever the port
  /// pressures (a capacitor only stores volume): the right-hand side skips its evaluate().
  virtual bool carries_flow() const { return true; }
  /// Blood volume held in internal states [m^3] (a linear function of y: mass balance).
  virtual double internal_volume(const double* y) const {
    (void)y;
    return 0.0;
  }

  /// Sparsity of the element's equations: the Jacobian pattern is the union of what the
  /// components declare (numerics/components/pattern.hpp). Rows are what the element gives the
  /// network: the derivatives of its internal states (0..S-1), then the flow at each port
  /// (S..S+P-1); columns what it reads: its internal states (0..S-1), then the pressure of
  /// each port node (S..S+P-1). A pair (row, column) says that row may depend on that column.
  /// Default: every row on every column (always safe); a block may declare fewer.
  virtual std::vector<std::pair<int, int>> dependencies() const {
    const int n = static_cast<int>(states().size() + port_nodes.size());
    std::vector<std::pair<int, int>> d;
    d.reserve(static_cast<std::size_t>(n * n));
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) d.emplace_back(r, c);
    return d;
  }

  /// The validity domain of the element's equations, as bounds on its outputs (none: every
  /// finite state is inside).
  virtual std::vector<DomainBound> domain() const { return {}; }

  /// Output series written to /elements/<name>/... (the specification's outputs), and their
  /// values in that order.
  std::vector<Quantity> outputs() const;
  virtual void output(const ElementContext& ctx, const double* y, const PortView* ports,
                      double* values) const = 0;
  /// output() for every block of `group` (blocks of this block's type, this one among them):
  /// gathers each block's port views from node_view and writes its outputs at
  /// values + group.value_offset[i]. Implemented by ElementBlockOf.
  virtual void output_group(const ElementContext& ctx, const ElementGroup& group,
                            const PortView* node_view, const double* y, double* values) const = 0;

  std::vector<int> port_nodes;  ///< node index of each port (set by the System)
  int state_offset = -1;        ///< offset of the internal states in y (set by the System)
  int external_group = -1;      ///< external-pressure group id, -1 = none

 private:
  std::string name_, type_;
  const ElementTypeSpec* spec_;
};

/// The most ports an element type has (ElementBlockOf evaluates 1 to this many).
inline constexpr int kMaxElementPorts = 4;

/// The base of every element type's block, `class Block final : public ElementBlockOf<Block>`:
/// it evaluates all the blocks of its type in one loop, each through Block::evaluate called
/// directly (no virtual call per block, inlined), with the port count fixed at compile time.
/// A network's right-hand side is then close to the arithmetic of its elements (a virtual call
/// and port-view copies per element otherwise cost several times an inductor's equation). The
/// output samples go the same way (Block::output, output_group).
template <class Block>
class ElementBlockOf : public ElementBlock {
 public:
  using ElementBlock::ElementBlock;
  void evaluate_group(const ElementContext& ctx, const ElementGroup& group,
                      const NetworkIO& io) const final {
    switch (group.ports) {
      case 1:
        return evaluate_each<1>(ctx, group, io);
      case 2:
        return evaluate_each<2>(ctx, group, io);
      case 3:
        return evaluate_each<3>(ctx, group, io);
      case 4:
        return evaluate_each<4>(ctx, group, io);
      default:
        throw std::logic_error("element " + name() + ": " + std::to_string(group.ports) +
                               " ports, more than " + std::to_string(kMaxElementPorts));
    }
  }
  void output_group(const ElementContext& ctx, const ElementGroup& group, const PortView* node_view,
                    const double* y, double* values) const final {
    switch (group.ports) {
      case 1:
        return output_each<1>(ctx, group, node_view, y, values);
      case 2:
        return output_each<2>(ctx, group, node_view, y, values);
      case 3:
        return output_each<3>(ctx, group, node_view, y, values);
      case 4:
        return output_each<4>(ctx, group, node_view, y, values);
      default:
        throw std::logic_error("element " + name() + ": " + std::to_string(group.ports) +
                               " ports, more than " + std::to_string(kMaxElementPorts));
    }
  }

 private:
  template <int P>
  void evaluate_each(const ElementContext& ctx, const ElementGroup& group,
                     const NetworkIO& io) const {
    static_assert(std::is_final_v<Block>, "Block::evaluate must be called without dispatch");
    // Sized for any block (the group's P ports are used): every P is instantiated for every type.
    PortView view[kMaxElementPorts];
    double flow[kMaxElementPorts] = {};
    const int* port_node = group.port_node.data();
    const int* port_row = group.port_row.data();
    // Held in locals: read through `io` the compiler reloads them after every store to ydot.
    const PortView* const node_view = io.node_view;
    const double* const y = io.y;
    double* const ydot = io.ydot;
    const int* const state_offset = group.state_offset.data();
    const auto* const blocks = group.blocks.data();
    const std::size_t n = group.blocks.size();
    for (std::size_t i = 0; i < n; ++i, port_node += P, port_row += P) {
      for (int k = 0; k < P; ++k) view[k] = node_view[port_node[k]];
      const int s = state_offset[i];
      static_cast<const Block&>(*blocks[i])
          .evaluate(ctx, s >= 0 ? y + s : nullptr, view, flow, s >= 0 ? ydot + s : nullptr);
      for (int k = 0; k < P; ++k) ydot[port_row[k]] -= flow[k];
    }
  }
  template <int P>
  void output_each(const ElementContext& ctx, const ElementGroup& group, const PortView* node_view,
                   const double* y, double* values) const {
    PortView view[kMaxElementPorts];
    const int* port_node = group.port_node.data();
    for (std::size_t i = 0; i < group.blocks.size(); ++i, port_node += P) {
      for (int k = 0; k < P; ++k) view[k] = node_view[port_node[k]];
      const int s = group.state_offset[i];
      static_cast<const Block&>(*group.blocks[i])
          .output(ctx, s >= 0 ? y + s : nullptr, view, values + group.value_offset[i]);
    }
  }
};

/// Build the block of an element: its values are checked against the type's specification
/// (resolve_parameters) and the block is built from them. Throws std::invalid_argument for an
/// unknown type or the first value the specification rejects.
std::unique_ptr<ElementBlock> make_element(const Element& e);

/// The element types the solver implements (numerics/elements/element_list.hpp).
std::vector<std::string> implemented_element_types();

}  // namespace venoflow
