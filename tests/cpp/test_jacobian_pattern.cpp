// The Jacobian sparsity pattern is the union of what the components declare (vessel cell
// chains, junction nodes, lumped elements; numerics/components/). Checked against the
// right-hand side itself on every shipped model: a one-column-at-a-time finite-difference
// Jacobian has no non-zero outside the declared pattern (the pattern cannot miss a coupling
// that the right-hand side has), and the declared pattern is not much larger than what the
// differences show (no dense blocks declared where the equations are sparse).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "numerics/system.hpp"
#include "venoflow/model_document.hpp"

using namespace venoflow;

namespace {

std::string source_dir() {
  const char* env = std::getenv("VENOFLOW_SOURCE_DIR");
  return env ? env : VENOFLOW_SOURCE_DIR;
}

struct PatternCheck {
  long declared_offdiag = 0;  // declared non-zeros off the diagonal
  long observed_offdiag = 0;  // of those, the ones a difference quotient shows non-zero
  int outside = 0;            // non-zeros of the differences outside the declared pattern
  std::string first_outside;
  std::string first_unseen;  // first declared off-diagonal entry never seen non-zero
};

// Finite-difference Jacobian at two states away from rest (flows set to non-zero values of
// both signs, so friction, convective, upwind and loss terms are all active).
PatternCheck check_pattern(const Model& model) {
  System sys(model);
  const int n = sys.size();
  const auto& p = sys.pattern();
  std::vector<double> y0;
  sys.initial_state(y0);
  const auto atol = sys.absolute_tolerances();
  std::vector<std::vector<bool>> in_pattern(n, std::vector<bool>(n, false));
  for (int c = 0; c < n; ++c)
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k) in_pattern[p.row_idx[k]][c] = true;
  std::vector<std::vector<bool>> observed(n, std::vector<bool>(n, false));
  PatternCheck out;
  for (int state = 0; state < 2; ++state) {
    std::vector<double> y = y0;
    for (int i = 0; i < n; ++i) {
      const std::string what = sys.describe_unknown(i);
      if (what.find("flow in cell") != std::string::npos ||
          what.find("state flow") != std::string::npos)
        y[i] = (state == 0 ? 2e-6 : -1.5e-6) * (1.0 + 0.3 * std::sin(1.7 * i));
    }
    const double t = 0.3 + 0.2 * state;
    std::vector<double> f0(n), f1(n);
    if (sys.rhs(t, y.data(), f0.data()) != 0) {
      ADD_FAILURE() << sys.failure();
      return out;
    }
    // Steps as CVODE's difference quotients: relative to |y| or to the absolute tolerance.
    std::vector<double> h(n);
    for (int c = 0; c < n; ++c) h[c] = 1e-7 * std::max(std::abs(y[c]), 1e3 * atol[c]);
    // The node pressures come from iterative solves started from the previous call's
    // solution, so f(y) varies in its last digits with the history. Measure that noise by
    // re-evaluating f(y) after visits to perturbed states; a difference quotient with step h
    // carries up to 2 noise / h of it.
    std::vector<double> noise(n, 0.0);
    {
      std::vector<double> f2(n), yp(n);
      for (int rep = 0; rep < 6; ++rep) {
        for (int i = 0; i < n; ++i) yp[i] = y[i] + h[i] * ((rep + i) % 3 - 1);
        if (sys.rhs(t, yp.data(), f2.data()) != 0 || sys.rhs(t, y.data(), f2.data()) != 0) {
          ADD_FAILURE() << sys.failure();
          return out;
        }
        for (int r = 0; r < n; ++r) noise[r] = std::max(noise[r], std::abs(f2[r] - f0[r]));
      }
    }
    std::vector<std::vector<double>> jac(n, std::vector<double>(n, 0.0));  // jac[c][r]
    std::vector<double> rowmax(n, 0.0);
    for (int c = 0; c < n; ++c) {
      std::vector<double> yp = y;
      yp[c] += h[c];
      if (sys.rhs(t, yp.data(), f1.data()) != 0) {
        ADD_FAILURE() << sys.failure();
        return out;
      }
      for (int r = 0; r < n; ++r) {
        jac[c][r] = (f1[r] - f0[r]) / h[c];
        if (in_pattern[r][c]) rowmax[r] = std::max(rowmax[r], std::abs(jac[c][r]));
      }
    }
    // Non-zero: above the noise and above 1e-6 of the row's largest entry (the same order
    // as Network.ColouredJacobianMatchesDenseFiniteDifferences).
    for (int c = 0; c < n; ++c)
      for (int r = 0; r < n; ++r) {
        const bool nonzero = std::abs(jac[c][r]) > 1e-6 * rowmax[r] + 4.0 * noise[r] / h[c];
        if (!nonzero) continue;
        if (in_pattern[r][c]) {
          observed[r][c] = true;
        } else {
          if (out.outside++ == 0)
            out.first_outside = "d " + sys.describe_unknown(r) + " / d " + sys.describe_unknown(c) +
                                " = " + std::to_string(jac[c][r]);
        }
      }
  }
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c)
      if (r != c && in_pattern[r][c]) {
        ++out.declared_offdiag;
        if (observed[r][c])
          ++out.observed_offdiag;
        else if (out.first_unseen.empty())
          out.first_unseen = "d " + sys.describe_unknown(r) + " / d " + sys.describe_unknown(c);
      }
  return out;
}

}  // namespace

TEST(JacobianPattern, DeclaredPatternCoversAndFitsFiniteDifferencesOfShippedModels) {
  const std::string root = source_dir();
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(root + "/models/scenarios"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  // Benchmarks: the small ones at their own resolution; the large ones lumped only (the dense
  // difference Jacobian costs n^2).
  for (const char* b : {"common_carotid", "aortic_bifurcation", "single_pipe"})
    files.push_back(root + "/validation/benchmarks/" + b + ".yaml");
  const std::vector<std::string> lumped_only = {
      root + "/validation/benchmarks/adan56.yaml",
      root + "/validation/benchmarks/network_37_arteries.yaml",
      root + "/validation/benchmarks/single_pipe.yaml"};
  long declared = 0, observed = 0;
  auto run = [&](const std::string& file, bool lumped) {
    std::vector<Override> ov;
    if (lumped) ov.push_back({"discretisation.lumped", "true"});
    const Model m = load_model(file, ov);
    if (!lumped && m.vessels.size() > 0) {
      long n = 0;
      for (const auto& v : m.vessels) n += 2L * std::max(1, v.cells);
      if (n > 1500) return;  // see lumped_only
    }
    const PatternCheck pc = check_pattern(m);
    const std::string label =
        std::filesystem::path(file).stem().string() + (lumped ? " (0D)" : " (1D)");
    EXPECT_EQ(pc.outside, 0) << label << ": non-zeros outside the declared pattern, first "
                             << pc.first_outside;
    // Declared but never seen non-zero: allowed only as a fraction (couplings that vanish at
    // the sampled states, e.g. a fully open valve's opening rate on its flow, and the
    // elements' dense default declaration, element.hpp).
    EXPECT_LE(pc.declared_offdiag, 1.5 * pc.observed_offdiag + 4)
        << label << ": first declared entry never seen, " << pc.first_unseen;
    std::cout << label << ": declared " << pc.declared_offdiag << " off-diagonal non-zeros, "
              << pc.observed_offdiag << " seen in the differences\n";
    declared += pc.declared_offdiag;
    observed += pc.observed_offdiag;
  };
  for (const auto& f : files) {
    run(f, true);
    run(f, false);
  }
  for (const auto& f : lumped_only)
    if (std::find(files.begin(), files.end(), f) == files.end()) run(f, true);
  std::cout << "fill ratio declared / seen (off-diagonal): " << double(declared) / observed << "\n";
}
