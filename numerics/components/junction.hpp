// venoflow: a junction node, one component of the semi-discrete network (numerics/system.hpp for
// the scheme, docs/numerics.md#node-pressure).
//
// A node's state is its volume V (mass is then conserved exactly); it owns the half control
// volumes dx/2 of every vessel end meeting there and the volume of every element that stores
// volume at it:  V(p) = sum_ends dx/2 A_end(p - pe) + sum_elements V_e(p).  Its pressure
// follows from V by one solve (below) that also sets the end areas of its vessels. Its
// residual is its mass balance dV/dt = flows in - flows out (+ a prescribed inflow). A node
// with a prescribed pressure has no volume state; it imposes its pressure on its vessel ends.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "numerics/components/pattern.hpp"
#include "numerics/components/vessel_chain.hpp"
#include "numerics/elements/element.hpp"

namespace venoflow {

struct NodeEnd {
  int vessel;
  int vertex;  // 0 or N
  int sign;    // +1: flow of the end segment enters the node (vessel `to`), -1: leaves it
};

/// What a junction's pressure solve reads and writes beyond the node itself: the vessel ends'
/// areas, the elements storing volume at the node, the external pressures, and scratch sized at
/// construction for the node with most vessel ends (no allocation per call).
struct JunctionEnv {
  std::vector<VesselChain>& vessels;
  const std::vector<std::unique_ptr<ElementBlock>>& elements;
  const std::vector<double>& pext;
  double rho;
  ElementContext ctx;
  /// Per vessel end of the node being solved (Junction::solve_pressure_newton): its vessel and
  /// area slot, the area to restore, the constant external pressure and half-cell length, and
  /// the iteration's compliance dA/dp and residual.
  struct EndScratch {
    VesselChain* vn = nullptr;
    double* a = nullptr;
    double saved = 0.0, pe = 0.0, w = 0.0, slope = 0.0, resid = 0.0;
    int vertex = 0, e = 0;
  };
  std::vector<EndScratch>& end_scratch;
};

/// A node's mass balance in flat form, what the right-hand side reads (built once by the
/// System from the Junction: the Junction objects themselves are large and scattered). Its row
/// (Junction::balance_row) accumulates: begin() sets it to its vessel ends' flows and the
/// prescribed inflow, the elements subtract their port flows (LumpedElements), finish() turns
/// the net inflow of a prescribed-pressure node into what it delivers.
///   volume node:         dV/dt = sum_ends sign Q_end + q_bc - sum_ports Q_port,
///                        d(cumulative)/dt = q_bc;
///   prescribed pressure: d(cumulative)/dt = -(sum_ends sign Q_end - sum_ports Q_port).
struct NodeBalance {
  int state;            ///< volume state, -1 for a prescribed pressure
  int cumulative;       ///< integral of the prescribed inflow, or of what a pressure node delivers
  int first_end, ends;  ///< its vessel ends: end_flows[first_end, first_end + ends)
  double q_bc = 0.0;    ///< prescribed inflow at the current t (0 if none)
  /// A vessel end's flow state and sign (+1: the end cell's flow enters the node).
  struct EndFlow {
    int index, sign;
  };
  /// Before the elements: every node's row (and its cumulative) from its vessel ends and
  /// prescribed inflow. One call per right-hand side for all nodes: `balances` of the nodes
  /// with vessel ends or a boundary condition, `plain_rows` of the others (their rows start at
  /// 0; a lumped network's nodes are mostly plain).
  static void begin(const std::vector<NodeBalance>& balances, const std::vector<EndFlow>& end_flows,
                    const std::vector<int>& plain_rows, const double* y, double* ydot) {
    for (int r : plain_rows) ydot[r] = 0.0;
    const EndFlow* const ends_of = end_flows.data();
    for (const NodeBalance& b : balances) {
      double net = 0.0;
      for (int k = b.first_end; k < b.first_end + b.ends; ++k)
        net += ends_of[k].sign * y[ends_of[k].index];
      if (b.state >= 0) {
        ydot[b.state] = net + b.q_bc;
        if (b.cumulative >= 0) ydot[b.cumulative] = b.q_bc;
      } else {
        ydot[b.cumulative] = net;
      }
    }
  }
  /// After the elements: a prescribed-pressure node's row holds its net inflow; its cumulative
  /// counts what it delivers into the network, the opposite. delivered_rows: those rows.
  static void finish(const std::vector<int>& delivered_rows, double* ydot) {
    for (int r : delivered_rows) ydot[r] = -ydot[r];
  }
};

struct Junction {
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
  /// The last solved pressure, the start of the next solve. The System keeps every node's
  /// pressure of the current right-hand side in its flat node arrays (System::Impl::node_view).
  double p_guess = 0.0;
  double v_last = 0.0, c_last = 0.0;  // volume and compliance at p_guess (Newton predictor)
  double p_init = 0.0;
  /// No vessel ends, and every element storing volume here has a constant compliance
  /// (ElementBlock::linear_volume): V(p) is linear and the pressure needs no iteration.
  bool linear = false;
  bool linear_external = false;  // a linear node with an element on an external-pressure group
  double linear_v0 = 0.0, linear_c = 0.0;  // a linear node's V(0) and C at the current t

  /// The row that the net flow into the node enters: its volume state, or for a prescribed
  /// pressure the integral of what it delivers (-1: none).
  int balance_row() const { return state >= 0 ? state : (bc_pressure ? cumulative : -1); }

  /// Solve V(p) = target for the node pressure; sets p_guess (the solution) and the end areas
  /// (and their wave speeds). False when no pressure gives that volume. A joint Newton
  /// iteration on the pressure and the end areas from the last solution (fast path), and when
  /// it fails a safeguarded, bracketed Newton iteration on the pressure alone with the tube laws
  /// inverted at each iterate (V is strictly increasing in p); docs/numerics.md#node-pressure.
  /// A linear node's pressure is one division, linear_pressure().
  bool solve_pressure(JunctionEnv& env, double target) {
    if (linear) {
      const double pn = linear_pressure(target, linear_v0, linear_c);
      if (std::isnan(pn)) return false;
      accept(pn, target, linear_c);
      return true;
    }
    return solve_pressure_newton(env, target) || solve_pressure_safeguarded(env, target);
  }
  /// A linear node: V(p) = V(0) + C p, so p = (V - V(0)) / C, exact (the Newton iteration
  /// would reach it from any start in one update and confirm it with a second). NaN when no
  /// pressure gives the volume (C not positive, or a non-finite result).
  static double linear_pressure(double target, double v0, double c) {
    const double pn = (target - v0) / c;
    return c > 0.0 && std::isfinite(pn) ? pn : std::numeric_limits<double>::quiet_NaN();
  }
  /// A linear node's V(0) and C: constant without external-pressure groups (evaluated once),
  /// else functions of t through them (evaluated once per new t, before its solves).
  void set_linear_storage(const JunctionEnv& env) {
    double vabs = 0.0;
    linear_v0 = linear_c = 0.0;
    add_element_storage(env, 0.0, linear_v0, vabs, linear_c);
  }
  /// Impose the prescribed pressure p_bc on the ends. Returns -1, or the index in `ends` of the
  /// end whose vessel has no positive area at that pressure.
  int impose_pressure(JunctionEnv& env, double p_bc);
  /// Volume the node holds at pressure p0 (initial state). Throws SolverError if an end
  /// collapses.
  double volume_at(JunctionEnv& env, double p0) const;

  /// Declares the dependencies of the node's mass balance on its vessel ends' flows (the
  /// elements declare their port flows themselves).
  void declare_sparsity(PatternBuilder& pb, const std::vector<VesselChain>& vessels) const;

 private:
  bool solve_pressure_newton(JunctionEnv& env, double target);
  bool solve_pressure_safeguarded(JunctionEnv& env, double target);
  /// Volume, its round-off scale and compliance of the elements storing volume at the node.
  void add_element_storage(const JunctionEnv& env, double pn, double& vol, double& vabs,
                           double& comp) const {
    for (auto [e, port] : volume_ports) {
      const auto& el = *env.elements[static_cast<std::size_t>(e)];
      const double ve = el.volume(env.ctx, port, pn);
      vol += ve;
      vabs += std::abs(ve);
      comp += el.compliance(env.ctx, port, pn);
    }
  }
  /// First-order predictor of an end's area at transmural pressure pt from its last solution
  /// (end e = 0 at vertex 0, 1 at vertex N), bounded to [a/2, 2a].
  static double predict_area(const VesselChain& vn, int e, double a, double pt) {
    if (!(vn.dpda_last[e] > 0.0) || !(a > 0.0)) return a;
    return std::clamp(a + (pt - vn.pt_last[e]) / vn.dpda_last[e], 0.5 * a, 2.0 * a);
  }
  void accept(double p_solved, double v, double c) {
    p_guess = p_solved;
    v_last = v;
    c_last = c;
  }
};

}  // namespace venoflow
