#include "numerics/components/junction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "venoflow/errors.hpp"

namespace venoflow {

/// Fast path: one Newton iteration on the node pressure p and the end areas A_i together, from
/// the last solution. Unknowns p, A_1..A_k; equations  P_i(A_i) + pe_i = p  (static pressure
/// continuity) and sum_i w_i A_i + sum_e V_e(p) = V  (w_i = dx_i / 2, the half cell at the
/// node). Linearising both and eliminating the areas, A_i + (r_i + dp) / P_i' with
/// r_i = p - pe_i - P_i(A_i):
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
/// update would leave the domain; the caller then uses the safeguarded solve.
bool Junction::solve_pressure_newton(JunctionEnv& env, double target) {
  if (!(c_last > 0.0)) return false;  // no previous solution to start from
  VesselChain* const vessels = env.vessels.data();
  const std::size_t k = ends.size();
  // Per end, what the iterations reuse: its vessel, its area slot, its external pressure and
  // half-cell length (constant during the solve), and the area to restore on failure.
  JunctionEnv::EndScratch* const sc = env.end_scratch.data();
  const double pn0 = p_guess + (target - v_last) / c_last;
  for (std::size_t i = 0; i < k; ++i) {
    const auto& end = ends[i];
    VesselChain& vn = vessels[end.vessel];
    JunctionEnv::EndScratch& s = sc[i];
    s.vn = &vn;
    s.a = &vn.A[end.vertex];
    s.saved = *s.a;
    if (!(s.saved > 0.0)) {
      for (std::size_t r = 0; r < i; ++r) *sc[r].a = sc[r].saved;
      return false;
    }
    s.e = end.vertex == 0 ? 0 : 1;
    s.vertex = end.vertex;
    s.pe = vn.external_pressure(env.pext);
    s.w = 0.5 * vn.dx;
    // Predict the areas too, along the tangent of the last solution: the first residuals are
    // then second order in the change of the node volume and one iteration usually converges.
    *s.a = predict_area(vn, s.e, s.saved, pn0 - s.pe);
  }
  auto restore = [&] {
    for (std::size_t i = 0; i < k; ++i) *sc[i].a = sc[i].saved;
    return false;
  };
  double pn = pn0;
  for (int it = 0; it < 8; ++it) {
    double vol = 0.0, comp = 0.0, vabs = std::abs(target), rterm = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      JunctionEnv::EndScratch& s = sc[i];
      const double a = *s.a;
      double dpda = 0.0;
      const double pa = s.vn->pressure(s.vertex, a, dpda);
      if (!(dpda > 0.0) || !std::isfinite(pa)) return restore();
      s.slope = 1.0 / dpda;  // compliance of the end, dA/dp
      s.resid = pn - s.pe - pa;
      vol += s.w * a;
      vabs += s.w * a;
      comp += s.w * s.slope;
      rterm += s.w * s.resid * s.slope;
    }
    add_element_storage(env, pn, vol, vabs, comp);
    if (!(comp > 0.0) || !std::isfinite(vol)) return restore();
    const double dp = (target - vol - rterm) / comp;
    if (!std::isfinite(dp)) return restore();
    bool small = std::abs(dp) * comp <= 1e-7 * vabs;
    for (std::size_t i = 0; i < k; ++i) {
      JunctionEnv::EndScratch& s = sc[i];
      double& a = *s.a;
      const double da = (s.resid + dp) * s.slope;
      if (!(std::abs(da) <= 0.5 * a)) return restore();  // leaves the trust region: safeguard
      small = small && std::abs(da) <= 1e-7 * a;
      a += da;
    }
    pn += dp;
    if (small) {
      // Accept: areas and pressure are the converged Newton update. The predictor data use
      // the slopes of the last iterate (up to 1e-6 relative from the solution); the wave
      // speed, which enters the convective flux (vessels with a convective term only), is
      // evaluated at the accepted area so that the right-hand side stays a smooth function of
      // the state to round-off (finite-difference Jacobians difference it).
      for (std::size_t i = 0; i < k; ++i) {
        const JunctionEnv::EndScratch& s = sc[i];
        VesselChain& vn = *s.vn;
        double dpda = 1.0 / s.slope;
        if (vn.alpha != 0.0) vn.pressure(s.vertex, *s.a, dpda);
        vn.c2[s.vertex] = *s.a / env.rho * dpda;
        vn.pt_last[s.e] = pn - s.pe;
        vn.dpda_last[s.e] = dpda;
      }
      accept(pn, target, comp);
      return true;
    }
  }
  return restore();
}

/// Safeguarded solve: Newton on p with the tube laws inverted at each iterate, kept inside a
/// bracket [lo, hi] of the root (bisection when a step leaves it).
bool Junction::solve_pressure_safeguarded(JunctionEnv& env, double target) {
  double vabs = 0.0;  // sum of |volume terms|: sets the round-off floor of V(p) - target
  auto eval = [&](double pn, double& v, double& dv) {
    v = 0.0;
    dv = 0.0;
    vabs = std::abs(target);
    for (const auto& end : ends) {
      auto& vn = env.vessels[end.vessel];
      const double pe = vn.external_pressure(env.pext);
      double dpda = 0.0;
      const int e = end.vertex == 0 ? 0 : 1;
      const double pt = pn - pe;
      const double hint = predict_area(vn, e, vn.A[end.vertex], pt);
      const double a = vn.law->area(end.vertex, pt, hint, dpda);
      if (!(a > 0.0)) return false;
      vn.A[end.vertex] = a;
      vn.c2[end.vertex] = a / env.rho * dpda;
      vn.pt_last[e] = pt;
      vn.dpda_last[e] = dpda;
      v += 0.5 * vn.dx * a;
      vabs += 0.5 * vn.dx * a;
      dv += 0.5 * vn.dx / dpda;
    }
    add_element_storage(env, pn, v, vabs, dv);
    return std::isfinite(v) && dv > 0.0;
  };
  // Start from the last solution, advanced by one Newton step with its stored compliance
  // (free: no evaluation), then iterate.
  double pn = p_guess;
  if (c_last > 0.0) pn += (target - v_last) / c_last;
  double lo = -std::numeric_limits<double>::infinity(),
         hi = std::numeric_limits<double>::infinity();
  double v = 0.0, dv = 0.0;
  for (int it = 0; it < 200; ++it) {
    if (!eval(pn, v, dv)) {  // below the collapse pressure of an elastic vessel: go up
      lo = pn;
      pn = std::isfinite(hi) ? 0.5 * (lo + hi) : pn + std::max(1.0, std::abs(pn));
      continue;
    }
    const double f = v - target;
    // Converged to round-off: the residual is at the floor of V(p). The areas of this
    // evaluation belong to p (the Newton update would move p by round-off only).
    if (std::abs(f) <= 16.0 * std::numeric_limits<double>::epsilon() * vabs) {
      accept(pn, v, dv);
      return true;
    }
    if (f < 0.0)
      lo = pn;
    else
      hi = pn;
    double next = pn - f / dv;
    if (!(next > lo && next < hi))
      next = (std::isfinite(lo) && std::isfinite(hi))
                 ? 0.5 * (lo + hi)
                 : (next <= lo ? lo + 0.5 * std::abs(f / dv) : hi - 0.5 * std::abs(f / dv));
    const bool stalled =
        std::abs(next - pn) <= 4e-16 * std::abs(pn) ||
        (std::isfinite(lo) && std::isfinite(hi) && hi - lo <= 4e-16 * std::abs(pn));
    pn = next;
    if (stalled) break;
  }
  if (!eval(pn, v, dv) || std::abs(v - target) > 1e-10 * std::abs(target) + 1e-18) return false;
  accept(pn, v, dv);
  return true;
}

int Junction::impose_pressure(JunctionEnv& env, double p_bc) {
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const auto& end = ends[i];
    auto& vn = env.vessels[end.vessel];
    double dpda = 0.0;
    const double a =
        vn.law->area(end.vertex, p_bc - vn.external_pressure(env.pext), vn.A[end.vertex], dpda);
    vn.c2[end.vertex] = a > 0.0 ? a / env.rho * dpda : 0.0;
    if (!(a > 0.0)) return static_cast<int>(i);
    vn.A[end.vertex] = a;
  }
  return -1;
}

double Junction::volume_at(JunctionEnv& env, double p0) const {
  double v = 0.0;
  for (const auto& end : ends) {
    const auto& vn = env.vessels[end.vessel];
    const double a = vn.law->area(end.vertex, p0 - vn.external_pressure(env.pext));
    if (!(a > 0.0))
      throw SolverError(0.0, "node " + name, "initial area",
                        "the initial pressure collapses vessel " + vn.spec->name);
    v += 0.5 * vn.dx * a;
  }
  for (auto [e, port] : ports)
    if (env.elements[e]->stores_volume(port)) v += env.elements[e]->volume(env.ctx, port, p0);
  return v;
}

void Junction::declare_sparsity(PatternBuilder& pb, const std::vector<VesselChain>& vessels) const {
  for (const auto& end : ends)
    pb.depends(balance_row(), vessels[end.vessel].end_flow_index(end.vertex));
}

}  // namespace venoflow
