#include "numerics/steady_state.hpp"

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "numerics/sundials_handles.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"

namespace venoflow {

namespace {

/// The Jacobian's pattern with the diagonal added (I / dtau needs it), and where each pattern
/// entry and each diagonal entry sits in it.
struct AugmentedPattern {
  std::vector<sunindextype> col_ptr, row_idx;
  std::vector<long> from_pattern;  // pattern entry k -> index
  std::vector<long> diagonal;      // column c -> index of (c, c)

  explicit AugmentedPattern(const SparsityPattern& p) {
    const int n = p.n;
    col_ptr.assign(n + 1, 0);
    from_pattern.assign(p.row_idx.size(), 0);
    diagonal.assign(n, 0);
    std::vector<std::pair<int, long>> rows;  // (row, pattern entry or -1 for the diagonal)
    for (int c = 0; c < n; ++c) {
      rows.clear();
      bool has_diagonal = false;
      for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k) {
        rows.push_back({p.row_idx[k], k});
        has_diagonal = has_diagonal || p.row_idx[k] == c;
      }
      if (!has_diagonal) rows.push_back({c, -1});
      std::sort(rows.begin(), rows.end());
      for (const auto& [r, k] : rows) {
        const long idx = static_cast<long>(row_idx.size());
        if (k >= 0) from_pattern[k] = idx;
        if (r == c) diagonal[c] = idx;
        row_idx.push_back(r);
      }
      col_ptr[c + 1] = static_cast<sunindextype>(row_idx.size());
    }
  }
};

}  // namespace

SteadyStateResult pseudo_transient_steady_state(System& sys, ColouredJacobian& jacobian,
                                                SUNContext ctx, double t, std::vector<double>& y,
                                                const SteadyStateOptions& o) {
  SteadyStateResult r;
  const int n = sys.size();
  const SparsityPattern& p = sys.pattern();
  const AugmentedPattern ap(p);
  std::vector<char> cumulative(n);
  for (int i = 0; i < n; ++i) cumulative[i] = sys.is_cumulative(i);

  sundials::MatrixPtr A(
      SUNSparseMatrix(n, n, static_cast<sunindextype>(ap.row_idx.size()), CSC_MAT, ctx));
  sundials::VectorPtr x(N_VNew_Serial(n, ctx));
  sundials::VectorPtr b(N_VNew_Serial(n, ctx));
  sundials::SolverPtr ls(make_refactoring_lu_solver(ctx));
  if (!A || !x || !b || !ls || SUNLinSolInitialize(ls.get()) != 0) {
    r.message = "could not create the sparse matrix / linear solver";
    return r;
  }
  std::copy(ap.col_ptr.begin(), ap.col_ptr.end(), SUNSparseMatrix_IndexPointers(A.get()));
  std::copy(ap.row_idx.begin(), ap.row_idx.end(), SUNSparseMatrix_IndexValues(A.get()));
  sunrealtype* a = SUNSparseMatrix_Data(A.get());
  double* xv = N_VGetArrayPointer(x.get());
  double* bv = N_VGetArrayPointer(b.get());

  auto f = [&](double tt, const double* yy, double* ff) {
    ++r.rhs_evaluations;
    return sys.rhs(tt, yy, ff);
  };
  std::vector<double> fy(n), w(n), values, ytrial(n), ftrial(n), lower, upper;
  sys.state_bounds(lower, upper);
  auto set_weights = [&] {
    for (int i = 0; i < n; ++i) w[i] = 1.0 / (o.rtol * std::abs(y[i]) + o.atol[i]);
  };
  auto wrms = [&](const double* v) {  // over the unknowns that have a steady state
    double s = 0.0;
    int m = 0;
    for (int i = 0; i < n; ++i)
      if (!cumulative[i]) {
        s += (v[i] * w[i]) * (v[i] * w[i]);
        ++m;
      }
    return std::sqrt(s / std::max(m, 1));
  };
  auto finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double z) { return std::isfinite(z); });
  };

  if (f(t, y.data(), fy.data()) != 0 || !finite(fy)) {
    r.message = "the residual fails at the initial state: " + sys.failure();
    return r;
  }
  set_weights();
  double fnorm = wrms(fy.data());
  double dtau = o.dtau0;
  // Largest pseudo-time step: beyond every time constant of a circulation model (the slowest
  // here, the CSF mode, is ~600 s). 1/dtau also regularises the modes that no steady state
  // fixes (a closed compartment's volume keeps its initial value, as in the time relaxation).
  constexpr double kMaxStep = 1e8;  // s
  bool renew = false;
  for (int k = 0; k < o.max_iterations; ++k) {
    r.iterations = k + 1;
    // The Jacobian is renewed every second iteration, and after a rejected step: a Jacobian one
    // iteration old still converges here (all 28 scenario runs, 13-35 iterations, metrics
    // within 1e-4 of renewing it every time; docs/numerics.md#steady-initialisation).
    if (k % 2 == 0 || renew) {
      if (jacobian.evaluate(t, y.data(), fy.data(), w.data(), f, values) != 0) {
        r.message = "the Jacobian's residuals fail: " + sys.failure();
        return r;
      }
      ++r.jacobians;
      renew = false;
    }
    bool accepted = false;
    int tries = 0;
    for (; tries < 40 && !accepted; ++tries) {
      std::fill(a, a + ap.row_idx.size(), 0.0);
      for (int c = 0; c < n; ++c)
        for (long e = p.col_ptr[c]; e < p.col_ptr[c + 1]; ++e)
          if (!cumulative[p.row_idx[e]]) a[ap.from_pattern[e]] = -values[e];
      const double inv = 1.0 / dtau;
      for (int c = 0; c < n; ++c) a[ap.diagonal[c]] += cumulative[c] ? 1.0 : inv;
      for (int i = 0; i < n; ++i) bv[i] = cumulative[i] ? 0.0 : fy[i];
      if (SUNLinSolSetup(ls.get(), A.get()) != 0 ||
          SUNLinSolSolve(ls.get(), A.get(), x.get(), b.get(), 0.0) != 0) {
        dtau *= 0.5;  // singular (e.g. at a fold): damp
        continue;
      }
      // Projected onto the states' bounds (System::state_bounds): a neutral band (a valve's
      // opening between its pressure thresholds) has no restoring force, and an implicit step
      // can land far outside it (an opening of 20 found at rest, an area 20 x the annulus).
      for (int i = 0; i < n; ++i) ytrial[i] = std::clamp(y[i] + xv[i], lower[i], upper[i]);
      if (f(t, ytrial.data(), ftrial.data()) != 0 || !finite(ftrial)) {
        dtau *= 0.25;  // left the domain (collapse): shorter step
        continue;
      }
      // The linearised step overshot (e.g. deep into a collapsed vein's stiff branch) when the
      // residual grows tenfold (weighted at the current state): shorter step.
      if (wrms(ftrial.data()) > 10.0 * fnorm) {
        dtau *= 0.25;
        continue;
      }
      accepted = true;
    }
    if (tries > 1) renew = true;  // a rejected step: the Jacobian may be what failed
    if (!accepted) {
      r.message = "no admissible pseudo-time step (last failure: " + sys.failure() + ")";
      return r;
    }
    const double step = wrms(xv);
    const bool newton = dtau >= kMaxStep;
    y.swap(ytrial);
    fy.swap(ftrial);
    set_weights();
    const double fnew = wrms(fy.data());
    // Converged: the update is below the tolerance, or (where a mode has no restoring force,
    // e.g. a pocket between a closed valve and a collapsed segment, whose volume drifts by
    // leakage) the residual would move the state by less than it over the horizon.
    if (newton && (step <= o.tolerance || fnew * o.horizon <= o.tolerance)) {
      r.converged = true;
      return r;
    }
    // Switched evolution relaxation, but growing at least 3 x per iteration: in this stiff
    // network the residual falls slowly while fast modes settle (SER alone crept at 1-2 ms
    // pseudo-steps for 100 iterations), and implicit Euler is L-stable, so the step can grow
    // geometrically; a rejected step (failure, tenfold residual) shrinks it again. At most
    // 100 x per iteration.
    const double ratio = fnew > 0.0 ? fnorm / fnew : 100.0;
    dtau = std::min(dtau * std::clamp(std::max(ratio, 3.0), 0.1, 100.0), kMaxStep);
    fnorm = fnew;
  }
  r.message = "not converged in " + std::to_string(o.max_iterations) + " iterations";
  return r;
}

SteadyInitialisation initialise_at_steady_state(System& sys, ColouredJacobian& jacobian,
                                                Integrator& integrator,
                                                const SteadyStateOptions& options,
                                                std::vector<double>& y0) {
  SteadyInitialisation spent;
  const int n = sys.size();
  double* y = integrator.state();
  // The boundaries are held at their means while the steady state is sought, and released
  // whatever happens.
  struct Frozen {
    System& sys;
    explicit Frozen(System& s) : sys(s) { sys.freeze_boundaries(true); }
    ~Frozen() { sys.freeze_boundaries(false); }
  };
  std::optional<Frozen> frozen(std::in_place, sys);
  // First pseudo-transient continuation: Newton's method damped by implicit-Euler pseudo-time,
  // converged to 1e-3 of the run's tolerances.
  std::vector<double> ys = y0;
  const SteadyStateResult sr =
      pseudo_transient_steady_state(sys, jacobian, integrator.context(), 0.0, ys, options);
  spent.rhs_evaluations = sr.rhs_evaluations;
  spent.jacobian_evaluations = sr.jacobians;
  int flag = 0;
  if (sr.converged) {
    std::copy(ys.begin(), ys.end(), y);
  } else {
    // Otherwise relax in time: BDF with 100 x looser tolerances (only the end point
    // matters; same order limit: the wave modes are still there).
    integrator.limit_steps(0.0, 20000);  // no step limit
    integrator.scale_tolerances(100.0);
    double tp = 0.0;
    flag = integrator.advance(1e6, tp);  // ~11 days: steady
    // The looser tolerances let a state with a neutral band drift out of its bounds (a valve
    // opening of 2.0 found at t = 0); the exact dynamics never leave them, so project.
    std::vector<double> lower, upper;
    sys.state_bounds(lower, upper);
    for (int i = 0; i < n; ++i) y[i] = std::clamp(y[i], lower[i], upper[i]);
    const Integrator::Counters c = integrator.counters();
    spent.steps = c.steps;
    spent.rhs_evaluations += c.rhs_evaluations;
    spent.jacobian_evaluations += c.jacobian_evaluations;
  }
  frozen.reset();
  if (flag < 0) {
    // Not converged (e.g. no steady state exists): start from the initial conditions.
    std::copy(y0.begin(), y0.end(), y);
  } else {
    // The run starts here: its bookkeeping integrals (boundary inflows for the volume
    // balance and the boundary means, discharged volumes) count from now, not from the
    // start of the relaxation.
    sys.reset_cumulative(y);
    std::copy(y, y + n, y0.begin());
  }
  integrator.restart(0.0);
  return spent;
}

}  // namespace venoflow
