#include "numerics/components/lumped_elements.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace venoflow {

namespace {
/// The group of `groups` for blocks of el's type and port count, added if there is none.
ElementGroup& group_of(std::vector<ElementGroup>& groups, const ElementBlock& el) {
  const int ports = static_cast<int>(el.port_nodes.size());
  if (ports > kMaxElementPorts)
    throw std::logic_error("element " + el.name() + ": more ports than ElementBlockOf takes");
  auto g = std::find_if(groups.begin(), groups.end(), [&](const ElementGroup& gr) {
    return gr.ports == ports && gr.blocks.front()->type() == el.type();
  });
  if (g != groups.end()) return *g;
  groups.emplace_back();
  groups.back().ports = ports;
  return groups.back();
}
}  // namespace

void LumpedElements::finalise(const std::vector<Junction>& nodes) {
  groups_.clear();
  output_groups_.clear();
  output_size_ = 0;
  for (const auto& el : blocks) {
    ElementGroup& out = group_of(output_groups_, *el);
    out.blocks.push_back(el.get());
    out.state_offset.push_back(el->state_offset);
    out.value_offset.push_back(output_size_);
    out.port_node.insert(out.port_node.end(), el->port_nodes.begin(), el->port_nodes.end());
    output_size_ += el->spec().outputs.size();
    if (!el->carries_flow() && el->states().empty()) continue;
    ElementGroup& g = group_of(groups_, *el);
    g.blocks.push_back(el.get());
    g.state_offset.push_back(el->state_offset);
    for (int nd : el->port_nodes) {
      const int row = nodes[static_cast<std::size_t>(nd)].balance_row();
      if (row < 0)
        throw std::logic_error("element " + el->name() + ": port node " +
                               nodes[static_cast<std::size_t>(nd)].name + " has no balance row");
      g.port_node.push_back(nd);
      g.port_row.push_back(row);
    }
  }
}

void LumpedElements::residual(const ElementContext& ctx, const PortView* node_view, const double* y,
                              double* ydot) {
  const NetworkIO io{node_view, y, ydot};
  for (const ElementGroup& g : groups_) g.blocks.front()->evaluate_group(ctx, g, io);
}

void LumpedElements::sample(const ElementContext& ctx, const PortView* node_view, const double* y,
                            double* values) const {
  for (const ElementGroup& g : output_groups_)
    g.blocks.front()->output_group(ctx, g, node_view, y, values);
}

void LumpedElements::declare_sparsity(PatternBuilder& pb,
                                      const std::vector<Junction>& nodes) const {
  for (const auto& el : blocks) {
    const int S = static_cast<int>(el->states().size());
    const int P = static_cast<int>(el->port_nodes.size());
    // Row r < S: internal state r; row S + k: the flow at port k, which enters the mass
    // balance of port node k. Column c < S: internal state c; column S + k: the pressure of
    // port node k, a function of its volume state (none for a prescribed pressure).
    auto row_of = [&](int r) {
      return r < S ? el->state_offset + r
                   : nodes[static_cast<std::size_t>(el->port_nodes[r - S])].balance_row();
    };
    auto col_of = [&](int c) {
      return c < S ? el->state_offset + c
                   : nodes[static_cast<std::size_t>(el->port_nodes[c - S])].state;
    };
    for (auto [r, c] : el->dependencies()) {
      if (r < 0 || r >= S + P || c < 0 || c >= S + P)
        throw std::logic_error("element " + el->name() + ": dependency (" + std::to_string(r) +
                               ", " + std::to_string(c) + ") outside its " + std::to_string(S) +
                               " states and " + std::to_string(P) + " ports");
      pb.depends(row_of(r), col_of(c));
    }
  }
}

}  // namespace venoflow
