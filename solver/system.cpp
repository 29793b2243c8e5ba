#include "solver/system.hpp"

#include "solver/elements/young_tsai.hpp"
#include "solver/tube_laws/venous.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <stdexcept>

namespace venoflow {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

/// Extra loss of a stenosis inside a cell (Young-Tsai, docs/physiology.md A5):
///   dp_loss = R_v Q + B Q sqrt(Q^2 + q_eps^2) + L dQ/dt.
struct CellLoss {
  int cell = 0;
  double r_v = 0.0, b = 0.0, l = 0.0;
};

struct VesselNum {
  const Vessel* spec = nullptr;
  std::vector<CellLoss> losses;  // stenoses (lumped, or the expansion loss of a geometric one)
  int N = 1;
  double dx = 0.0;
  int offset = 0;  // Q_k at offset + 2k, A_j (1 <= j < N) at offset + 2j - 1
  int from = -1, to = -1;
  std::unique_ptr<TubeLaw> law;
  const VenousLaw* venous = nullptr;  // law, when it is the venous law (inlined, no virtual call)
  double pressure(int j, double a, double& dpda) const {
    return venous ? venous->pressure(j, a, dpda) : law->pressure(j, a, dpda);
  }
  int group = -1;
  double kr = 0.0, alpha = 1.0;
  double p_init = 0.0;
  std::vector<double> A, p, z;  // scratch at vertices 0..N
  std::vector<double> c2;       // squared wave speed A/rho dp/dA at the vertices (scratch)
  // End vertices: transmural pressure and dp/dA at which A was last computed (predictor of
  // the next inverse's starting point in the node volume solve).
  double pt_last[2] = {0.0, 0.0}, dpda_last[2] = {0.0, 0.0};
  int qidx(int k) const { return offset + 2 * k; }
  int aidx(int j) const { return offset + 2 * j - 1; }
  int count() const { return 2 * N - 1; }
};

struct NodeEnd {
  int vessel;
  int vertex;  // 0 or N
  int sign;    // +1: flow of the end segment enters the node (vessel `to`), -1: leaves it
};

struct NodeNum {
  const Node* spec = nullptr;
  std::string name;
  double height = 0.0, anterior = 0.0;
  int state = -1;  // volume state, -1 for a pressure-BC node
  const TimeFunction* bc_pressure = nullptr;
  const TimeFunction* bc_flow = nullptr;
  int cumulative = -1;
  std::vector<NodeEnd> ends;
  std::vector<std::pair<int, int>> ports;         // (element, port)
  std::vector<std::pair<int, int>> volume_ports;  // the ports whose element stores volume here
  double p = 0.0, z = 0.0, p_guess = 0.0;
  double v_last = 0.0, c_last = 0.0;  // volume and compliance at p_guess (Newton predictor)
  double p_init = 0.0;
};

struct Descriptor {
  enum Kind { VesselFlow, VesselArea, NodeVolume, ElementState, Cumulative } kind;
  int id, sub;
};

/// A stenosis as output: trans-stenotic pressure difference between two vertices.
struct StenosisOut {
  std::string name;
  int vessel = 0, vertex_up = 0, vertex_down = 0, cell = 0;
};

struct System::Impl {
  const Model* model = nullptr;
  std::vector<StenosisOut> stenoses;
  double rho = 1060.0, g = 0.0;
  std::vector<VesselNum> vessels;
  std::vector<NodeNum> nodes;
  std::vector<std::unique_ptr<ElementBlock>> elements;
  std::vector<const TimeFunction*> groups;
  std::vector<double> pext;       // per group at current t
  std::vector<Descriptor> desc;   // per unknown
  std::vector<double> port_flow;  // scratch
  std::vector<double> node_net;   // scratch: net flow into each node (rhs)
  // Scratch of the node solve (node_slope: dA/dp), sized for the node with most vessel ends.
  std::vector<double> node_scratch, node_slope, node_resid;
  std::vector<std::size_t> n_outputs;  // number of outputs of each element (sampling)
  std::vector<PortView> port_view;
  std::map<std::string, int> node_by_name;

  ElementContext context(double t) const {
    ElementContext c;
    c.t = t;
    c.density = rho;
    c.viscosity = model->blood.viscosity;
    c.external_pressures = &pext;
    return c;
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
  double bc_pressure(const NodeNum& nd, double t) const {
    const double p = value(*nd.bc_pressure, t);
    const double r = ramp(t);
    return r == 1.0 ? p : nd.p_init + r * (p - nd.p_init);
  }
  double bc_flow(const NodeNum& nd, double t) const { return ramp(t) * value(*nd.bc_flow, t); }
};

System::~System() = default;

/// Flow at vertex j of a vessel: mean of the adjacent cells inside, linear extrapolation of the
/// two end cells at the ends (exact for linear profiles; the end cell's flow if N = 1).
static double vertex_flow(const VesselNum& vn, const double* y, int j) {
  const int N = vn.N;
  if (j > 0 && j < N) return 0.5 * (y[vn.qidx(j - 1)] + y[vn.qidx(j)]);
  if (N == 1) return y[vn.qidx(0)];
  if (j == 0) return 1.5 * y[vn.qidx(0)] - 0.5 * y[vn.qidx(1)];
  return 1.5 * y[vn.qidx(N - 1)] - 0.5 * y[vn.qidx(N - 2)];
}

/// Flow that carries the momentum flux alpha Q^2/A through vertex j: the upwind cell's flow
/// (docs/numerics.md: central differences of the convective term destabilise the network where the
/// speed index grows; measured: ADAN56 at 2 cm cells blows up with central fluxes). The switch
/// is smoothed over the flow width q_s (tanh blend) so that the right-hand side stays smooth for
/// Newton. At a vessel end, the end cell's flow.
static double upwind_flow(const VesselNum& vn, const double* y, int j, double q_s) {
  const int N = vn.N;
  if (j == 0) return y[vn.qidx(0)];
  if (j == N) return y[vn.qidx(N - 1)];
  const double ql = y[vn.qidx(j - 1)], qr = y[vn.qidx(j)];
  const double w = 0.5 * (1.0 + std::tanh(0.5 * (ql + qr) / q_s));
  return w * ql + (1.0 - w) * qr;
}

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

  auto node_id = [&](const std::string& name) {
    auto it = m.node_by_name.find(name);
    if (it != m.node_by_name.end()) return it->second;
    NodeNum nd;
    nd.name = name;
    if (const Node* spec = model.find_node(name)) {
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
    VesselNum vn;
    vn.spec = &v;
    vn.N = std::max(1, v.cells);
    vn.dx = v.length / vn.N;
    vn.offset = offset;
    offset += vn.count();
    vn.from = node_id(v.from_node);
    vn.to = node_id(v.to_node);
    std::vector<double> r(vn.N + 1);
    for (int j = 0; j <= vn.N; ++j)
      r[j] = v.radius_in + (v.radius_out - v.radius_in) * double(j) / vn.N;
    const double zeta_v = v.profile_zeta.value_or(model.blood.profile_zeta);
    for (const auto& st : model.stenoses) {
      if (st.vessel != v.name) continue;
      const double x0 = st.position - 0.5 * st.length, x1 = st.position + 0.5 * st.length;
      const double r_ref = v.radius_in + (v.radius_out - v.radius_in) * st.position / v.length;
      const int cell_of = [&](double x) {
        return std::clamp(static_cast<int>(std::floor(x / vn.dx)), 0, vn.N - 1);
      }(st.mode == "geometric" ? x1 : st.position);
      YoungTsaiGeometry g;
      g.reference_diameter = 2.0 * r_ref;
      g.area_ratio = 1.0 - st.area_reduction;
      g.length = st.length;
      g.K_t = st.K_t;
      g.K_u = st.K_u;
      const auto c = young_tsai_coefficients(g, m.rho, model.blood.viscosity);
      CellLoss loss;
      loss.cell = cell_of;
      StenosisOut so{st.name, static_cast<int>(m.vessels.size()), cell_of, cell_of + 1, cell_of};
      if (st.mode == "geometric") {
        // Reduced reference radius over [x0, x1]; the 1D equations carry the convective and
        // viscous effects there, so only the expansion (separation) loss is added, at the
        // cell holding the distal end (no double counting of the viscous part).
        int first = -1, last = -1;
        for (int j = 0; j <= vn.N; ++j) {
          const double x = j * vn.dx;
          if (x >= x0 - 1e-12 && x <= x1 + 1e-12) {
            r[j] *= std::sqrt(1.0 - st.area_reduction);
            if (first < 0) first = j;
            last = j;
          }
        }
        if (first < 0)
          throw std::invalid_argument("stenosis " + st.name +
                                      " (geometric) is shorter than the "
                                      "cells of vessel " +
                                      v.name +
                                      ": refine the vessel or use "
                                      "mode: lumped");
        loss.b = c.B;
        so.vertex_up = std::max(0, first - 1);
        so.vertex_down = std::min(vn.N, last + 1);
      } else {
        // Young-Tsai viscous loss minus the plain Poiseuille-type friction the cell already
        // has over L_s (rho K_R L_s / A0^2), never below zero (SimVascular keeps the stenotic
        // loss at least Poiseuille; docs/physiology.md A5 on double counting).
        const double a0 = std::numbers::pi * r_ref * r_ref;
        const double kr = 2.0 * std::numbers::pi * (zeta_v + 2.0) * model.blood.viscosity;
        loss.r_v = std::max(0.0, c.R_v - kr * st.length / (a0 * a0));
        loss.b = c.B;
        loss.l = c.L;
      }
      vn.losses.push_back(loss);
      m.stenoses.push_back(so);
    }
    vn.law = make_tube_law(v.tube_law, r, m.rho);
    vn.venous = dynamic_cast<const VenousLaw*>(vn.law.get());
    vn.group = group_of(v.external_pressure, "vessel " + v.name);
    const double zeta = v.profile_zeta.value_or(model.blood.profile_zeta);
    // Boileau et al. 2015 eq. (2)-(3): f = -2 (zeta+2) pi mu U, alpha = (zeta+2)/(zeta+1).
    vn.kr = 2.0 * std::numbers::pi * (zeta + 2.0) * model.blood.viscosity / m.rho;
    // A one-cell vessel is the lumped R-C-L segment: no convective momentum flux (0D models,
    // e.g. Gadda et al. 2015, have none; with a single cell the flux would be evaluated at the
    // end nodes only, where a collapsing node area makes it blow up).
    vn.alpha = vn.N == 1 ? 0.0 : (zeta + 2.0) / (zeta + 1.0);
    vn.p_init = v.initial_pressure.value_or(model.initial.pressure);
    vn.A.assign(vn.N + 1, 0.0);
    vn.c2.assign(vn.N + 1, 0.0);
    vn.p.assign(vn.N + 1, 0.0);
    vn.z.assign(vn.N + 1, 0.0);
    for (int k = 0; k < vn.N; ++k) {
      m.desc.push_back({Descriptor::VesselFlow, int(m.vessels.size()), k});
      if (k + 1 < vn.N) m.desc.push_back({Descriptor::VesselArea, int(m.vessels.size()), k + 1});
    }
    m.vessels.push_back(std::move(vn));
  }
  for (int vi = 0; vi < int(m.vessels.size()); ++vi) {
    auto& vn = m.vessels[vi];
    m.nodes[vn.from].ends.push_back({vi, 0, -1});
    m.nodes[vn.to].ends.push_back({vi, vn.N, +1});
  }

  // Elements.
  for (const auto& e : model.elements) {
    auto block = make_element(e);
    block->external_group = group_of(e.external_pressure, "element " + e.name);
    for (const auto& nn : e.nodes) block->port_nodes.push_back(node_id(nn));
    for (int port = 0; port < int(e.nodes.size()); ++port)
      m.nodes[block->port_nodes[port]].ports.push_back({int(m.elements.size()), port});
    m.elements.push_back(std::move(block));
  }

  // Boundary conditions.
  for (const auto& bc : model.boundary_conditions) {
    auto it = m.node_by_name.find(bc.node);
    if (it == m.node_by_name.end())
      throw std::invalid_argument("boundary condition on unknown node '" + bc.node + "'");
    NodeNum& nd = m.nodes[it->second];
    if (bc.kind == BoundaryCondition::Kind::Pressure)
      nd.bc_pressure = &bc.value;
    else
      nd.bc_flow = &bc.value;
  }

  // Node volume states (all but pressure-BC nodes).
  for (int ni = 0; ni < int(m.nodes.size()); ++ni) {
    NodeNum& nd = m.nodes[ni];
    if (nd.bc_pressure) continue;
    bool has_volume = !nd.ends.empty();
    for (auto [e, port] : nd.ports)
      if (m.elements[e]->stores_volume(port)) nd.volume_ports.push_back({e, port});
    has_volume |= !nd.volume_ports.empty();
    if (!has_volume)
      throw std::invalid_argument("node " + nd.name +
                                  " has no volume: connect it to a vessel or a capacitor");
    nd.state = offset++;
    m.desc.push_back({Descriptor::NodeVolume, ni, 0});
  }
  std::size_t max_ends = 0;
  for (const auto& nd : m.nodes) max_ends = std::max(max_ends, nd.ends.size());
  m.node_scratch.assign(max_ends, 0.0);
  m.node_slope.assign(max_ends, 0.0);
  m.node_resid.assign(max_ends, 0.0);
  for (int ei = 0; ei < int(m.elements.size()); ++ei) {
    auto& el = *m.elements[ei];
    const auto st = el.states();
    if (!st.empty()) el.state_offset = offset;
    for (int s = 0; s < int(st.size()); ++s) m.desc.push_back({Descriptor::ElementState, ei, s});
    offset += int(st.size());
  }
  for (int ni = 0; ni < int(m.nodes.size()); ++ni) {
    NodeNum& nd = m.nodes[ni];
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
  std::size_t nports = 0;
  for (const auto& el : m.elements) nports = std::max(nports, el->port_nodes.size());
  m.port_flow.assign(std::max<std::size_t>(nports, 1), 0.0);
  for (const auto& el : m.elements) m.n_outputs.push_back(el->outputs().size());
  m.port_view.assign(std::max<std::size_t>(nports, 1), PortView{});
  build_pattern();
}

int System::node_index(const std::string& name) const {
  auto it = impl_->node_by_name.find(name);
  return it == impl_->node_by_name.end() ? -1 : it->second;
}

void System::freeze_boundaries(bool on) {
  impl_->frozen = on;
  impl_->t_evaluated = std::numeric_limits<double>::quiet_NaN();
}

void System::build_pattern() {
  Impl& m = *impl_;
  std::vector<std::set<int>> deps(n_);  // deps[row] = columns
  auto node_cols = [&](int node, std::set<int>& s) {
    if (m.nodes[node].state >= 0) s.insert(m.nodes[node].state);
  };
  auto element_cols = [&](const ElementBlock& el, std::set<int>& s) {
    for (int nd : el.port_nodes) node_cols(nd, s);
    for (int k = 0; k < int(el.states().size()); ++k) s.insert(el.state_offset + k);
  };
  for (const auto& vn : m.vessels) {
    for (int k = 0; k < vn.N; ++k) {
      auto& s = deps[vn.qidx(k)];
      for (int kk = std::max(0, k - 1); kk <= std::min(vn.N - 1, k + 1); ++kk)
        s.insert(vn.qidx(kk));
      for (int j : {k, k + 1}) {
        if (j == 0)
          node_cols(vn.from, s);
        else if (j == vn.N)
          node_cols(vn.to, s);
        else
          s.insert(vn.aidx(j));
      }
    }
    for (int j = 1; j < vn.N; ++j) {
      deps[vn.aidx(j)].insert(vn.qidx(j - 1));
      deps[vn.aidx(j)].insert(vn.qidx(j));
    }
  }
  for (const auto& nd : m.nodes) {
    std::set<int> s;
    for (const auto& end : nd.ends) {
      const auto& vn = m.vessels[end.vessel];
      s.insert(vn.qidx(end.vertex == 0 ? 0 : vn.N - 1));
    }
    for (auto [e, port] : nd.ports) element_cols(*m.elements[e], s);
    if (nd.state >= 0) deps[nd.state].insert(s.begin(), s.end());
    if (nd.cumulative >= 0 && nd.bc_pressure) deps[nd.cumulative].insert(s.begin(), s.end());
  }
  for (const auto& el : m.elements)
    for (int k = 0; k < int(el->states().size()); ++k)
      element_cols(*el, deps[el->state_offset + k]);
  for (int i = 0; i < n_; ++i) deps[i].insert(i);  // CVODE forms I - gamma J in place

  std::vector<std::vector<int>> cols(n_);
  for (int r = 0; r < n_; ++r)
    for (int c : deps[r]) cols[c].push_back(r);
  pattern_.n = n_;
  pattern_.col_ptr.assign(n_ + 1, 0);
  pattern_.row_idx.clear();
  for (int c = 0; c < n_; ++c) {
    pattern_.row_idx.insert(pattern_.row_idx.end(), cols[c].begin(), cols[c].end());
    pattern_.col_ptr[c + 1] = static_cast<long>(pattern_.row_idx.size());
  }
}

// Solve V(p) = target for the pressure of a volume node (safeguarded Newton, bracketed;
// V is strictly increasing in p). Also leaves each attached vessel's end area in A[end].
/// Fast path of the node solve: one Newton iteration on the node pressure p and the end areas
/// A_i together (docs/numerics.md#node-pressure), from the last solution. Unknowns p, A_1..A_k;
/// equations  P_i(A_i) + pe_i = p  (static pressure continuity) and
/// sum_i w_i A_i + sum_e V_e(p) = V  (w_i = dx_i / 2, the half cell at the node). Linearising
/// both and eliminating the areas, A_i + (r_i + dp) / P_i' with r_i = p - pe_i - P_i(A_i):
///   dp = (V - sum w_i A_i - sum V_e - sum w_i r_i / P_i') / (sum w_i / P_i' + sum C_e).
/// Only forward tube-law evaluations are needed (no inverse inside an outer iteration: the
/// nested solve below costs 3-4 times more). Converged when every area moves by less than
/// 1e-7 of itself: Newton is quadratic, so the error left after the accepted update is about
/// C (1e-7)^2 of the area, C = A P''/(2 P') the law's relative curvature (about (m - 1)/2 = 4.5
/// for the distended venous law): below 5e-14, a few hundred round-off units and far below
/// the finite-difference Jacobian's relative increments (1.5e-8). The areas are predicted along
/// the last solution's tangent, so one iteration usually suffices (1.06 per solve in the
/// cerebral model at 0D; 1.36 with a 1e-8 criterion).
/// Returns false (with the areas restored) when it does not converge within 8 iterations or an
/// update would leave the domain; the caller then uses the safeguarded nested solve.
static bool solve_node_pressure_newton(System::Impl& m, NodeNum& nd, double target, double t) {
  if (!(nd.c_last > 0.0)) return false;  // no previous solution to start from
  const std::size_t k = nd.ends.size();
  auto& a_save = m.node_scratch;  // sized at construction
  for (std::size_t i = 0; i < k; ++i) {
    const auto& end = nd.ends[i];
    a_save[i] = m.vessels[end.vessel].A[end.vertex];
    if (!(a_save[i] > 0.0)) return false;
  }
  auto restore = [&] {
    for (std::size_t i = 0; i < k; ++i)
      m.vessels[nd.ends[i].vessel].A[nd.ends[i].vertex] = a_save[i];
    return false;
  };
  const ElementContext ctx = m.context(t);
  double p = nd.p_guess + (target - nd.v_last) / nd.c_last;
  auto& slope = m.node_slope;
  auto& resid = m.node_resid;
  // Predict the areas too, along the tangent of the last solution: the first residuals are
  // then second order in the change of the node volume and one iteration usually converges.
  for (std::size_t i = 0; i < k; ++i) {
    const auto& end = nd.ends[i];
    auto& vn = m.vessels[end.vessel];
    const int e = end.vertex == 0 ? 0 : 1;
    if (!(vn.dpda_last[e] > 0.0)) continue;
    const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
    double& a = vn.A[end.vertex];
    a = std::clamp(a + (p - pe - vn.pt_last[e]) / vn.dpda_last[e], 0.5 * a, 2.0 * a);
  }
  for (int it = 0; it < 8; ++it) {
    double vol = 0.0, comp = 0.0, vabs = std::abs(target), rterm = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& end = nd.ends[i];
      const auto& vn = m.vessels[end.vessel];
      const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
      const double a = vn.A[end.vertex];
      double dpda = 0.0;
      const double pa = vn.pressure(end.vertex, a, dpda);
      if (!(dpda > 0.0) || !std::isfinite(pa)) return restore();
      const double w = 0.5 * vn.dx;
      slope[i] = 1.0 / dpda;  // compliance of the end, dA/dp
      resid[i] = p - pe - pa;
      vol += w * a;
      vabs += w * a;
      comp += w * slope[i];
      rterm += w * resid[i] * slope[i];
    }
    for (auto [e, port] : nd.volume_ports) {
      const auto& el = *m.elements[e];
      const double ve = el.volume(ctx, port, p);
      vol += ve;
      vabs += std::abs(ve);
      comp += el.compliance(ctx, port, p);
    }
    if (!(comp > 0.0) || !std::isfinite(vol)) return restore();
    const double dp = (target - vol - rterm) / comp;
    if (!std::isfinite(dp)) return restore();
    bool small = std::abs(dp) * comp <= 1e-7 * vabs;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& end = nd.ends[i];
      auto& vn = m.vessels[end.vessel];
      double& a = vn.A[end.vertex];
      const double da = (resid[i] + dp) * slope[i];
      if (!(std::abs(da) <= 0.5 * a)) return restore();  // leaves the trust region: safeguard
      small = small && std::abs(da) <= 1e-7 * a;
      a += da;
    }
    p += dp;
    if (small) {
      // Accept: areas and pressure are the converged Newton update. The predictor data use
      // the slopes of the last iterate (up to 1e-6 relative from the solution); the wave
      // speed, which enters the convective flux (vessels with a convective term only), is
      // evaluated at the accepted area so that the right-hand side stays a smooth function of
      // the state to round-off (finite-difference Jacobians difference it).
      for (std::size_t i = 0; i < k; ++i) {
        const auto& end = nd.ends[i];
        auto& vn = m.vessels[end.vessel];
        const int e = end.vertex == 0 ? 0 : 1;
        const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
        double dpda = 1.0 / slope[i];
        if (vn.alpha != 0.0) vn.pressure(end.vertex, vn.A[end.vertex], dpda);
        vn.c2[end.vertex] = vn.A[end.vertex] / m.rho * dpda;
        vn.pt_last[e] = p - pe;
        vn.dpda_last[e] = dpda;
      }
      nd.p = nd.p_guess = p;
      nd.v_last = target;
      nd.c_last = comp;
      return true;
    }
  }
  return restore();
}

static bool solve_node_pressure(System::Impl& m, NodeNum& nd, double target, double t) {
  if (solve_node_pressure_newton(m, nd, target, t)) return true;
  const ElementContext ctx = m.context(t);
  double vabs = 0.0;  // sum of |volume terms|: sets the round-off floor of V(p) - target
  auto eval = [&](double p, double& v, double& dv) {
    v = 0.0;
    dv = 0.0;
    vabs = std::abs(target);
    for (const auto& end : nd.ends) {
      auto& vn = m.vessels[end.vessel];
      const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
      double dpda = 0.0;
      const int e = end.vertex == 0 ? 0 : 1;
      const double pt = p - pe;
      double hint = vn.A[end.vertex];
      if (vn.dpda_last[e] > 0.0 && hint > 0.0)  // first-order predictor from the last inverse
        hint = std::clamp(hint + (pt - vn.pt_last[e]) / vn.dpda_last[e], 0.5 * hint, 2.0 * hint);
      const double a = vn.law->area(end.vertex, pt, hint, dpda);
      if (!(a > 0.0)) return false;
      vn.A[end.vertex] = a;
      vn.c2[end.vertex] = a / m.rho * dpda;
      vn.pt_last[e] = pt;
      vn.dpda_last[e] = dpda;
      v += 0.5 * vn.dx * a;
      vabs += 0.5 * vn.dx * a;
      dv += 0.5 * vn.dx / dpda;
    }
    for (auto [e, port] : nd.volume_ports) {
      const auto& el = *m.elements[e];
      const double ve = el.volume(ctx, port, p);
      v += ve;
      vabs += std::abs(ve);
      dv += el.compliance(ctx, port, p);
    }
    return std::isfinite(v) && dv > 0.0;
  };
  // Start from the last solution, advanced by one Newton step with its stored compliance
  // (free: no evaluation), then iterate.
  double p = nd.p_guess;
  if (nd.c_last > 0.0) p += (target - nd.v_last) / nd.c_last;
  double lo = -std::numeric_limits<double>::infinity(),
         hi = std::numeric_limits<double>::infinity();
  double v = 0.0, dv = 0.0;
  for (int it = 0; it < 200; ++it) {
    if (!eval(p, v, dv)) {  // below the collapse pressure of an elastic vessel: go up
      lo = p;
      p = std::isfinite(hi) ? 0.5 * (lo + hi) : p + std::max(1.0, std::abs(p));
      continue;
    }
    const double f = v - target;
    // Converged to round-off: the residual is at the floor of V(p). The areas of this
    // evaluation belong to p (the Newton update would move p by round-off only).
    if (std::abs(f) <= 16.0 * std::numeric_limits<double>::epsilon() * vabs) {
      nd.p = nd.p_guess = p;
      nd.v_last = v;
      nd.c_last = dv;
      return true;
    }
    if (f < 0.0)
      lo = p;
    else
      hi = p;
    double next = p - f / dv;
    if (!(next > lo && next < hi))
      next = (std::isfinite(lo) && std::isfinite(hi))
                 ? 0.5 * (lo + hi)
                 : (next <= lo ? lo + 0.5 * std::abs(f / dv) : hi - 0.5 * std::abs(f / dv));
    const bool stalled = std::abs(next - p) <= 4e-16 * std::abs(p) ||
                         (std::isfinite(lo) && std::isfinite(hi) && hi - lo <= 4e-16 * std::abs(p));
    p = next;
    if (stalled) break;
  }
  if (!eval(p, v, dv) || std::abs(v - target) > 1e-10 * std::abs(target) + 1e-18) return false;
  nd.p = nd.p_guess = p;
  nd.v_last = v;
  nd.c_last = dv;
  return true;
}

int System::evaluate_pressures(double t, const double* y) {
  Impl& m = *impl_;
  const bool same_t = t == m.t_evaluated;
  if (!same_t) {
    m.t_evaluated = std::numeric_limits<double>::quiet_NaN();  // until this one succeeds
    for (std::size_t g = 0; g < m.groups.size(); ++g) m.pext[g] = m.value(*m.groups[g], t);
    const double theta = m.tilt(t);
    const double st = std::sin(theta), ct = std::cos(theta);
    for (auto& nd : m.nodes) nd.z = nd.height * st + nd.anterior * ct;
  }

  for (auto& nd : m.nodes) {
    if (nd.bc_pressure) {
      if (same_t) continue;  // its pressure and its ends' areas depend on t alone
      nd.p = m.bc_pressure(nd, t);
      for (const auto& end : nd.ends) {
        auto& vn = m.vessels[end.vessel];
        const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
        double dpda = 0.0;
        const double a = vn.law->area(end.vertex, nd.p - pe, vn.A[end.vertex], dpda);
        vn.c2[end.vertex] = a > 0.0 ? a / m.rho * dpda : 0.0;
        if (!(a > 0.0)) {
          failure_quantity_ = "area <= 0";
          failure_component_ = "vessel " + vn.spec->name;
          failure_ = "prescribed pressure at node " + nd.name + " collapses vessel " +
                     vn.spec->name + " (no positive area for that pressure)";
          return 1;
        }
        vn.A[end.vertex] = a;
      }
    } else if (!solve_node_pressure(m, nd, y[nd.state], t)) {
      failure_quantity_ = "node pressure";
      failure_component_ = "node " + nd.name;
      char vol[32];
      std::snprintf(vol, sizeof vol, "%.4g", y[nd.state] * 1e6);
      failure_ = "no pressure gives node " + nd.name + " its volume " + vol +
                 " ml (vessels collapsed or volume <= 0)";
      return 1;
    }
  }
  for (auto& vn : m.vessels) {
    const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
    if (!same_t) {
      const double z0 = m.nodes[vn.from].z, z1 = m.nodes[vn.to].z;
      for (int j = 0; j <= vn.N; ++j) vn.z[j] = z0 + (z1 - z0) * double(j) / vn.N;
    }
    vn.p[0] = m.nodes[vn.from].p;
    vn.p[vn.N] = m.nodes[vn.to].p;
    for (int j = 1; j < vn.N; ++j) {
      const double a = y[vn.aidx(j)];
      if (!(a > 0.0) || !std::isfinite(a)) {
        failure_quantity_ = "area <= 0";
        failure_component_ = "vessel " + vn.spec->name;
        failure_ = "area " + std::to_string(a) + " m^2 at vessel " + vn.spec->name + " vertex " +
                   std::to_string(j) + " (x = " + fmt_len(j * vn.dx) + ")";
        return 1;
      }
      vn.A[j] = a;
      double dpda = 0.0;
      vn.p[j] = pe + vn.pressure(j, a, dpda);
      vn.c2[j] = a / m.rho * dpda;
    }
  }
  m.t_evaluated = t;
  return 0;
}

int System::rhs(double t, const double* y, double* ydot) {
  Impl& m = *impl_;
  if (int rc = evaluate_pressures(t, y)) return rc;
  const double rg = m.rho * m.g;
  for (int i = 0; i < n_; ++i) ydot[i] = 0.0;

  for (auto& vn : m.vessels) {
    const int N = vn.N;
    const double inv_dx = 1.0 / vn.dx;
    // Momentum flux alpha Q^2/A at vertices, carried by the (smoothly) upwind cell's flow.
    const double q_s = 1e3 * m.model->solver.atol_flow;  // upwind switch width (1e-7 m^3/s)
    // Flow limitation (a numerical device of venoflow, not a published law; the choking
    // physics it stands in for is Shapiro 1977): the flux is scaled by 1/sqrt(1 + S^4),
    // S = |u|/c the speed index. For
    // S < 0.3 this changes it by < 0.4 %; as S -> 1 (a collapsing vein near choking, Shapiro
    // 1977) it bounds the flux by alpha A c^2 instead of letting alpha Q^2/A -> infinity as
    // A -> 0, which would pull ever more flow into the collapse (supercritical flow is outside
    // this model; docs/numerics.md).
    auto flux = [&](int j) {
      const double q = upwind_flow(vn, y, j, q_s);
      if (vn.alpha == 0.0) return 0.0;
      const double a = vn.A[j];
      const double c2 = vn.c2[j];
      const double u2 = q * q / (a * a);
      const double s4 = u2 * u2 / (c2 * c2);
      return vn.alpha * q * q / a / std::sqrt(1.0 + s4);
    };
    double f_left = flux(0);
    for (int k = 0; k < N; ++k) {
      const double q = y[vn.qidx(k)];
      const double abar = 0.5 * (vn.A[k] + vn.A[k + 1]);
      const double dP = (vn.p[k + 1] + rg * vn.z[k + 1]) - (vn.p[k] + rg * vn.z[k]);
      const double f_right = flux(k + 1);
      double dq = -abar / m.rho * dP * inv_dx - (f_right - f_left) * inv_dx - vn.kr * q / abar;
      if (!vn.losses.empty()) {
        double r_v = 0.0, b = 0.0, l = 0.0;
        for (const auto& loss : vn.losses)
          if (loss.cell == k) r_v += loss.r_v, b += loss.b, l += loss.l;
        if (r_v != 0.0 || b != 0.0 || l != 0.0) {
          // (rho dx/Abar + L) dQ/dt = (rho dx/Abar) dq - R_v Q - B Q sqrt(Q^2 + q_eps^2)
          const double inert = m.rho * vn.dx / abar;
          const double q_eps = 1e-9;  // m^3/s: smooth |Q| (as the stenosis element)
          dq = (inert * dq - r_v * q - b * q * std::sqrt(q * q + q_eps * q_eps)) / (inert + l);
        }
      }
      ydot[vn.qidx(k)] = dq;
      f_left = f_right;
    }
    for (int j = 1; j < N; ++j) ydot[vn.aidx(j)] = -(y[vn.qidx(j)] - y[vn.qidx(j - 1)]) * inv_dx;
  }

  const ElementContext ctx = m.context(t);
  std::vector<double>& node_net = m.node_net;  // flow into each node
  node_net.assign(m.nodes.size(), 0.0);
  for (auto& el : m.elements) {
    const int np = int(el->port_nodes.size());
    for (int k = 0; k < np; ++k) {
      const auto& nd = m.nodes[el->port_nodes[k]];
      m.port_view[k] = {nd.p, nd.p + rg * nd.z};
    }
    const double* ys = el->state_offset >= 0 ? y + el->state_offset : nullptr;
    double* yd = el->state_offset >= 0 ? ydot + el->state_offset : nullptr;
    el->evaluate(ctx, ys, m.port_view.data(), m.port_flow.data(), yd);
    for (int k = 0; k < np; ++k) node_net[el->port_nodes[k]] -= m.port_flow[k];
  }
  for (std::size_t ni = 0; ni < m.nodes.size(); ++ni) {
    auto& nd = m.nodes[ni];
    double net = node_net[ni];
    for (const auto& end : nd.ends) {
      const auto& vn = m.vessels[end.vessel];
      net += end.sign * y[vn.qidx(end.vertex == 0 ? 0 : vn.N - 1)];
    }
    if (nd.state >= 0) {
      const double qbc = nd.bc_flow ? m.bc_flow(nd, t) : 0.0;
      ydot[nd.state] = net + qbc;
      if (nd.cumulative >= 0) ydot[nd.cumulative] = qbc;
    } else if (nd.cumulative >= 0) {
      ydot[nd.cumulative] = -net;  // what the pressure node delivers into the network
    }
  }
  for (int i = 0; i < n_; ++i)
    if (!std::isfinite(ydot[i])) {
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
  const double theta = m.tilt(0.0);
  const double rg = m.rho * m.g;
  for (auto& nd : m.nodes) nd.z = nd.height * std::sin(theta) + nd.anterior * std::cos(theta);
  // Hydrostatic initial state: the initial pressure holds at height 0.
  for (auto& vn : m.vessels) {
    const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
    const double z0 = m.nodes[vn.from].z, z1 = m.nodes[vn.to].z;
    for (int j = 1; j < vn.N; ++j) {
      const double z = z0 + (z1 - z0) * double(j) / vn.N;
      const double a = vn.law->area(j, vn.p_init - rg * z - pe);
      if (!(a > 0.0))
        throw SolverError(0.0, "vessel " + vn.spec->name, "initial area",
                          "the initial pressure gives no positive area");
      y[vn.aidx(j)] = a;
    }
  }
  const ElementContext ctx = m.context(0.0);
  for (auto& nd : m.nodes) {
    const double p0 = nd.bc_pressure ? m.bc_pressure(nd, 0.0) : nd.p_init - rg * nd.z;
    nd.p = nd.p_guess = p0;
    if (nd.state < 0) continue;
    double v = 0.0;
    for (const auto& end : nd.ends) {
      const auto& vn = m.vessels[end.vessel];
      const double pe = vn.group < 0 ? 0.0 : m.pext[vn.group];
      const double a = vn.law->area(end.vertex, p0 - pe);
      if (!(a > 0.0))
        throw SolverError(0.0, "node " + nd.name, "initial area",
                          "the initial pressure collapses vessel " + vn.spec->name);
      v += 0.5 * vn.dx * a;
    }
    for (auto [e, port] : nd.ports)
      if (m.elements[e]->stores_volume(port)) v += m.elements[e]->volume(ctx, port, p0);
    y[nd.state] = v;
  }
  for (auto& el : m.elements) {
    if (el->state_offset < 0) continue;
    std::vector<double> p0;
    for (int nd : el->port_nodes) p0.push_back(m.nodes[nd].p);
    el->initial_state(p0, y.data() + el->state_offset);
  }
}

std::vector<double> System::absolute_tolerances() const {
  const Impl& m = *impl_;
  const auto& s = m.model->solver;
  std::vector<double> atol(n_, s.atol_flow);
  for (int i = 0; i < n_; ++i) {
    const auto& d = m.desc[i];
    switch (d.kind) {
      case Descriptor::VesselFlow:
        atol[i] = s.atol_flow;
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
        const auto kind = m.elements[d.id]->states()[d.sub].kind;
        atol[i] = kind == StateKind::Pressure ? s.atol_pressure
                  : kind == StateKind::Flow   ? s.atol_flow
                  : kind == StateKind::Volume ? s.atol_area * 1.0  // m^2 x 1 m = 0.1 ul by default
                  : kind == StateKind::Cumulative ? 1.0    // bookkeeping: never limits the step
                                                  : 1e-6;  // dimensionless (valve opening ...)
        break;
      }
    }
  }
  return atol;
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
      return "element " + m.elements[d.id]->name() + " state " +
             m.elements[d.id]->states()[d.sub].name;
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
  o << "elements (" << m.elements.size() << "):\n";
  for (const auto& el : m.elements) {
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
  for (const auto& el : m.elements) l.elements.push_back({el->name(), el->type(), el->outputs()});
  // Stenoses inside vessels: the flow through them and the trans-stenotic pressure difference
  // (static pressure between the vertices just up- and downstream, as a catheter measures).
  for (const auto& st : m.stenoses)
    l.elements.push_back(
        {st.name, "stenosis_in_vessel", {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}}});
  l.period = m.model->solver.period;
  return l;
}

int System::sample(double t, const double* y, Sample& s) {
  Impl& m = *impl_;
  if (int rc = evaluate_pressures(t, y)) return rc;
  s.t = t;
  s.vessel_pressure.clear();
  s.vessel_flow.clear();
  s.vessel_area.clear();
  for (const auto& vn : m.vessels) {
    for (int j = 0; j <= vn.N; ++j) {
      s.vessel_pressure.push_back(vn.p[j]);
      s.vessel_area.push_back(vn.A[j]);
      s.vessel_flow.push_back(vertex_flow(vn, y, j));
    }
  }
  s.node_pressure.clear();
  for (const auto& nd : m.nodes) s.node_pressure.push_back(nd.p);
  s.element_values.clear();
  const ElementContext ctx = m.context(t);
  const double rg = m.rho * m.g;
  for (const auto& el : m.elements) {
    const int np = int(el->port_nodes.size());
    for (int k = 0; k < np; ++k) {
      const auto& nd = m.nodes[el->port_nodes[k]];
      m.port_view[k] = {nd.p, nd.p + rg * nd.z};
    }
    const std::size_t off = s.element_values.size();
    s.element_values.resize(off + m.n_outputs[&el - m.elements.data()]);
    el->output(ctx, el->state_offset >= 0 ? y + el->state_offset : nullptr, m.port_view.data(),
               s.element_values.data() + off);
  }
  for (const auto& st : m.stenoses) {
    const auto& vn = m.vessels[st.vessel];
    s.element_values.push_back(y[vn.qidx(st.cell)]);
    s.element_values.push_back(vn.p[st.vertex_up] - vn.p[st.vertex_down]);
  }
  return 0;
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
  for (const auto& el : m.elements) {
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
  for (const auto& vn : m.vessels)
    for (int j = 1; j < vn.N; ++j) v += vn.dx * y[vn.aidx(j)];
  for (const auto& nd : m.nodes)
    if (nd.state >= 0) v += y[nd.state];
  for (const auto& el : m.elements)
    if (el->state_offset >= 0) v += el->internal_volume(y + el->state_offset);
  return v;
}

bool System::is_cumulative(int i) const {
  const auto& d = impl_->desc[i];
  return d.kind == Descriptor::Cumulative ||
         (d.kind == Descriptor::ElementState &&
          impl_->elements[d.id]->states()[d.sub].kind == StateKind::Cumulative);
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
