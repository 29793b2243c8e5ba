// Network-level physics invariants and analytic solutions of the discretised system.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "numerics/jacobian.hpp"
#include "numerics/system.hpp"
#include "tests/cpp/builders.hpp"
#include "venoflow/simulation.hpp"

using namespace venoflow;
using namespace venoflow::testing;

namespace {
double pi = std::numbers::pi;

// Y-shaped network: flow in at `in`, vessel a -> junction j -> vessels b, c -> resistors to
// ground held at 0 Pa; b is venous (collapsible), a and c elastic; c ends in a windkessel.
Model y_network(int cells) {
  Model m;
  m.blood.viscosity = 4e-3;
  m.blood.profile_zeta = 9;
  m.vessels.push_back(vessel("a", "in", "j", 0.15, 5e-3, elastic_law(4e5, 0.5e-3), cells));
  m.vessels.push_back(vessel("b", "j", "ob", 0.10, 4e-3, venous_law(40.0), cells));
  m.vessels.push_back(vessel("c", "j", "oc", 0.12, 3.5e-3, elastic_law(6e5, 0.4e-3), cells));
  m.elements.push_back(element("rb", "resistor", {"ob", "ground"}, {{"R", 2e7}}));
  m.elements.push_back(
      element("wkc", "windkessel3", {"oc"}, {{"R1", 1e7}, {"C", 1e-10}, {"R2", 1e8}}));
  m.boundary_conditions.push_back(
      flow_bc("in", TimeFunction::fourier(5e-6, {3e-6, 1e-6}, {0.0, 0.7}, 1.0)));
  m.boundary_conditions.push_back(pressure_bc("ground", TimeFunction::constant(0.0)));
  m.initial.pressure = 1000.0;
  m.solver.period = 1.0;
  m.solver.output_interval = 0.01;
  return m;
}
}  // namespace

TEST(Network, PoiseuilleSteadyFlow) {
  // Steady flow through a stiff tube (zeta = 2, parabolic profile) obeys Hagen-Poiseuille,
  // dp/dx = -8 pi mu Q / A(x)^2, i.e. Q = pi r^4 dp / (8 mu L) for a uniform radius r.
  // The wall is stiff but compliant, so the exact flow uses the simulated area profile.
  const double r = 2e-3, L = 0.1, mu = 3.5e-3, dp = 200.0;
  Model m;
  m.blood.viscosity = mu;
  m.blood.profile_zeta = 2;
  m.vessels.push_back(vessel("tube", "in", "out", L, r, elastic_law(1e8, 1e-3), 20));
  // Ramp the inlet pressure smoothly over 0.1 s to avoid exciting undamped ringing.
  m.boundary_conditions.push_back(
      pressure_bc("in", TimeFunction::table({0.0, 0.1}, {0.0, dp}, 0.0)));
  m.boundary_conditions.push_back(pressure_bc("out", TimeFunction::constant(0.0)));
  m.solver.t_end = 3.0;
  m.solver.output_interval = 0.1;
  m.solver.rtol = 1e-9;
  m.solver.atol_flow = 1e-15;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  const auto& last = res.samples().back();
  const auto& x = res.layout.vessels[0].x;
  double integral = 0.0;  // int dx / A^2 (trapezoid over the vertices)
  for (std::size_t j = 1; j < x.size(); ++j)
    integral += 0.5 * (x[j] - x[j - 1]) *
                (1 / std::pow(last.vessel_area[j], 2) + 1 / std::pow(last.vessel_area[j - 1], 2));
  // Steady momentum balance with the convective term (alpha = 4/3 for zeta = 2):
  //   p_in - p_out = 8 pi mu Q int dx/A^2 + rho alpha Q^2 (1/A_out^2 - 1/A_in^2)/2
  const double alpha = 4.0 / 3.0, a_in = last.vessel_area.front(), a_out = last.vessel_area.back();
  double q_exact = dp / (8 * pi * mu * integral);
  for (int it = 0; it < 20; ++it)
    q_exact = (dp - m.blood.density * alpha * q_exact * q_exact *
                        (1 / (a_out * a_out) - 1 / (a_in * a_in)) / 2) /
              (8 * pi * mu * integral);
  const double q_uniform = pi * std::pow(r, 4) * dp / (8 * mu * L);
  EXPECT_NEAR(q_exact, q_uniform, 1e-4 * q_uniform);  // the wall is nearly rigid
  for (double q : last.vessel_flow) EXPECT_NEAR(q, q_exact, 1e-6 * q_exact);
  // Nearly linear pressure profile along the tube.
  for (std::size_t j = 0; j < x.size(); ++j)
    EXPECT_NEAR(last.vessel_pressure[j], dp * (1 - x[j] / L), 1e-4 * dp);
}

TEST(Network, SemiDiscreteMassBalanceIsExact) {
  // The scheme conserves mass exactly: d/dt (stored volume) = net boundary inflow holds for
  // the right-hand side at any state, to round-off (cells, junction nodes, elements).
  Model m = y_network(6);
  System sys(m);
  std::vector<double> y;
  sys.initial_state(y);
  const int n = sys.size();
  std::vector<double> f(n), e(n);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> yy = y;
    for (int i = 0; i < n; ++i) {
      const double r = std::sin(1.7 * i + 3.1 * trial);  // deterministic "random" state
      if (sys.describe_unknown(i).find("flow in cell") != std::string::npos)
        yy[i] = 1e-5 * r;
      else
        yy[i] *= 1.0 + 0.05 * r;
    }
    ASSERT_EQ(sys.rhs(0.1 * trial, yy.data(), f.data()), 0);
    // d(stored)/dt and d(cumulative inflow)/dt are linear in f: evaluate them on f.
    const double dstored = sys.stored_volume(f.data());
    const double dinflow = sys.cumulative_inflow(f.data());
    double scale = 0.0;
    for (int i = 0; i < n; ++i)
      if (sys.describe_unknown(i).find("flow in cell") != std::string::npos)
        scale = std::max(scale, std::abs(yy[i]));
    EXPECT_LT(std::abs(dstored - dinflow), 1e-14 * scale) << "trial " << trial;
  }
}

TEST(Network, MassIsConservedOverARun) {
  // Over a whole run the stored volume change equals the net boundary inflow (incl. the
  // windkessel discharge) up to the Newton tolerance of the implicit steps (measured
  // 1.8e-8 relative at 1 cell, 1.9e-9 at 8 cells, rtol 1e-6).
  for (int cells : {1, 8}) {
    Model m = y_network(cells);
    m.solver.cycles = 3;
    Simulation sim(m);
    MemoryResults res;
    ASSERT_TRUE(sim.run(res).complete);
    const double err = res.metrics.at("volume_balance_error").value;
    const double v = res.metrics.at("stored_volume").value;
    EXPECT_LT(std::abs(err), 1e-7 * v) << "cells " << cells << ": imbalance " << err << " of " << v;
  }
}

TEST(Network, HydrostaticColumnStaysAtRest) {
  // Well-balanced gravity: a tilted network (elastic and collapsible vessels at different
  // heights, a junction, upright posture) with no driving pressure keeps Q = 0.
  Model m;
  m.gravity.enabled = true;
  m.posture.tilt = TimeFunction::constant(pi / 2);
  m.nodes = {node("top", 0.40), node("mid", 0.25), node("side", 0.30), node("bottom", 0.0)};
  m.vessels.push_back(vessel("upper", "top", "mid", 0.15, 4e-3, venous_law(50.0), 10));
  m.vessels.push_back(vessel("branch", "side", "mid", 0.06, 3e-3, venous_law(80.0), 4));
  m.vessels.push_back(vessel("lower", "mid", "bottom", 0.25, 6e-3, elastic_law(2e5, 0.5e-3), 12));
  m.boundary_conditions.push_back(flow_bc("top", TimeFunction::constant(0.0)));
  m.boundary_conditions.push_back(flow_bc("side", TimeFunction::constant(0.0)));
  m.boundary_conditions.push_back(pressure_bc("bottom", TimeFunction::constant(5000.0)));
  m.initial.pressure = 5000.0;  // at height 0; the initial state is the hydrostatic column
  m.solver.t_end = 5.0;
  m.solver.output_interval = 0.05;
  Simulation sim(m);
  MemoryResults res;
  ASSERT_TRUE(sim.run(res).complete);
  double qmax = 0.0;
  for (const auto& s : res.samples())
    for (double q : s.vessel_flow) qmax = std::max(qmax, std::abs(q));
  EXPECT_LT(qmax, 1e-18) << "largest flow in a resting column [m^3/s]";
  // And the pressure is hydrostatic: p(top) = 5000 - rho g 0.40.
  EXPECT_NEAR(res.samples().back().node_pressure[res.node_index("top")],
              5000.0 - m.blood.density * 9.81 * 0.40, 1e-8);
}

TEST(Network, ColouredJacobianMatchesDenseFiniteDifferences) {
  // Every non-zero of a plain one-column-at-a-time difference quotient lies inside the
  // declared pattern, and the coloured Jacobian equals it there.
  Model m = y_network(5);
  System sys(m);
  std::vector<double> y;
  sys.initial_state(y);
  const int n = sys.size();
  // Move away from rest so that convective and friction terms are active.
  for (int i = 0; i < n; ++i)
    if (sys.describe_unknown(i).find("flow in cell") != std::string::npos) y[i] = 3e-6 + 1e-7 * i;
  std::vector<double> f0(n), f1(n), w(n);
  ASSERT_EQ(sys.rhs(0.3, y.data(), f0.data()), 0);
  const auto atol = sys.absolute_tolerances();
  for (int i = 0; i < n; ++i) w[i] = 1.0 / (1e-6 * std::abs(y[i]) + atol[i]);
  ColouredJacobian jac(sys.pattern());
  std::vector<double> values;
  auto f = [&](double t, const double* yy, double* ff) { return sys.rhs(t, yy, ff); };
  ASSERT_EQ(jac.evaluate(0.3, y.data(), f0.data(), w.data(), f, values), 0);
  EXPECT_LE(jac.colours(), 8);
  // Round-off noise of the right-hand side at y: the node pressures come from iterative solves
  // started from the previous call's solution, so f(y) varies in its last digits with the
  // history (flow rows difference nearly equal pressures: ~1e-12 relative). Measure it by
  // re-evaluating f(y) after visits to perturbed states; a difference quotient with step h
  // carries up to 2 noise / h of it.
  std::vector<double> noise(n, 0.0);
  {
    std::vector<double> f2(n), yp = y;
    for (int rep = 0; rep < 6; ++rep) {
      for (int i = 0; i < n; ++i)
        yp[i] = y[i] * (1.0 + 1e-7 * ((rep + i) % 3 - 1)) + (rep % 2 ? 1.0 / w[i] * 1e-7 : 0.0);
      ASSERT_EQ(sys.rhs(0.3, yp.data(), f2.data()), 0);
      ASSERT_EQ(sys.rhs(0.3, y.data(), f2.data()), 0);
      for (int r = 0; r < n; ++r) noise[r] = std::max(noise[r], std::abs(f2[r] - f0[r]));
    }
  }
  const auto& p = sys.pattern();
  std::vector<double> rowmax(n, 0.0);
  for (int c = 0; c < n; ++c)
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k)
      rowmax[p.row_idx[k]] = std::max(rowmax[p.row_idx[k]], std::abs(values[k]));
  for (int c = 0; c < n; ++c) {
    std::vector<double> yp = y;
    const double h = 1e-7 * std::max(std::abs(y[c]), 1.0 / w[c]);
    yp[c] += h;
    ASSERT_EQ(sys.rhs(0.3, yp.data(), f1.data()), 0);
    std::vector<double> col(n);
    for (int r = 0; r < n; ++r) col[r] = (f1[r] - f0[r]) / h;
    std::vector<bool> in_pattern(n, false);
    for (long k = p.col_ptr[c]; k < p.col_ptr[c + 1]; ++k) {
      const int r = p.row_idx[k];
      in_pattern[r] = true;
      EXPECT_NEAR(values[k], col[r],
                  1e-4 * std::abs(col[r]) + 1e-6 * std::abs(f0[r]) / h * 1e-6 + 4.0 * noise[r] / h)
          << sys.describe_unknown(r) << " / d " << sys.describe_unknown(c);
    }
    // Outside the pattern only round-off noise of the node-pressure solve may appear.
    for (int r = 0; r < n; ++r) {
      if (!in_pattern[r]) {
        EXPECT_LE(std::abs(col[r]), 1e-5 * rowmax[r])
            << "missing from the pattern: d " << sys.describe_unknown(r) << " / d "
            << sys.describe_unknown(c);
      }
    }
  }
}
