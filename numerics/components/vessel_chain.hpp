// venoflow: a vessel's cell chain, one component of the semi-discrete network (numerics/system.hpp
// for the scheme, docs/numerics.md).
//
// States Q_0, A_1, Q_1, ..., A_{N-1}, Q_{N-1}, contiguous (a band per vessel). The end
// vertices' areas belong to the vessel's end nodes (numerics/components/junction.hpp), which
// set A[0], A[N] and the end pressures before the chain's residual is evaluated. The chain
// holds its segment losses: Poiseuille-type friction, the convective flux and the stenoses
// inside the vessel (one Young-Tsai loss object per cell, numerics/elements/young_tsai.hpp).
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "numerics/components/pattern.hpp"
#include "numerics/elements/young_tsai.hpp"
#include "numerics/tube_laws/venous.hpp"
#include "venoflow/model.hpp"
#include "venoflow/results.hpp"
#include "venoflow/tube_law.hpp"

namespace venoflow {

/// A stenosis inside the vessel as output: the flow through its cell and the trans-stenotic
/// pressure difference between two vertices (static pressure just up- and downstream, as a
/// catheter measures).
struct StenosisOut {
  std::string name;
  int vertex_up = 0, vertex_down = 0, cell = 0;
};

/// The extra loss of the stenoses inside one cell (Young-Tsai, docs/physiology.md A5):
/// dp_loss = R_v Q + B Q sqrt(Q^2 + q_eps^2) + L dQ/dt.
struct CellLoss {
  int cell = 0;
  YoungTsaiLoss loss;
};

struct VesselChain {
  /// Builds the chain of vessel `v` with its states from `offset`, with the model's stenoses
  /// inside it. Throws std::invalid_argument for a geometric stenosis shorter than the cells.
  VesselChain(const Vessel& v, const Model& model, int offset);

  const Vessel* spec = nullptr;
  std::vector<CellLoss> losses;       // per cell holding a stenosis, by increasing cell
  std::vector<StenosisOut> stenoses;  // in model order
  int N = 1;
  double dx = 0.0;
  int offset = 0;  // Q_k at offset + 2k, A_j (1 <= j < N) at offset + 2j - 1
  int from = -1, to = -1;
  std::unique_ptr<TubeLaw> law;
  const VenousLaw* venous = nullptr;  // law, when it is the venous law (inlined, no virtual call)
  [[gnu::always_inline]] double pressure(int j, double a, double& dpda) const {
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
  /// The flow state of the end cell at vertex 0 or N.
  int end_flow_index(int vertex) const { return qidx(vertex == 0 ? 0 : N - 1); }
  double external_pressure(const std::vector<double>& pext) const {
    return group < 0 ? 0.0 : pext[static_cast<std::size_t>(group)];
  }

  /// Heights of the vertices, linear between the end nodes' heights z0 and z1.
  void set_heights(double z0, double z1) {
    for (int j = 0; j <= N; ++j) z[j] = z0 + (z1 - z0) * double(j) / N;
  }
  /// Pressures at the interior vertices from the area states (end pressures p0, pN are the
  /// nodes'). Returns 0, or the interior vertex whose area is not positive and finite.
  /// (Forced inline: called per vessel and right-hand side, and most vessels have one cell.)
  [[gnu::always_inline]] int evaluate_pressures(const double* y, double pe, double p0, double pN,
                                                double rho) {
    p[0] = p0;
    p[N] = pN;
    for (int j = 1; j < N; ++j) {
      const double a = y[aidx(j)];
      if (!(a > 0.0) || !std::isfinite(a)) return j;
      A[j] = a;
      double dpda = 0.0;
      p[j] = pe + pressure(j, a, dpda);
      c2[j] = a / rho * dpda;
    }
    return 0;
  }
  /// Residuals of the chains: momentum of every cell, mass of every interior vertex.
  /// (For every chain, in one call per right-hand side: most chains have one cell, and a call
  /// per chain would cost as much as its equations.)
  static void residuals(const std::vector<VesselChain>& chains, const double* y, double rho,
                        double rg, double q_s, double* ydot);
  /// Declares the dependencies of the rows residuals() writes for this chain; node_state_from/to:
  /// the volume states of the end nodes (-1 for a prescribed pressure), which set the end areas.
  void declare_sparsity(PatternBuilder& pb, int node_state_from, int node_state_to) const;

  /// Flow at vertex j: mean of the adjacent cells inside, linear extrapolation of the two end
  /// cells at the ends (exact for linear profiles; the end cell's flow if N = 1).
  double vertex_flow(const double* y, int j) const {
    if (j > 0 && j < N) return 0.5 * (y[qidx(j - 1)] + y[qidx(j)]);
    if (N == 1) return y[qidx(0)];
    if (j == 0) return 1.5 * y[qidx(0)] - 0.5 * y[qidx(1)];
    return 1.5 * y[qidx(N - 1)] - 0.5 * y[qidx(N - 2)];
  }
  /// The output quantities of each stenosis inside the vessel, and their values.
  static std::vector<Quantity> stenosis_quantities() {
    return {{"flow", "m^3/s"}, {"pressure_drop", "Pa"}};
  }
  /// Writes them from `values` on and returns the end of what it wrote.
  double* sample_stenoses(const double* y, double* values) const {
    for (const auto& st : stenoses) {
      *values++ = y[qidx(st.cell)];
      *values++ = p[st.vertex_up] - p[st.vertex_down];
    }
    return values;
  }
  /// Adds the volume in the interior control volumes to v (the half cells at the ends are the
  /// nodes').
  void add_interior_volume(const double* y, double& v) const;
};

}  // namespace venoflow
