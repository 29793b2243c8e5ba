// venoflow: the lumped elements as one component of the semi-discrete network. Each element
// block (numerics/elements/element.hpp) owns its internal states and the flows at its ports; this
// component places their states in y, feeds them their port nodes' pressures, adds their port
// flows to the nodes' mass balances and declares their sparsity from each block's
// dependencies(). One virtual call per element and right-hand side; no allocation per call.
#pragma once

#include <memory>
#include <vector>

#include "numerics/components/junction.hpp"
#include "numerics/components/pattern.hpp"
#include "numerics/elements/element.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

struct LumpedElements {
  std::vector<std::unique_ptr<ElementBlock>> blocks;
  std::vector<std::size_t> n_outputs;  // number of outputs of each element (sampling)

  /// Sizes the scratch once the blocks are connected (port_nodes set).
  void finalise();
  /// Residuals of the internal states; subtracts each port flow (which leaves its node) from
  /// node_net (indexed like nodes).
  void residual(const ElementContext& ctx, const std::vector<Junction>& nodes, double rg,
                const double* y, double* ydot, std::vector<double>& node_net);
  /// Appends every element's outputs at (ctx, y) to values.
  void sample(const ElementContext& ctx, const std::vector<Junction>& nodes, double rg,
              const double* y, std::vector<double>& values);
  /// Declares each block's dependencies(): internal-state rows and port flows (into the
  /// mass-balance rows of the port nodes) on internal states and port node volumes.
  void declare_sparsity(PatternBuilder& pb, const std::vector<Junction>& nodes) const;

 private:
  void view_ports(const ElementBlock& el, const std::vector<Junction>& nodes, double rg);
  // The blocks whose evaluate() the right-hand side calls: all but those with no state and
  // no port flow (capacitors, ElementBlock::carries_flow), whose evaluation changes nothing.
  std::vector<ElementBlock*> flowing_;
  std::vector<double> port_flow_;  // scratch
  std::vector<PortView> port_view_;
};

}  // namespace venoflow
