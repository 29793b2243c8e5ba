// venoflow: the lumped elements as one component of the semi-discrete network. Each element
// block (numerics/elements/element.hpp) owns its internal states and the flows at its ports; this
// component places their states in y, feeds them their port nodes' pressures, adds their port
// flows to the nodes' mass balances and declares their sparsity from each block's
// dependencies(). The blocks are evaluated in groups of one type (ElementBlockOf), their state
// offsets and port nodes in flat index arrays built once (finalise()), and the node pressures
// are read from the System's flat node arrays: one virtual call per type and right-hand side,
// no allocation per call. The outputs are sampled the same way, every block (capacitors too)
// in groups of one type, each writing at its place in the layout's order.
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

  /// Lays out the groups' index arrays (right-hand side and sampling) once the blocks are
  /// connected (port_nodes and state_offset set) and the nodes' rows laid out.
  void finalise(const std::vector<Junction>& nodes);
  /// Residuals of the internal states; subtracts each port flow (which leaves its node) from
  /// the node's mass-balance row (NodeBalance). node_view: each node's pressure and head.
  void residual(const ElementContext& ctx, const PortView* node_view, const double* y,
                double* ydot);
  /// The number of element output values of a sample: every block's outputs, in block order.
  std::size_t output_size() const { return output_size_; }
  /// Writes every element's outputs at (ctx, y) to values[0 .. output_size()), in block order.
  void sample(const ElementContext& ctx, const PortView* node_view, const double* y,
              double* values) const;
  /// Declares each block's dependencies(): internal-state rows and port flows (into the
  /// mass-balance rows of the port nodes) on internal states and port node volumes.
  void declare_sparsity(PatternBuilder& pb, const std::vector<Junction>& nodes) const;

 private:
  /// What the right-hand side evaluates: every block but those with no state and no port flow
  /// (capacitors, ElementBlock::carries_flow), whose evaluation changes nothing, grouped by
  /// type and port count (ElementBlockOf: one call per group).
  std::vector<ElementGroup> groups_;
  /// What a sample reads: every block, grouped by type and port count, with the offset of its
  /// outputs (ElementGroup::value_offset).
  std::vector<ElementGroup> output_groups_;
  std::size_t output_size_ = 0;
};

}  // namespace venoflow
