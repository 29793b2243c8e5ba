#include "numerics/components/lumped_elements.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace venoflow {

void LumpedElements::finalise(const std::vector<Junction>& nodes) {
  std::size_t nports = 0;
  for (const auto& el : blocks) nports = std::max(nports, el->port_nodes.size());
  port_flow_.assign(std::max<std::size_t>(nports, 1), 0.0);
  port_view_.assign(std::max<std::size_t>(nports, 1), PortView{});
  n_outputs.clear();
  groups_.clear();
  for (const auto& el : blocks) {
    n_outputs.push_back(el->outputs().size());
    if (!el->carries_flow() && el->states().empty()) continue;
    const int ports = static_cast<int>(el->port_nodes.size());
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const ElementGroup& gr) {
      return gr.ports == ports && gr.blocks.front()->type() == el->type();
    });
    if (g == groups_.end()) {
      groups_.emplace_back();
      g = std::prev(groups_.end());
      g->ports = ports;
    }
    g->blocks.push_back(el.get());
    g->state_offset.push_back(el->state_offset);
    if (ports > kMaxElementPorts)
      throw std::logic_error("element " + el->name() + ": more ports than ElementBlockOf takes");
    for (int nd : el->port_nodes) {
      const int row = nodes[static_cast<std::size_t>(nd)].balance_row();
      if (row < 0)
        throw std::logic_error("element " + el->name() + ": port node " +
                               nodes[static_cast<std::size_t>(nd)].name + " has no balance row");
      g->port_node.push_back(nd);
      g->port_row.push_back(row);
    }
  }
}

void LumpedElements::residual(const ElementContext& ctx, const PortView* node_view, const double* y,
                              double* ydot) {
  const NetworkIO io{node_view, y, ydot};
  for (const ElementGroup& g : groups_) g.blocks.front()->evaluate_group(ctx, g, io);
}

void LumpedElements::sample(const ElementContext& ctx, const PortView* node_view, const double* y,
                            std::vector<double>& values) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& el = *blocks[i];
    for (std::size_t k = 0; k < el.port_nodes.size(); ++k)
      port_view_[k] = node_view[el.port_nodes[k]];
    const std::size_t off = values.size();
    values.resize(off + n_outputs[i]);
    el.output(ctx, el.state_offset >= 0 ? y + el.state_offset : nullptr, port_view_.data(),
              values.data() + off);
  }
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
