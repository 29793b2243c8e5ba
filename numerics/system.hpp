// venoflow: the semi-discrete network, an ODE system dy/dt = f(t, y) for CVODE.
//
// Discretisation (docs/numerics.md): a vertex-centred staggered finite-volume grid, the
// lumped-segment family of Kroon et al. 2012 (Comput Math Methods Med 2012:156094).
// A vessel of length L with N cells has vertices x_j = j L/N (j = 0..N) carrying area A_j
// and pressure p_j = p_ext + law(A_j), and N segments (cells) k between vertices k and
// k+1 carrying the flow Q_k. Interior vertices (1..N-1) own a control volume of length
// dx = L/N; the two end vertices belong to the vessel's end nodes, which own the half
// control volumes dx/2 of every vessel meeting there, plus any capacitor volume.
//
//   interior vertex:  dA_j/dt = -(Q_j - Q_{j-1}) / dx                        (mass)
//   node:             dV/dt   = sum of flows in - sum of flows out (+ BC flow) (mass)
//                     V(p)    = sum_vessels dx/2 A_end(p - p_ext) + sum_C C (p - p_ext)
//   segment k:        dQ_k/dt = -(Abar/rho) (P_{k+1} - P_k)/dx                 (momentum)
//                               - (F_{k+1} - F_k)/dx - K_R Q_k / Abar
//   with P = p + rho g z (piezometric: well balanced), Abar = (A_k + A_{k+1})/2,
//   F_j = alpha Qv_j^2 / A_j (Qv_j: the upwind cell's flow, blended smoothly by tanh over
//   1e3 atol_flow; the end cell's flow at end vertices),
//
// A node's state is its volume, so mass is conserved exactly (a linear invariant of the ODE,
// preserved by BDF to round-off); its pressure follows from V(p) by a safeguarded Newton
// iteration. Pressures are continuous (static pressure) at junctions. With N = 1 a vessel
// is the lumped segment C/2 - (R, L) - C/2.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "numerics/components/pattern.hpp"
#include "numerics/domain.hpp"
#include "numerics/elements/element.hpp"
#include "venoflow/model.hpp"
#include "venoflow/results.hpp"
#include "venoflow/tube_law.hpp"

namespace venoflow {

class System {
 public:
  explicit System(const Model& model);
  ~System();

  int size() const { return n_; }
  /// No vessels and only linear elements (ElementBlock::linear): the Jacobian is constant.
  bool linear() const;
  void initial_state(std::vector<double>& y) const;
  /// f(t, y). Returns 0 on success, 1 on a recoverable failure (non-positive area, no
  /// pressure for a node volume, non-finite value): `failure()` then says where.
  int rhs(double t, const double* y, double* ydot);
  const SparsityPattern& pattern() const { return pattern_; }
  std::vector<double> absolute_tolerances() const;
  /// Bounds of each unknown that the exact dynamics keeps it in (ElementBlock::state_bounds;
  /// +-infinity for the others).
  void state_bounds(std::vector<double>& lower, std::vector<double>& upper) const;
  /// Absolute tolerance of the elements' flow unknowns [m^3/s]: solver.atol_flow if the model
  /// sets it, else rtol x (mean |inflow| of the flow boundary conditions) / (outlets), at most
  /// 1e-10 m^3/s. Vessel flows take at least c0 atol_area of their vessel under that cap
  /// (docs/numerics.md#tolerances).
  double flow_tolerance() const;
  std::string describe_unknown(int i) const;
  std::string describe() const;
  const std::string& failure() const { return failure_; }
  const std::string& failure_component() const { return failure_component_; }
  const std::string& failure_quantity() const { return failure_quantity_; }

  /// Output layout and sampling (vessel vertices, node pressures, element outputs).
  OutputLayout layout() const;
  /// Fill `s` at (t, y). Returns 0, or 1 like rhs() on failure.
  int sample(double t, const double* y, Sample& s);
  /// The validity-domain bounds of every vessel vertex's tube law and every element, as checks
  /// on the values of a Sample (domain.hpp).
  std::vector<DomainCheck> domain_checks() const;

  /// Total blood volume held in the states (vessel cells, node volumes, element volumes).
  double stored_volume(const double* y) const;
  /// Volume that entered through boundary-condition nodes since t0 (cumulative states).
  double cumulative_inflow(const double* y) const;
  /// Sets every bookkeeping integral in y (boundary inflows, element cumulative states such as
  /// a windkessel's discharged volume) to zero: they then count from the current instant.
  void reset_cumulative(double* y) const;
  /// True for a bookkeeping integral (nothing depends on it; it has no steady state).
  bool is_cumulative(int i) const;
  struct Boundary {
    std::string node;
    BoundaryCondition::Kind kind;
    int cumulative_state;  ///< index in y of the integral of the inflow at this node
  };
  const std::vector<Boundary>& boundaries() const { return boundaries_; }
  /// Hold every boundary function at its mean (and the posture at t = 0, no startup ramp):
  /// the right-hand side of the steady problem used to initialise a run at steady state.
  void freeze_boundaries(bool on);
  int node_index(const std::string& name) const;

  struct Impl;

 private:
  void build_pattern();
  int evaluate_pressures(double t, const double* y);
  /// What depends on t alone (external pressures, posture, linear nodes' V(0), prescribed
  /// inflows and pressures): once per new t. Returns 0, or 1 like rhs() on failure.
  int evaluate_time(double t);
  // Failure reports (rare, kept out of the hot functions): set failure() and return 1.
  int fail_prescribed_pressure(int node, int end);
  int fail_node_pressure(int node, double volume);
  int fail_vessel_area(int vessel, int vertex, const double* y);

  std::unique_ptr<Impl> impl_;
  int n_ = 0;
  SparsityPattern pattern_;
  std::vector<Boundary> boundaries_;
  std::string failure_, failure_component_, failure_quantity_;
};

/// Whether every value of x is finite: one vectorised pass, the check rhs() makes of ydot (the
/// run makes it of every sample).
bool all_finite(const std::vector<double>& x);

}  // namespace venoflow
