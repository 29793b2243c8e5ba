// The integrator's one-pass iteration matrix I - gamma J (numerics/cvode_integrator.cpp,
// CvodeIntegrator::linear_system) against CVODE's own assembly (a copy of its saved Jacobian and
// SUNMatScaleAddI): the same states to the bit, the same steps and Jacobian evaluations, on the
// cerebral model lumped (0D) and in cells (1D), with the pattern compared once per setup; and a
// pattern changed in the matrix between setups is written back before the values are laid out.
#include <gtest/gtest.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "numerics/cvode_integrator.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/run_plan.hpp"
#include "numerics/sunlinsol_refactoring_lu.hpp"
#include "numerics/system.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;

namespace {

struct Trajectory {
  std::vector<double> states;
  CvodeIntegrator::Counters counters;
  long pattern_comparisons = 0;           // by the linear solver's setups
  bool matrix_holds_the_pattern = false;  // the iteration matrix's pattern is the System's
  long setups_after_last_corruption = 0;
};

// 50 output steps of 0.02 s on a fresh System (it keeps state between right-hand sides).
// `corrupt` (if set) is called on the iteration matrix after output steps 10, 20, 30 and 40.
Trajectory integrate(const Model& model, int order, bool one_pass,
                     void (*corrupt)(SUNMatrix) = nullptr) {
  Trajectory r;
  System sys(model);
  ColouredJacobian jacobian(sys.pattern());
  std::vector<double> y0;
  sys.initial_state(y0);
  const std::vector<double> atol = sys.absolute_tolerances();
  CvodeIntegrator::Settings set{model.solver.rtol, order, 0.0};
  set.one_pass_linear_system = one_pass;
  CvodeIntegrator cvode(sys, jacobian, y0, atol, set);
  cvode.set_stop_time(1.0);
  double t = 0.0;
  long setups_at_40 = 0;
  for (int k = 1; k <= 50; ++k) {
    EXPECT_GE(cvode.advance(0.02 * k, t), 0) << cvode.message();
    r.states.insert(r.states.end(), cvode.state(), cvode.state() + sys.size());
    if (corrupt && k % 10 == 0 && k <= 40) corrupt(cvode.iteration_matrix());
    if (k == 40) setups_at_40 = cvode.counters().linear_solver_setups;
  }
  r.counters = cvode.counters();
  r.setups_after_last_corruption = r.counters.linear_solver_setups - setups_at_40;
  r.pattern_comparisons = refactoring_lu_pattern_comparisons(cvode.linear_solver());
  const SparsityPattern& p = sys.pattern();
  SUNMatrix A = cvode.iteration_matrix();
  r.matrix_holds_the_pattern =
      std::equal(p.col_ptr.begin(), p.col_ptr.end(), SUNSparseMatrix_IndexPointers(A)) &&
      std::equal(p.row_idx.begin(), p.row_idx.end(), SUNSparseMatrix_IndexValues(A));
  return r;
}

Model cerebral(bool lumped) {
  std::vector<Override> ov;
  if (lumped) ov.push_back({"discretisation.lumped", "true"});
  return load_model(std::string(VENOFLOW_SOURCE_DIR) + "/models/cerebral_venous.yaml", ov);
}

void expect_same(const Trajectory& a, const Trajectory& b, const std::string& label) {
  ASSERT_EQ(a.states.size(), b.states.size()) << label;
  EXPECT_EQ(std::memcmp(a.states.data(), b.states.data(), sizeof(double) * a.states.size()), 0)
      << label;
  EXPECT_EQ(a.counters.steps, b.counters.steps) << label;
  EXPECT_EQ(a.counters.rhs_evaluations, b.counters.rhs_evaluations) << label;
  EXPECT_EQ(a.counters.jacobian_evaluations, b.counters.jacobian_evaluations) << label;
  EXPECT_EQ(a.counters.linear_solver_setups, b.counters.linear_solver_setups) << label;
}

}  // namespace

TEST(CvodeLinearSystem, SameStatesAsCvodesOwnAssembly) {
  for (bool lumped : {true, false}) {
    const Model model = cerebral(lumped);
    const int order = lumped ? 5 : detail::effective_max_order(model);
    const std::string label = lumped ? "0D" : "1D";
    const Trajectory own = integrate(model, order, false);
    const Trajectory one_pass = integrate(model, order, true);
    expect_same(own, one_pass, label);
    EXPECT_GT(own.counters.steps, 100) << label;
    EXPECT_GT(own.counters.linear_solver_setups, 10) << label;  // the assembly is exercised
    EXPECT_GT(own.counters.jacobian_evaluations, 1) << label;   // both branches of it
    // The pattern compared once per setup: CVODE's own assembly leaves it to the linear
    // solver at each; the one-pass assembly compares it itself and vouches for it, so that the
    // solver compares it only at its first setup.
    EXPECT_EQ(own.pattern_comparisons, own.counters.linear_solver_setups) << label;
    EXPECT_EQ(one_pass.pattern_comparisons, 1) << label;
  }
}

// Row indices overwritten in place (each column's first entry set to row 0, the values kept):
// the next setup finds the matrix's pattern differs from the System's and writes it back, so the
// run goes on as if nothing happened and the matrix is a whole one again (laid out in the
// System's order on the wrong pattern, its values would make another matrix).
TEST(CvodeLinearSystem, PatternChangedInTheMatrixIsWrittenBack) {
  const Model model = cerebral(true);
  const Trajectory plain = integrate(model, 5, true);
  const Trajectory corrupted = integrate(model, 5, true, [](SUNMatrix A) {
    const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    for (sunindextype c = 0; c < SUNSparseMatrix_Columns(A); ++c)
      if (cp[c + 1] > cp[c]) ri[cp[c]] = 0;
  });
  expect_same(plain, corrupted, "0D, pattern overwritten every 10 outputs");
  // The linear solver factors the vouched pattern (refactoring_lu_vouch_pattern), whatever the
  // matrix's arrays say; the matrix itself is whole again after the next setup.
  EXPECT_GT(corrupted.setups_after_last_corruption, 0);
  EXPECT_TRUE(corrupted.matrix_holds_the_pattern);
  EXPECT_TRUE(plain.matrix_holds_the_pattern);
}
