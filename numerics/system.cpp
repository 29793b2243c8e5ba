#include "numerics/system.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "numerics/components/junction.hpp"
#include "numerics/components/lumped_elements.hpp"
#include "numerics/components/vessel_chain.hpp"
#include "numerics/simd_clones.hpp"

namespace venoflow {

namespace {
/// The flow tolerance every model had before the default scaled with the model
/// (docs/numerics.md#tolerances): 1 ul/s x 1e-4, sized for cerebral veins. It stays the cap of the
/// scaled default and the reference of the upwind switch width below.
constexpr double kFixedAtolFlow = 1e-10;  // m^3/s

// Whether every value is finite, as one vectorised pass (an OR of exponent tests with no early
// exit: 2 instructions per 4 values with AVX2, against 5 per value for a loop over std::isfinite
// that stops at the first failure). Like numerics/serial_vector_ops.cpp, compiled at -O3 (GCC
// vectorises a loop of unknown length only there) for AVX2 and the baseline.
#pragma GCC push_options
#pragma GCC optimize("O3")
__attribute__((target_clones("avx2", "default"))) bool all_finite(const double* x, int n) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ull;  // IEEE 754: all ones for inf, NaN
  std::uint64_t nonfinite = 0;
  for (int i = 0; i < n; ++i)
    nonfinite |= (std::bit_cast<std::uint64_t>(x[i]) & kExponent) == kExponent;
  return nonfinite == 0;
}
#pragma GCC pop_options

// The pressure of every linear node (Junction::linear), p_i = (V_i - V0_i) / C_i with V_i =
// y[state_i], into p; false when some C_i is not positive or some p_i not finite (the caller then
// finds which, Junction::linear_pressure). One vectorised pass with gathered volumes, instead of
// a loop per node with a test and a branch (27 instructions per node; the 1023-vessel tree has
// 1024 such nodes per right-hand side). Each lane divides as the scalar loop does (IEEE division
// is correctly rounded; no FMA: fp-contract=off): the same pressures to the bit.
#pragma GCC push_options
#pragma GCC optimize("O3", "fp-contract=off")
template <class Store>
[[gnu::always_inline]] inline bool linear_pressure_pass(const double* __restrict y,
                                                        const int* __restrict state,
                                                        const double* __restrict v0,
                                                        const double* __restrict c, std::size_t n,
                                                        Store store) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ull;  // IEEE 754: all ones for inf, NaN
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double pi = (y[state[i]] - v0[i]) / c[i];
    store(i, pi);
    bad |= static_cast<std::uint64_t>(!(c[i] > 0.0)) |
           static_cast<std::uint64_t>((std::bit_cast<std::uint64_t>(pi) & kExponent) == kExponent);
  }
  return bad == 0;
}
VENOFLOW_SIMD_CLONES bool linear_pressures(const double* __restrict y, const int* __restrict state,
                                           const double* __restrict v0, const double* __restrict c,
                                           double* __restrict p, std::size_t n) {
  return linear_pressure_pass(y, state, v0, c, n, [p](std::size_t i, double pi) { p[i] = pi; });
}
/// linear_pressures for nodes that are consecutive in the node order (a lumped network whose
/// nodes all store volume in capacitors: the peers' trees): it also writes their port views,
/// view[i] = {p_i, p_i + rg z_i} (pressure and head), in the same pass.
VENOFLOW_SIMD_CLONES bool linear_pressures_and_views(const double* __restrict y,
                                                     const int* __restrict state,
                                                     const double* __restrict v0,
                                                     const double* __restrict c,
                                                     const double* __restrict z, double rg,
                                                     PortView* __restrict view, std::size_t n) {
  return linear_pressure_pass(y, state, v0, c, n, [=](std::size_t i, double pi) {
    view[i].p = pi;
    view[i].head = pi + rg * z[i];
  });
}
#pragma GCC pop_options

std::string fmt_len(double x) {
  std::ostringstream s;
  s.precision(4);
  if (std::abs(x) < 1.0)
    s << x * 1e3 << " mm";
  else
    s << x << " m";
  return s.str();
}
}  // namespace

struct Descriptor {
  enum Kind { VesselFlow, VesselArea, NodeVolume, ElementState, Cumulative } kind;
  int id, sub;
};

/// The network as components (numerics/components/): vessel cell chains, junction nodes and the
/// lumped elements, each declaring its states, its sparsity and its residuals. The System
/// indexes the graph, lays out the states, evaluates what depends on t alone (external
/// pressures, posture, boundary functions) and orders the components' evaluations.
struct System::Impl {
  const Model* model = nullptr;
  double rho = 1060.0, g = 0.0;
  std::vector<VesselChain> vessels;
  std::vector<Junction> nodes;
  LumpedElements elements;
  std::vector<const TimeFunction*> groups;
  std::vector<double> pext;      // per group at current t
  std::vector<Descriptor> desc;  // per unknown
  // The nodes' values of the current t and right-hand side in flat arrays (node order), what
  // the hot loops read: the heights z at t (set_posture), and each node's pressure and head
  // P = p + rho g z (evaluate_pressures). The Junction objects keep what their solves need.
  std::vector<double> node_z;
  std::vector<PortView> node_view;
  std::vector<double> node_height, node_anterior;  // the specification's, per node
  /// The linear nodes (Junction::linear) in flat form, one array per field (linear_pressures):
  /// node index, volume state, V(0) and C at the current t (Junction::set_linear_storage), and
  /// the pressures of the current right-hand side.
  struct LinearNodes {
    std::vector<int> node, state;
    std::vector<double> v0, c, p;
    /// node[i] == node[0] + i: the pressures go straight into node_view (one pass).
    bool consecutive = false;
    std::size_t size() const { return node.size(); }
  } linear_nodes;
  std::vector<int> external_linear;  // linear_nodes whose V(0) follows an external pressure
  std::vector<int> solved_nodes;  // the other nodes with a volume state (Junction::solve_pressure)
  std::vector<int> pressure_nodes;    // the nodes with a prescribed pressure
  std::vector<NodeBalance> balances;  // mass balances of the nodes with ends or a BC
  std::vector<int> plain_rows;        // the balance rows of the others (NodeBalance::begin)
  std::vector<NodeBalance::EndFlow> end_flows;
  std::vector<std::pair<int, int>> inflows;  // (balance, node) of the prescribed inflows
  std::vector<int> delivered_rows;           // the balance rows of the prescribed pressures
  // Scratch of the node solve, sized for the node with most vessel ends.
  std::vector<JunctionEnv::EndScratch> node_end_scratch;  // Junction::solve_pressure_newton
  std::map<std::string, int> node_by_name;

  ElementContext context(double t) const {
    ElementContext c;
    c.t = t;
    c.density = rho;
    c.viscosity = model->blood.viscosity;
    c.g_axial = g_axial;
    c.external_pressures = &pext;
    return c;
  }
  /// g sin(tilt) at the time of the current node heights (set_posture; read by context(), which
  /// every caller uses after the heights of its t are set).
  double g_axial = 0.0;
  /// The posture at t: node heights z and the axial gravity the elements see. Depends on t
  /// alone, so it is evaluated once per new t, not per right-hand side.
  /// Most runs keep one posture: the heights are recomputed only when the tilt changes.
  void set_posture(double t) {
    const double theta = tilt(t);
    if (theta == posture_tilt) return;
    posture_tilt = theta;
    const double st = std::sin(theta), ct = std::cos(theta);
    g_axial = g * st;
    for (std::size_t ni = 0; ni < node_z.size(); ++ni)
      node_z[ni] = node_height[ni] * st + node_anterior[ni] * ct;
    vessel_heights_stale = true;
  }
  bool vessel_heights_stale = true;  // node_z changed since the vessels' heights were set
  double posture_tilt = std::numeric_limits<double>::quiet_NaN();  // of node_z (NaN: none)
  JunctionEnv junction_env(double t) {
    return {vessels, elements.blocks, pext, rho, context(t), node_end_scratch};
  }
  /// Frozen boundaries (steady initialisation): every prescribed function at its mean over a
  /// period, the posture at t = 0, no startup ramp.
  bool frozen = false;
  /// Time of the last evaluation of everything that depends on t alone (external pressures,
  /// heights, prescribed node pressures and their vessel ends): the Newton iterations of a
  /// step and the columns of a finite-difference Jacobian share their t (NaN: none).
  double t_evaluated = std::numeric_limits<double>::quiet_NaN();
  double value(const TimeFunction& f, double t) const { return frozen ? f.mean() : f(t); }
  double tilt(double t) const { return model->posture.tilt(frozen ? 0.0 : t); }
  /// Startup ramp r(t) in [0, 1]: 0.5 (1 - cos(pi t / t_s)) for t < t_s (solver.startup_time).
  double ramp(double t) const {
    const double ts = model->solver.startup_time;
    if (frozen || !(ts > 0.0) || t >= ts) return 1.0;
    if (t <= 0.0) return 0.0;
    return 0.5 * (1.0 - std::cos(std::numbers::pi * t / ts));
  }
  double bc_pressure(const Junction& nd, double t) const {
    const double p = value(*nd.bc_pressure, t);
    const double r = ramp(t);
    return r == 1.0 ? p : nd.p_init + r * (p - nd.p_init);
  }
  double bc_flow(const Junction& nd, double t) const { return ramp(t) * value(*nd.bc_flow, t); }
};

System::~System() = default;

System::System(const Model& model) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.model = &model;
  m.rho = model.blood.density;
  m.g = model.gravity.enabled ? model.gravity.g : 0.0;

  std::map<std::string, int> group_by_name;
  for (const auto& grp : model.external_pressures) {
    group_by_name[grp.name] = static_cast<int>(m.groups.size());
    m.groups.push_back(&grp.pressure);
  }
  m.pext.assign(m.groups.size(), 0.0);
  auto group_of = [&](const std::string& name, const std::string& who) {
    if (name.empty()) return -1;
    auto it = group_by_name.find(name);
    if (it == group_by_name.end())
      throw std::invalid_argument(who + ": unknown external pressure group '" + name + "'");
    return it->second;
  };

  // The model's node specifications by name, first of a name as Model::find_node: looked up
  // once per node (a search of the list per node is quadratic: 16 M instructions at 1024 nodes).
  std::unordered_map<std::string_view, const Node*> node_spec;
  node_spec.reserve(model.nodes.size());
  for (const auto& nd : model.nodes) node_spec.emplace(nd.name, &nd);
  auto node_id = [&](const std::string& name) {
    auto it = m.node_by_name.find(name);
    if (it != m.node_by_name.end()) return it->second;
    Junction nd;
    nd.name = name;
    if (const auto spec_it = node_spec.find(name); spec_it != node_spec.end()) {
      const Node* spec = spec_it->second;
      nd.spec = spec;
      nd.height = spec->height;
      nd.anterior = spec->anterior;
    }
    m.nodes.push_back(std::move(nd));
    return m.node_by_name[name] = static_cast<int>(m.nodes.size()) - 1;
  };

  // Vessels: states Q_0, A_1, Q_1, ..., A_{N-1}, Q_{N-1} contiguous (banded per vessel).
  int offset = 0;
  for (const auto& v : model.vessels) {
    const int vi = static_cast<int>(m.vessels.size());
    VesselChain vn(v, model, offset);
    offset += vn.count();
    vn.from = node_id(v.from_node);
    vn.to = node_id(v.to_node);
    vn.group = group_of(v.external_pressure, "vessel " + v.name);
    for (int k = 0; k < vn.N; ++k) {
      m.desc.push_back({Descriptor::VesselFlow, vi, k});
      if (k + 1 < vn.N) m.desc.push_back({Descriptor::VesselArea, vi, k + 1});
    }
    m.vessels.push_back(std::move(vn));
  }
  for (int vi = 0; vi < int(m.vessels.size()); ++vi) {
    auto& vn = m.vessels[vi];
    m.nodes[vn.from].ends.push_back({vi, 0, -1});
    m.nodes[vn.to].ends.push_back({vi, vn.N, +1});
  }

  // Elements.
  auto& blocks = m.elements.blocks;
  for (const auto& e : model.elements) {
    auto block = make_element(e);
    block->external_group = group_of(e.external_pressure, "element " + e.name);
    for (const auto& nn : e.nodes) block->port_nodes.push_back(node_id(nn));
    for (int port = 0; port < int(e.nodes.size()); ++port)
      m.nodes[block->port_nodes[port]].ports.push_back({int(blocks.size()), port});
    blocks.push_back(std::move(block));
  }

  // Boundary conditions.
  for (const auto& bc : model.boundary_conditions) {
    auto it = m.node_by_name.find(bc.node);
    if (it == m.node_by_name.end())
      throw std::invalid_argument("boundary condition on unknown node '" + bc.node + "'");
    Junction& nd = m.nodes[it->second];
    if (bc.kind == BoundaryCondition::Kind::Pressure)
      nd.bc_pressure = &bc.value;
    else
      nd.bc_flow = &bc.value;
  }

  // Node volume states (all but pressure-BC nodes).
  for (int ni = 0; ni < int(m.nodes.size()); ++ni) {
    Junction& nd = m.nodes[ni];
    if (nd.bc_pressure) continue;
    bool has_volume = !nd.ends.empty();
    for (auto [e, port] : nd.ports)
      if (blocks[e]->stores_volume(port)) nd.volume_ports.push_back({e, port});
    has_volume |= !nd.volume_ports.empty();
    nd.linear = nd.ends.empty() && !nd.volume_ports.empty();
    for (auto [e, port] : nd.volume_ports) {
      nd.linear = nd.linear && blocks[e]->linear_volume(port);
      nd.linear_external = nd.linear_external || blocks[e]->external_group >= 0;
    }
    if (!has_volume)
      throw std::invalid_argument("node " + nd.name +
                                  " has no volume: connect it to a vessel or a capacitor");
    nd.state = offset++;
    m.desc.push_back({Descriptor::NodeVolume, ni, 0});
  }
  std::size_t max_ends = 0;
  for (const auto& nd : m.nodes) max_ends = std::max(max_ends, nd.ends.size());
  m.node_end_scratch.assign(max_ends, JunctionEnv::EndScratch{});
  for (int ei = 0; ei < int(blocks.size()); ++ei) {
    auto& el = *blocks[ei];
    const auto st = el.states();
    if (!st.empty()) el.state_offset = offset;
    for (int s = 0; s < int(st.size()); ++s) m.desc.push_back({Descriptor::ElementState, ei, s});
    offset += int(st.size());
  }
  for (int ni = 0; ni < int(m.nodes.size()); ++ni) {
    Junction& nd = m.nodes[ni];
    if (!nd.bc_pressure && !nd.bc_flow) continue;
    nd.cumulative = offset++;
    m.desc.push_back({Descriptor::Cumulative, ni, 0});
    boundaries_.push_back(
        {nd.name,
         nd.bc_pressure ? BoundaryCondition::Kind::Pressure : BoundaryCondition::Kind::Flow,
         nd.cumulative});
  }
  n_ = offset;

  // Initial pressures of nodes: the first attached vessel's, else the model's.
  for (auto& nd : m.nodes) {
    nd.p_init = model.initial.pressure;
    for (const auto& end : nd.ends)
      if (m.vessels[end.vessel].spec->initial_pressure) {
        nd.p_init = *m.vessels[end.vessel].spec->initial_pressure;
        break;
      }
    nd.p_guess = nd.p_init;
  }
  m.elements.finalise(m.nodes);
  m.node_z.assign(m.nodes.size(), 0.0);
  for (const auto& nd : m.nodes) {
    m.node_height.push_back(nd.height);
    m.node_anterior.push_back(nd.anterior);
  }
  m.node_view.assign(m.nodes.size(), PortView{});
  JunctionEnv env = m.junction_env(0.0);  // V(0) of the linear nodes that depend on no t
  for (int ni = 0; ni < int(m.nodes.size()); ++ni) {
    Junction& nd = m.nodes[ni];
    if (nd.bc_pressure) {
      m.pressure_nodes.push_back(ni);
    } else if (nd.linear) {
      if (nd.linear_external)
        m.external_linear.push_back(int(m.linear_nodes.size()));
      else
        nd.set_linear_storage(env);
      m.linear_nodes.node.push_back(ni);
      m.linear_nodes.state.push_back(nd.state);
      m.linear_nodes.v0.push_back(nd.linear_v0);
      m.linear_nodes.c.push_back(nd.linear_c);
      m.linear_nodes.p.push_back(0.0);
    } else {
      m.solved_nodes.push_back(ni);
    }
    if (nd.balance_row() < 0) continue;
    if (nd.ends.empty() && !nd.bc_flow && !nd.bc_pressure) {
      m.plain_rows.push_back(nd.state);
      continue;
    }
    if (nd.state >= 0 && nd.bc_flow) m.inflows.push_back({int(m.balances.size()), ni});
    if (nd.state < 0) m.delivered_rows.push_back(nd.cumulative);
    m.balances.push_back({nd.state, nd.cumulative, int(m.end_flows.size()), int(nd.ends.size())});
    for (const auto& end : nd.ends)
      m.end_flows.push_back({m.vessels[end.vessel].end_flow_index(end.vertex), end.sign});
  }
  {
    auto& ln = m.linear_nodes;
    ln.consecutive = true;
    for (std::size_t i = 0; i < ln.size(); ++i)
      ln.consecutive = ln.consecutive && ln.node[i] == ln.node[0] + static_cast<int>(i);
  }
  build_pattern();
}

bool System::linear() const {
  if (!impl_->vessels.empty()) return false;
  for (const auto& el : impl_->elements.blocks)
    if (!el->linear()) return false;
  return true;
}

int System::node_index(const std::string& name) const {
  auto it = impl_->node_by_name.find(name);
  return it == impl_->node_by_name.end() ? -1 : it->second;
}

void System::freeze_boundaries(bool on) {
  impl_->frozen = on;
  impl_->t_evaluated = std::numeric_limits<double>::quiet_NaN();
}

/// The Jacobian pattern: the union of the components' declarations (and the diagonal).
void System::build_pattern() {
  Impl& m = *impl_;
  PatternBuilder pb(n_);
  for (const auto& vn : m.vessels)
    vn.declare_sparsity(pb, m.nodes[vn.from].state, m.nodes[vn.to].state);
  for (const auto& nd : m.nodes) nd.declare_sparsity(pb, m.vessels);
  m.elements.declare_sparsity(pb, m.nodes);
  pattern_ = pb.build();
}

int System::evaluate_time(double t) {
  Impl& m = *impl_;
  for (std::size_t g = 0; g < m.groups.size(); ++g) m.pext[g] = m.value(*m.groups[g], t);
  m.set_posture(t);
  JunctionEnv env = m.junction_env(t);
  for (int i : m.external_linear) {
    auto& ln = m.linear_nodes;
    Junction& nd = m.nodes[ln.node[i]];
    nd.set_linear_storage(env);
    ln.v0[i] = nd.linear_v0;
    ln.c[i] = nd.linear_c;
  }
  for (auto [b, ni] : m.inflows) m.balances[b].q_bc = m.bc_flow(m.nodes[ni], t);
  // A prescribed pressure and its ends' areas depend on t alone.
  const double rg = m.rho * m.g;
  for (int ni : m.pressure_nodes) {
    Junction& nd = m.nodes[ni];
    const double p = m.bc_pressure(nd, t);
    const int failed = nd.impose_pressure(env, p);
    if (failed >= 0) return fail_prescribed_pressure(ni, failed);
    m.node_view[ni] = {p, p + rg * m.node_z[ni]};
  }
  return 0;
}

int System::evaluate_pressures(double t, const double* y) {
  Impl& m = *impl_;
  if (t != m.t_evaluated) {
    m.t_evaluated = std::numeric_limits<double>::quiet_NaN();  // until this one succeeds
    if (int rc = evaluate_time(t)) return rc;
  }
  JunctionEnv env = m.junction_env(t);
  const double rg = m.rho * m.g;
  auto& ln = m.linear_nodes;
  const bool ok =
      ln.consecutive && ln.size() > 0
          ? linear_pressures_and_views(y, ln.state.data(), ln.v0.data(), ln.c.data(),
                                       m.node_z.data() + ln.node[0], rg,
                                       m.node_view.data() + ln.node[0], ln.size())
          : linear_pressures(y, ln.state.data(), ln.v0.data(), ln.c.data(), ln.p.data(), ln.size());
  if (!ok)
    for (std::size_t i = 0; i < ln.size(); ++i)  // the first node without a pressure
      if (std::isnan(Junction::linear_pressure(y[ln.state[i]], ln.v0[i], ln.c[i])))
        return fail_node_pressure(ln.node[i], y[ln.state[i]]);
  if (!ln.consecutive)
    for (std::size_t i = 0; i < ln.size(); ++i) {
      const double p = ln.p[i];
      const int ni = ln.node[i];
      m.node_view[ni] = {p, p + rg * m.node_z[ni]};
    }
  for (int ni : m.solved_nodes) {
    Junction& nd = m.nodes[ni];
    if (!nd.solve_pressure(env, y[nd.state])) return fail_node_pressure(ni, y[nd.state]);
    m.node_view[ni] = {nd.p_guess, nd.p_guess + rg * m.node_z[ni]};
  }
  if (m.vessel_heights_stale) {
    for (auto& vn : m.vessels) vn.set_heights(m.node_z[vn.from], m.node_z[vn.to]);
    m.vessel_heights_stale = false;
  }
  for (std::size_t vi = 0; vi < m.vessels.size(); ++vi) {
    auto& vn = m.vessels[vi];
    const int j = vn.evaluate_pressures(y, vn.external_pressure(m.pext), m.node_view[vn.from].p,
                                        m.node_view[vn.to].p, m.rho);
    if (j > 0) return fail_vessel_area(int(vi), j, y);
  }
  m.t_evaluated = t;
  return 0;
}

int System::fail_prescribed_pressure(int node, int end) {
  const Junction& nd = impl_->nodes[node];
  const auto& vn = impl_->vessels[nd.ends[end].vessel];
  failure_quantity_ = "area <= 0";
  failure_component_ = "vessel " + vn.spec->name;
  failure_ = "prescribed pressure at node " + nd.name + " collapses vessel " + vn.spec->name +
             " (no positive area for that pressure)";
  return 1;
}

int System::fail_node_pressure(int node, double volume) {
  const Junction& nd = impl_->nodes[node];
  failure_quantity_ = "node pressure";
  failure_component_ = "node " + nd.name;
  char vol[32];
  std::snprintf(vol, sizeof vol, "%.4g", volume * 1e6);
  failure_ = "no pressure gives node " + nd.name + " its volume " + vol +
             " ml (vessels collapsed or volume <= 0)";
  return 1;
}

int System::fail_vessel_area(int vessel, int j, const double* y) {
  const auto& vn = impl_->vessels[vessel];
  failure_quantity_ = "area <= 0";
  failure_component_ = "vessel " + vn.spec->name;
  failure_ = "area " + std::to_string(y[vn.aidx(j)]) + " m^2 at vessel " + vn.spec->name +
             " vertex " + std::to_string(j) + " (x = " + fmt_len(j * vn.dx) + ")";
  return 1;
}

int System::rhs(double t, const double* y, double* ydot) {
  Impl& m = *impl_;
  if (int rc = evaluate_pressures(t, y)) return rc;
  const double rg = m.rho * m.g;
  // Every row is written by its component (vessel chains, elements, node balances): no zeroing.

  // Upwind switch width (1e-7 m^3/s): a property of the scheme, so it follows a given
  // atol_flow but not the model-scaled default tolerance.
  const double q_s = 1e3 * m.model->solver.atol_flow.value_or(kFixedAtolFlow);
  VesselChain::residuals(m.vessels, y, m.rho, rg, q_s, ydot);

  const ElementContext ctx = m.context(t);
  // The nodes' mass-balance rows: vessel ends and prescribed inflows, minus the elements' port
  // flows (NodeBalance).
  NodeBalance::begin(m.balances, m.end_flows, m.plain_rows, y, ydot);
  m.elements.residual(ctx, m.node_view.data(), y, ydot);
  NodeBalance::finish(m.delivered_rows, ydot);
  if (!all_finite(ydot, n_))
    for (int i = 0; i < n_; ++i) {
      if (std::isfinite(ydot[i])) continue;
      failure_quantity_ = "non-finite derivative";
      failure_component_ = describe_unknown(i);
      failure_ = "non-finite time derivative of " + describe_unknown(i);
      return 1;
    }
  return 0;
}

void System::initial_state(std::vector<double>& y) const {
  Impl& m = *impl_;
  m.t_evaluated = std::numeric_limits<double>::quiet_NaN();  // pext and heights change below
  y.assign(n_, 0.0);
  for (std::size_t g = 0; g < m.groups.size(); ++g) m.pext[g] = (*m.groups[g])(0.0);
  m.set_posture(0.0);
  const double rg = m.rho * m.g;
  // Hydrostatic initial state: the initial pressure holds at height 0.
  for (auto& vn : m.vessels) {
    const double pe = vn.external_pressure(m.pext);
    const double z0 = m.node_z[vn.from], z1 = m.node_z[vn.to];
    for (int j = 1; j < vn.N; ++j) {
      const double z = z0 + (z1 - z0) * double(j) / vn.N;
      const double a = vn.law->area(j, vn.p_init - rg * z - pe);
      if (!(a > 0.0))
        throw SolverError(0.0, "vessel " + vn.spec->name, "initial area",
                          "the initial pressure gives no positive area");
      y[vn.aidx(j)] = a;
    }
  }
  JunctionEnv env = m.junction_env(0.0);
  for (std::size_t ni = 0; ni < m.nodes.size(); ++ni) {
    Junction& nd = m.nodes[ni];
    const double p0 = nd.bc_pressure ? m.bc_pressure(nd, 0.0) : nd.p_init - rg * m.node_z[ni];
    nd.p_guess = p0;
    m.node_view[ni] = {p0, p0 + rg * m.node_z[ni]};
    if (nd.state < 0) continue;
    y[nd.state] = nd.volume_at(env, p0);
  }
  const ElementContext ctx = m.context(0.0);
  for (auto& el : m.elements.blocks) {
    if (el->state_offset < 0) continue;
    std::vector<PortView> ports;
    for (int nd : el->port_nodes) ports.push_back(m.node_view[static_cast<std::size_t>(nd)]);
    el->initial_state(ctx, ports.data(), y.data() + el->state_offset);
  }
}

double System::flow_tolerance() const {
  const Impl& m = *impl_;
  const auto& s = m.model->solver;
  if (s.atol_flow) return *s.atol_flow;
  // CVODE weighs each unknown by rtol |y| + atol, so atol should be rtol times the unknown's
  // typical size (SUNDIALS CVODE guide, "Choice of tolerances"). A fixed flow atol sized for
  // veins is a large fraction of the branch flows of a tree with many outlets: its error grew with
  // the number of outlets (bench/peers). The typical smallest flow of a model is its inflow
  // shared among its outlets: the mean |flow| of its flow boundary conditions over a period,
  // divided by the terminals where flow leaves (one-port elements that store no volume, e.g.
  // windkessels, and every vessel end or element port at a prescribed-pressure node).
  double inflow = 0.0;
  int outlets = 0;
  for (const auto& nd : m.nodes) {
    if (nd.bc_flow) {
      const TimeFunction& f = *nd.bc_flow;
      const double T = f.period();
      if (T > 0.0) {
        constexpr int kSamples = 256;
        double sum = 0.0;
        for (int k = 0; k < kSamples; ++k) sum += std::abs(f(T * k / kSamples));
        inflow += sum / kSamples;
      } else {
        inflow += std::abs(f.mean());
      }
    }
    if (nd.bc_pressure) outlets += int(nd.ends.size() + nd.ports.size());
  }
  for (const auto& el : m.elements.blocks)
    if (el->port_nodes.size() == 1 && !el->stores_volume(0)) ++outlets;
  if (!(inflow > 0.0) || outlets == 0) return kFixedAtolFlow;
  return std::min(kFixedAtolFlow, s.rtol * inflow / outlets);
}

std::vector<double> System::absolute_tolerances() const {
  const Impl& m = *impl_;
  const auto& s = m.model->solver;
  const double atol_flow = flow_tolerance();
  // A vessel's flow and area errors go together (dQ = c dA along a wave): its flows need no
  // tighter default tolerance than c0 atol_area, which keeps 1D networks at the former fixed
  // 1e-10 m^3/s (c0 atol_area is 2e-10..1e-9 for c0 = 2..10 m/s), where the areas limit the
  // accuracy. c0 = sqrt(A0/rho dp/dA) at the zero-pressure area (Boileau et al. 2015).
  std::vector<double> vessel_flow_atol;
  for (const auto& vn : m.vessels) {
    const double a0 = vn.law->area_at_zero_pressure(0);
    const double c0 = vn.law->wave_speed(0, a0, m.rho);
    vessel_flow_atol.push_back(std::min(kFixedAtolFlow, std::max(atol_flow, c0 * s.atol_area)));
  }
  std::vector<double> atol(n_, atol_flow);
  for (int i = 0; i < n_; ++i) {
    const auto& d = m.desc[i];
    switch (d.kind) {
      case Descriptor::VesselFlow:
        atol[i] = s.atol_flow ? atol_flow : vessel_flow_atol[d.id];
        break;
      case Descriptor::VesselArea:
        atol[i] = s.atol_area;
        break;
      case Descriptor::NodeVolume:
      case Descriptor::Cumulative: {
        double len = 0.0;
        for (const auto& end : m.nodes[d.id].ends) len += 0.5 * m.vessels[end.vessel].dx;
        atol[i] = s.atol_area * std::max(len, 1e-3);
        if (d.kind == Descriptor::Cumulative) atol[i] = 1.0;  // bookkeeping: never limits the step
        break;
      }
      case Descriptor::ElementState: {
        const auto kind = m.elements.blocks[d.id]->states()[d.sub].kind;
        atol[i] = kind == StateKind::Pressure ? s.atol_pressure
                  : kind == StateKind::Flow   ? atol_flow
                  : kind == StateKind::Volume ? s.atol_area * 1.0  // m^2 x 1 m = 0.1 ul by default
                  : kind == StateKind::Cumulative ? 1.0    // bookkeeping: never limits the step
                                                  : 1e-6;  // dimensionless (valve opening ...)
        break;
      }
    }
  }
  return atol;
}

void System::state_bounds(std::vector<double>& lower, std::vector<double>& upper) const {
  const Impl& m = *impl_;
  constexpr double inf = std::numeric_limits<double>::infinity();
  lower.assign(static_cast<std::size_t>(n_), -inf);
  upper.assign(static_cast<std::size_t>(n_), inf);
  for (const auto& el : m.elements.blocks) {
    if (el->state_offset < 0) continue;
    const auto b = el->state_bounds();
    for (std::size_t k = 0; k < b.size(); ++k) {
      lower[static_cast<std::size_t>(el->state_offset) + k] = b[k].first;
      upper[static_cast<std::size_t>(el->state_offset) + k] = b[k].second;
    }
  }
}

std::string System::describe_unknown(int i) const {
  const Impl& m = *impl_;
  if (i < 0 || i >= n_) return "unknown #" + std::to_string(i);
  const auto& d = m.desc[i];
  switch (d.kind) {
    case Descriptor::VesselFlow: {
      const auto& vn = m.vessels[d.id];
      return "vessel " + vn.spec->name + " flow in cell " + std::to_string(d.sub) +
             " (x = " + fmt_len((d.sub + 0.5) * vn.dx) + ")";
    }
    case Descriptor::VesselArea: {
      const auto& vn = m.vessels[d.id];
      return "vessel " + vn.spec->name + " area at x = " + fmt_len(d.sub * vn.dx);
    }
    case Descriptor::NodeVolume:
      return "node " + m.nodes[d.id].name + " volume";
    case Descriptor::ElementState:
      return "element " + m.elements.blocks[d.id]->name() + " state " +
             m.elements.blocks[d.id]->states()[d.sub].name;
    case Descriptor::Cumulative:
      return "node " + m.nodes[d.id].name + " cumulative inflow";
  }
  return "?";
}

std::string System::describe() const {
  const Impl& m = *impl_;
  std::ostringstream o;
  o << "vessels (" << m.vessels.size() << "):\n";
  for (const auto& vn : m.vessels) {
    const double a0 = vn.law->area_at_zero_pressure(0);
    o << "  " << vn.spec->name << ": " << vn.spec->from_node << " -> " << vn.spec->to_node
      << ", L = " << fmt_len(vn.spec->length) << ", " << vn.N << " cell(s) of " << fmt_len(vn.dx)
      << ", " << vn.law->name() << " law, c(A0) = " << vn.law->wave_speed(0, a0, m.rho) << " m/s\n";
  }
  o << "nodes (" << m.nodes.size() << "):\n";
  for (const auto& nd : m.nodes) {
    o << "  " << nd.name << ": degree " << nd.ends.size() + nd.ports.size();
    if (nd.bc_pressure) o << ", prescribed pressure";
    if (nd.bc_flow) o << ", prescribed inflow";
    if (nd.state >= 0) o << ", volume state";
    o << "\n";
  }
  o << "elements (" << m.elements.blocks.size() << "):\n";
  for (const auto& el : m.elements.blocks) {
    o << "  " << el->name() << ": " << el->type() << " at";
    for (int nd : el->port_nodes) o << " " << m.nodes[nd].name;
    o << ", " << el->states().size() << " state(s)\n";
  }
  o << "unknowns: " << n_ << ", Jacobian non-zeros: " << pattern_.nnz() << "\n";
  return o.str();
}

OutputLayout System::layout() const {
  const Impl& m = *impl_;
  OutputLayout l;
  for (const auto& vn : m.vessels) {
    OutputLayout::VesselOut v;
    v.name = vn.spec->name;
    for (int j = 0; j <= vn.N; ++j) v.x.push_back(j * vn.dx);
    l.vessels.push_back(std::move(v));
  }
  for (const auto& nd : m.nodes) l.nodes.push_back(nd.name);
  for (const auto& el : m.elements.blocks)
    l.elements.push_back({el->name(), el->type(), el->outputs()});
  // Stenoses inside vessels (vessel_chain.hpp), after the elements.
  for (const auto& vn : m.vessels)
    for (const auto& st : vn.stenoses)
      l.elements.push_back({st.name, "stenosis_in_vessel", VesselChain::stenosis_quantities()});
  l.period = m.model->solver.period;
  return l;
}

int System::sample(double t, const double* y, Sample& s) {
  Impl& m = *impl_;
  if (int rc = evaluate_pressures(t, y)) return rc;
  s.t = t;
  // Every array is sized once (the sizes never change within a run) and written in place.
  std::size_t vertices = 0, stenosis_values = 0;
  for (const auto& vn : m.vessels) {
    vertices += std::size_t(vn.N) + 1;
    stenosis_values += 2 * vn.stenoses.size();
  }
  s.vessel_pressure.resize(vertices);
  s.vessel_flow.resize(vertices);
  s.vessel_area.resize(vertices);
  double* pressure = s.vessel_pressure.data();
  double* flow = s.vessel_flow.data();
  double* area = s.vessel_area.data();
  // One loop per vessel (most have a few vertices: a call to memcpy costs more than the copy).
  for (const auto& vn : m.vessels)
    for (int j = 0; j <= vn.N; ++j) {
      *pressure++ = vn.p[j];
      *area++ = vn.A[j];
      *flow++ = vn.vertex_flow(y, j);
    }
  s.node_pressure.resize(m.node_view.size());
  for (std::size_t i = 0; i < m.node_view.size(); ++i) s.node_pressure[i] = m.node_view[i].p;
  s.element_values.resize(m.elements.output_size() + stenosis_values);
  m.elements.sample(m.context(t), m.node_view.data(), y, s.element_values.data());
  // Stenoses inside vessels after the elements (layout()).
  double* stenosis = s.element_values.data() + m.elements.output_size();
  for (const auto& vn : m.vessels) stenosis = vn.sample_stenoses(y, stenosis);
  return 0;
}

bool all_finite(const std::vector<double>& x) {
  return all_finite(x.data(), static_cast<int>(x.size()));
}

std::vector<DomainCheck> System::domain_checks() const {
  const Impl& m = *impl_;
  std::vector<DomainCheck> checks;
  std::size_t off = 0;
  for (const auto& vn : m.vessels) {
    const AreaDomain d = vn.law->area_domain();
    for (int j = 0; j <= vn.N; ++j) {
      DomainCheck c;
      c.from = DomainCheck::From::VesselArea;
      c.index = off + std::size_t(j);
      c.scale = 1.0 / vn.law->domain_reference_area(j);
      c.lower = d.lower;
      c.upper = d.upper;
      c.component = "vessel " + vn.spec->name;
      c.quantity = d.quantity;
      c.unit = "1";
      c.where = "x = " + std::to_string(j * vn.dx) + " m";
      c.source = d.source;
      checks.push_back(std::move(c));
    }
    off += std::size_t(vn.N) + 1;
  }
  off = 0;
  for (const auto& el : m.elements.blocks) {
    const auto outputs = el->outputs();
    for (const DomainBound& b : el->domain()) {
      std::size_t k = 0;
      while (k < outputs.size() && outputs[k].name != b.quantity) ++k;
      if (k == outputs.size())
        throw std::logic_error("element " + el->name() + ": domain bound on '" + b.quantity +
                               "', which is not one of its outputs");
      checks.push_back({DomainCheck::From::ElementValue, off + k, 1.0, b.lower, b.upper, b.slack,
                        "element " + el->name(), b.quantity, outputs[k].unit, "", b.source});
    }
    off += outputs.size();
  }
  return checks;
}

double System::stored_volume(const double* y) const {
  const Impl& m = *impl_;
  double v = 0.0;
  for (const auto& vn : m.vessels) vn.add_interior_volume(y, v);
  for (const auto& nd : m.nodes)
    if (nd.state >= 0) v += y[nd.state];
  for (const auto& el : m.elements.blocks)
    if (el->state_offset >= 0) v += el->internal_volume(y + el->state_offset);
  return v;
}

bool System::is_cumulative(int i) const {
  const auto& d = impl_->desc[i];
  return d.kind == Descriptor::Cumulative ||
         (d.kind == Descriptor::ElementState &&
          impl_->elements.blocks[d.id]->states()[d.sub].kind == StateKind::Cumulative);
}

void System::reset_cumulative(double* y) const {
  for (int i = 0; i < n_; ++i)
    if (is_cumulative(i)) y[i] = 0.0;
}

double System::cumulative_inflow(const double* y) const {
  double v = 0.0;
  for (const auto& b : boundaries_) v += y[b.cumulative_state];
  return v;
}

}  // namespace venoflow
