#include "numerics/components/lumped_elements.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace venoflow {

void LumpedElements::finalise() {
  std::size_t nports = 0;
  for (const auto& el : blocks) nports = std::max(nports, el->port_nodes.size());
  port_flow_.assign(std::max<std::size_t>(nports, 1), 0.0);
  port_view_.assign(std::max<std::size_t>(nports, 1), PortView{});
  n_outputs.clear();
  flowing_.clear();
  for (const auto& el : blocks) {
    n_outputs.push_back(el->outputs().size());
    if (el->carries_flow() || !el->states().empty()) flowing_.push_back(el.get());
  }
}

void LumpedElements::view_ports(const ElementBlock& el, const std::vector<Junction>& nodes,
                                double rg) {
  const std::size_t np = el.port_nodes.size();
  for (std::size_t k = 0; k < np; ++k) {
    const auto& nd = nodes[static_cast<std::size_t>(el.port_nodes[k])];
    port_view_[k] = {nd.p, nd.p + rg * nd.z};
  }
}

void LumpedElements::residual(const ElementContext& ctx, const std::vector<Junction>& nodes,
                              double rg, const double* y, double* ydot,
                              std::vector<double>& node_net) {
  for (ElementBlock* el : flowing_) {
    view_ports(*el, nodes, rg);
    const double* ys = el->state_offset >= 0 ? y + el->state_offset : nullptr;
    double* yd = el->state_offset >= 0 ? ydot + el->state_offset : nullptr;
    el->evaluate(ctx, ys, port_view_.data(), port_flow_.data(), yd);
    const std::size_t np = el->port_nodes.size();
    for (std::size_t k = 0; k < np; ++k)
      node_net[static_cast<std::size_t>(el->port_nodes[k])] -= port_flow_[k];
  }
}

void LumpedElements::sample(const ElementContext& ctx, const std::vector<Junction>& nodes,
                            double rg, const double* y, std::vector<double>& values) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& el = *blocks[i];
    view_ports(el, nodes, rg);
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
