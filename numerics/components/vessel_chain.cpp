#include "numerics/components/vessel_chain.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace venoflow {

VesselChain::VesselChain(const Vessel& v, const Model& model, int offset_) {
  const double rho = model.blood.density;
  spec = &v;
  N = std::max(1, v.cells);
  dx = v.length / N;
  offset = offset_;
  std::vector<double> r(N + 1);
  for (int j = 0; j <= N; ++j) r[j] = v.radius_in + (v.radius_out - v.radius_in) * double(j) / N;
  const double zeta = v.profile_zeta.value_or(model.blood.profile_zeta);
  for (const auto& st : model.stenoses) {
    if (st.vessel != v.name) continue;
    const double x0 = st.position - 0.5 * st.length, x1 = st.position + 0.5 * st.length;
    const double r_ref = v.radius_in + (v.radius_out - v.radius_in) * st.position / v.length;
    const int cell_of = [&](double x) {
      return std::clamp(static_cast<int>(std::floor(x / dx)), 0, N - 1);
    }(st.mode == "geometric" ? x1 : st.position);
    YoungTsaiGeometry g;
    g.reference_diameter = 2.0 * r_ref;
    g.area_ratio = 1.0 - st.area_reduction;
    g.length = st.length;
    g.K_t = st.K_t;
    g.K_u = st.K_u;
    const YoungTsaiLoss full = young_tsai_loss(g, rho, model.blood.viscosity);
    YoungTsaiLoss loss;  // what the cell adds to its own equations
    StenosisOut so{st.name, cell_of, cell_of + 1, cell_of};
    if (st.mode == "geometric") {
      // Reduced reference radius over [x0, x1]; the 1D equations carry the convective and
      // viscous effects there, so only the expansion (separation) loss is added, at the
      // cell holding the distal end (no double counting of the viscous part).
      int first = -1, last = -1;
      for (int j = 0; j <= N; ++j) {
        const double x = j * dx;
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
      loss.B = full.B;
      so.vertex_up = std::max(0, first - 1);
      so.vertex_down = std::min(N, last + 1);
    } else {
      // Young-Tsai viscous loss minus the plain Poiseuille-type friction the cell already
      // has over L_s (rho K_R L_s / A0^2), never below zero (SimVascular keeps the stenotic
      // loss at least Poiseuille; docs/physiology.md A5 on double counting).
      const double a0 = std::numbers::pi * r_ref * r_ref;
      const double kr_mu = 2.0 * std::numbers::pi * (zeta + 2.0) * model.blood.viscosity;
      loss.R_v = std::max(0.0, full.R_v - kr_mu * st.length / (a0 * a0));
      loss.B = full.B;
      loss.L = full.L;
    }
    // Stenoses in the same cell are in series: their losses add.
    auto it = std::find_if(losses.begin(), losses.end(),
                           [&](const CellLoss& c) { return c.cell == cell_of; });
    if (it == losses.end()) it = losses.insert(losses.end(), CellLoss{cell_of, YoungTsaiLoss{}});
    it->loss += loss;
    stenoses.push_back(so);
  }
  std::sort(losses.begin(), losses.end(),
            [](const CellLoss& a, const CellLoss& b) { return a.cell < b.cell; });
  std::erase_if(losses, [](const CellLoss& c) { return c.loss.empty(); });
  law = make_tube_law(v.tube_law, r, rho);
  venous = dynamic_cast<const VenousLaw*>(law.get());
  // Boileau et al. 2015 eq. (2)-(3): f = -2 (zeta+2) pi mu U, alpha = (zeta+2)/(zeta+1).
  kr = 2.0 * std::numbers::pi * (zeta + 2.0) * model.blood.viscosity / rho;
  // A one-cell vessel is the lumped R-C-L segment: no convective momentum flux (0D models,
  // e.g. Gadda et al. 2015, have none; with a single cell the flux would be evaluated at the
  // end nodes only, where a collapsing node area makes it blow up).
  alpha = N == 1 ? 0.0 : (zeta + 2.0) / (zeta + 1.0);
  p_init = v.initial_pressure.value_or(model.initial.pressure);
  A.assign(N + 1, 0.0);
  c2.assign(N + 1, 0.0);
  p.assign(N + 1, 0.0);
  z.assign(N + 1, 0.0);
}

/// Flow that carries the momentum flux alpha Q^2/A through vertex j: the upwind cell's flow
/// (docs/numerics.md: central differences of the convective term destabilise the network where the
/// speed index grows; measured: ADAN56 at 2 cm cells blows up with central fluxes). The switch
/// is smoothed over the flow width q_s (tanh blend) so that the right-hand side stays smooth for
/// Newton. At a vessel end, the end cell's flow.
static double upwind_flow(const VesselChain& vn, const double* y, int j, double q_s) {
  const int N = vn.N;
  if (j == 0) return y[vn.qidx(0)];
  if (j == N) return y[vn.qidx(N - 1)];
  const double ql = y[vn.qidx(j - 1)], qr = y[vn.qidx(j)];
  const double w = 0.5 * (1.0 + std::tanh(0.5 * (ql + qr) / q_s));
  return w * ql + (1.0 - w) * qr;
}

/// The chain's residual, forced inline into the loop over all chains below (most chains have
/// one cell: a call per chain would cost as much as its equations).
[[gnu::always_inline]] static inline void chain_residual(const VesselChain& c, const double* y,
                                                         double rho, double rg, double q_s,
                                                         double* ydot) {
  const int N = c.N;
  const double dx = c.dx, kr = c.kr, alpha = c.alpha;
  const double* const A = c.A.data();
  const double* const p = c.p.data();
  const double* const z = c.z.data();
  const double* const c2 = c.c2.data();
  auto qidx = [&](int k) { return c.qidx(k); };
  auto aidx = [&](int j) { return c.aidx(j); };
  const auto& losses = c.losses;
  const double inv_dx = 1.0 / dx;
  // Momentum flux alpha Q^2/A at vertices, carried by the (smoothly) upwind cell's flow.
  // Flow limitation (a numerical device of venoflow, not a published law; the choking
  // physics it stands in for is Shapiro 1977): the flux is scaled by 1/sqrt(1 + S^4),
  // S = |u|/c the speed index. For
  // S < 0.3 this changes it by < 0.4 %; as S -> 1 (a collapsing vein near choking, Shapiro
  // 1977) it bounds the flux by alpha A c^2 instead of letting alpha Q^2/A -> infinity as
  // A -> 0, which would pull ever more flow into the collapse (supercritical flow is outside
  // this model; docs/numerics.md).
  auto flux = [&](int j) {
    const double q = upwind_flow(c, y, j, q_s);
    if (alpha == 0.0) return 0.0;
    const double a = A[j];
    const double c2j = c2[j];
    const double u2 = q * q / (a * a);
    const double s4 = u2 * u2 / (c2j * c2j);
    return alpha * q * q / a / std::sqrt(1.0 + s4);
  };
  const CellLoss* next_loss = losses.data();
  const CellLoss* const end_loss = losses.data() + losses.size();
  double f_left = flux(0);
  for (int k = 0; k < N; ++k) {
    const double q = y[qidx(k)];
    const double abar = 0.5 * (A[k] + A[k + 1]);
    const double dP = (p[k + 1] + rg * z[k + 1]) - (p[k] + rg * z[k]);
    const double f_right = flux(k + 1);
    double dq = -abar / rho * dP * inv_dx - (f_right - f_left) * inv_dx - kr * q / abar;
    if (next_loss != end_loss && next_loss->cell == k) {
      // (rho dx/Abar + L) dQ/dt = (rho dx/Abar) dq - R_v Q - B Q sqrt(Q^2 + q_eps^2)
      const double inert = rho * dx / abar;
      dq = next_loss->loss.net_drive(inert * dq, q) / (inert + next_loss->loss.L);
      ++next_loss;
    }
    ydot[qidx(k)] = dq;
    f_left = f_right;
  }
  for (int j = 1; j < N; ++j) ydot[aidx(j)] = -(y[qidx(j)] - y[qidx(j - 1)]) * inv_dx;
}

void VesselChain::residuals(const std::vector<VesselChain>& chains, const double* y, double rho,
                            double rg, double q_s, double* ydot) {
  for (const auto& c : chains) chain_residual(c, y, rho, rg, q_s, ydot);
}

void VesselChain::declare_sparsity(PatternBuilder& pb, int node_state_from,
                                   int node_state_to) const {
  // Momentum of cell k: the flows of cells k-1..k+1 (upwind convective flux at both vertices)
  // and the areas (pressures) of vertices k and k+1, which are the nodes' at the ends.
  for (int k = 0; k < N; ++k) {
    const int row = qidx(k);
    for (int kk = std::max(0, k - 1); kk <= std::min(N - 1, k + 1); ++kk) pb.depends(row, qidx(kk));
    for (int j : {k, k + 1}) {
      if (j == 0)
        pb.depends(row, node_state_from);
      else if (j == N)
        pb.depends(row, node_state_to);
      else
        pb.depends(row, aidx(j));
    }
  }
  // Mass of interior vertex j: the flows of the two cells around it.
  for (int j = 1; j < N; ++j) {
    pb.depends(aidx(j), qidx(j - 1));
    pb.depends(aidx(j), qidx(j));
  }
}

void VesselChain::add_interior_volume(const double* y, double& v) const {
  for (int j = 1; j < N; ++j) v += dx * y[aidx(j)];
}

}  // namespace venoflow
