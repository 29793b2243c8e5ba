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
  std::vector<double>& a_save;
  std::vector<double>& slope;
  std::vector<double>& resid;
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
  double p = 0.0, z = 0.0, p_guess = 0.0;
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

  /// Solve V(p) = target for the node pressure; sets p and the end areas (and their wave
  /// speeds). False when no pressure gives that volume. A joint Newton iteration on the
  /// pressure and the end areas from the last solution (fast path), and when it fails a
  /// safeguarded, bracketed Newton iteration on the pressure alone with the tube laws inverted
  /// at each iterate (V is strictly increasing in p); docs/numerics.md#node-pressure.
  bool solve_pressure(JunctionEnv& env, double target) {
    if (linear) return solve_pressure_linear(target);
    return solve_pressure_newton(env, target) || solve_pressure_safeguarded(env, target);
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

  /// Mass balance: net = flow into the node from its elements (already summed), qbc the
  /// prescribed inflow (0 if none).
  void residual(const double* y, const std::vector<VesselChain>& vessels, double net, double qbc,
                double* ydot) const {
    for (const auto& end : ends)
      net += end.sign * y[vessels[end.vessel].end_flow_index(end.vertex)];
    if (state >= 0) {
      ydot[state] = net + qbc;
      if (cumulative >= 0) ydot[cumulative] = qbc;
    } else if (cumulative >= 0) {
      ydot[cumulative] = -net;  // what the pressure node delivers into the network
    }
  }
  /// Declares the dependencies of the node's mass balance on its vessel ends' flows (the
  /// elements declare their port flows themselves).
  void declare_sparsity(PatternBuilder& pb, const std::vector<VesselChain>& vessels) const;

 private:
  /// A linear node: V(p) = V(0) + C p, so p = (V - V(0)) / C, exact (the Newton iteration
  /// would reach it from any start in one update and confirm it with a second).
  bool solve_pressure_linear(double target) {
    const double pn = (target - linear_v0) / linear_c;
    if (!(linear_c > 0.0) || !std::isfinite(pn)) return false;
    accept(pn, target, linear_c);
    return true;
  }
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
    p = p_guess = p_solved;
    v_last = v;
    c_last = c;
  }
};

}  // namespace venoflow
