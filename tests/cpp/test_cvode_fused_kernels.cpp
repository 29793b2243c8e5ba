// CVODE's fused integrator kernels (numerics/cvode_fused_kernels.cpp, third_party/sundials_cvode):
// each against the unfused sequence of SUNDIALS vector operations it replaces, bit for bit, the
// predictor also against Taylor's theorem, and whole runs with the kernels on and off.
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#ifdef VENOFLOW_FUSED_CVODE_KERNELS
#include "numerics/cvode_integrator.hpp"
#include "numerics/jacobian.hpp"
#include "numerics/run_plan.hpp"
#include "numerics/system.hpp"
#include "venoflow/model_document.hpp"
#include "venoflow/simulation.hpp"

extern "C" {
int cvPredict_fused(int q, N_Vector* zn);
int cvEwtSetSS_fused(sunbooleantype atolmin0, sunrealtype reltol, sunrealtype Sabstol,
                     N_Vector ycur, N_Vector tempv, N_Vector weight);
int cvEwtSetSV_fused(sunbooleantype atolmin0, sunrealtype reltol, N_Vector Vabstol, N_Vector ycur,
                     N_Vector tempv, N_Vector weight);
int cvNlsResid_fused(sunrealtype rl1, sunrealtype ngamma, N_Vector zn1, N_Vector ycor,
                     N_Vector ftemp, N_Vector res);
}

using namespace venoflow;

namespace {

class CvodeFusedKernels : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(SUNContext_Create(nullptr, &ctx_), 0); }
  void TearDown() override {
    for (N_Vector v : made_) N_VDestroy(v);
    SUNContext_Free(&ctx_);
  }
  // A serial vector with SUNDIALS' own operations: values over 1e-14 .. 1e5, both signs, zeros.
  N_Vector make(unsigned seed, sunindextype n) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> mant(-1.0, 1.0);
    std::uniform_int_distribution<int> expo(-14, 5);
    N_Vector v = N_VNew_Serial(n, ctx_);
    for (sunindextype i = 0; i < n; ++i)
      NV_Ith_S(v, i) = i % 89 == 0 ? 0.0 : mant(gen) * std::pow(10.0, expo(gen));
    made_.push_back(v);
    return v;
  }
  N_Vector copy(N_Vector v) {
    N_Vector c = N_VClone(v);
    N_VScale(1.0, v, c);
    made_.push_back(c);
    return c;
  }
  static bool same(N_Vector a, N_Vector b) {
    return NV_LENGTH_S(a) == NV_LENGTH_S(b) &&
           std::memcmp(NV_DATA_S(a), NV_DATA_S(b), sizeof(double) * NV_LENGTH_S(a)) == 0;
  }
  SUNContext ctx_ = nullptr;
  std::vector<N_Vector> made_;
};

}  // namespace

// cvPredict's q(q+1)/2 linear sums, for every order CVODE uses (BDF 1-5, Adams up to 12) and
// lengths below, at and across the kernel's 512-element blocks.
TEST_F(CvodeFusedKernels, PredictorIsTheSequenceOfLinearSums) {
  unsigned seed = 1;
  for (sunindextype n : {1, 7, 512, 1037, 3072})
    for (int q : {1, 2, 3, 4, 5, 12}) {
      std::vector<N_Vector> ref, fused;
      for (int j = 0; j <= q; ++j) {
        ref.push_back(make(seed++, n));
        fused.push_back(copy(ref.back()));
      }
      for (int k = 1; k <= q; ++k)
        for (int j = q; j >= k; --j) N_VLinearSum(1.0, ref[j - 1], 1.0, ref[j], ref[j - 1]);
      ASSERT_EQ(cvPredict_fused(q, fused.data()), 0);
      for (int j = 0; j <= q; ++j)
        EXPECT_TRUE(same(ref[j], fused[j])) << "n " << n << " q " << q << " zn[" << j << "]";
    }
}

// The prediction of a Nordsieck array is exact for a polynomial of degree q: the history of
// p at t (zn[j] = h^j p^(j)(t)/j!) becomes the history at t + h. Integer coefficients, t = 3 and
// h = 1 keep every value an exactly representable integer; the expected array comes from the
// binomial expansion of p(t + h + s), not from the additions under test.
TEST_F(CvodeFusedKernels, PredictorIsExactForPolynomials) {
  const sunindextype n = 700;
  std::mt19937_64 gen(42);
  std::uniform_int_distribution<int> coef(-40, 40);
  auto binomial = [](int a, int b) {
    std::int64_t r = 1;
    for (int i = 1; i <= b; ++i) r = r * (a - b + i) / i;
    return r;
  };
  // Taylor coefficients of p at x: c_j(x) = sum_k a_k C(k, j) x^(k-j).
  auto taylor = [&](const std::vector<std::int64_t>& a, std::int64_t x, int j) {
    std::int64_t s = 0;
    for (int k = j; k < static_cast<int>(a.size()); ++k) {
      std::int64_t pw = 1;
      for (int i = 0; i < k - j; ++i) pw *= x;
      s += a[k] * binomial(k, j) * pw;
    }
    return s;
  };
  for (int q = 1; q <= 5; ++q) {
    std::vector<N_Vector> zn;
    for (int j = 0; j <= q; ++j) zn.push_back(make(100 + j, n));
    std::vector<std::vector<std::int64_t>> poly(n, std::vector<std::int64_t>(q + 1));
    for (sunindextype i = 0; i < n; ++i) {
      for (auto& c : poly[i]) c = coef(gen);
      for (int j = 0; j <= q; ++j) NV_Ith_S(zn[j], i) = static_cast<double>(taylor(poly[i], 3, j));
    }
    ASSERT_EQ(cvPredict_fused(q, zn.data()), 0);
    for (sunindextype i = 0; i < n; ++i)
      for (int j = 0; j <= q; ++j)
        ASSERT_EQ(NV_Ith_S(zn[j], i), static_cast<double>(taylor(poly[i], 4, j)))
            << "q " << q << " element " << i << " zn[" << j << "]";
  }
}

// cvEwtSetSV/SS: tempv = reltol |y| + atol, weight = 1/tempv, as N_VAbs, N_VLinearSum (N_VScale
// and N_VAddConst for a scalar atol) and N_VInv compute them; tempv may be y itself.
TEST_F(CvodeFusedKernels, ErrorWeightsAreTheSequence) {
  const sunindextype n = 1037;
  for (bool in_place : {false, true}) {
    N_Vector y = make(7, n), atol = make(8, n);
    N_VAbs(atol, atol);
    N_VAddConst(atol, 1e-12, atol);
    N_Vector y_ref = copy(y);
    N_Vector t_ref = in_place ? y_ref : make(9, n), w_ref = make(10, n);
    N_VAbs(y_ref, t_ref);
    N_VLinearSum(1e-6, t_ref, 1.0, atol, t_ref);
    N_VInv(t_ref, w_ref);
    N_Vector t = in_place ? y : make(11, n), w = make(12, n);
    ASSERT_EQ(cvEwtSetSV_fused(SUNFALSE, 1e-6, atol, y, t, w), 0);
    EXPECT_TRUE(same(t, t_ref)) << "SV tempv, in place " << in_place;
    EXPECT_TRUE(same(w, w_ref)) << "SV weight, in place " << in_place;

    N_Vector y2 = make(13, n), y2_ref = copy(y2);
    N_Vector t2_ref = in_place ? y2_ref : make(14, n), w2_ref = make(15, n);
    N_VAbs(y2_ref, t2_ref);
    N_VScale(3e-5, t2_ref, t2_ref);
    N_VAddConst(t2_ref, 2.5e-3, t2_ref);
    N_VInv(t2_ref, w2_ref);
    N_Vector t2 = in_place ? y2 : make(16, n), w2 = make(17, n);
    ASSERT_EQ(cvEwtSetSS_fused(SUNFALSE, 3e-5, 2.5e-3, y2, t2, w2), 0);
    EXPECT_TRUE(same(t2, t2_ref)) << "SS tempv, in place " << in_place;
    EXPECT_TRUE(same(w2, w2_ref)) << "SS weight, in place " << in_place;
  }
}

// cvNlsResidual: res = rl1 zn1 + ycor, then res = res - gamma ftemp; also with res = ycor and
// with res = ftemp (the second sum then reads the first's result: the kernel falls back).
TEST_F(CvodeFusedKernels, NewtonResidualIsTheSequence) {
  const sunindextype n = 1037;
  for (double rl1 : {1.0, -1.0, 0.4166666666666667})
    for (double ngamma : {-1.0, -3.7e-4})
      for (int alias = 0; alias < 3; ++alias) {  // res separate, res = ycor, res = ftemp
        N_Vector zn1 = make(20, n), ycor = make(21, n), ftemp = make(22, n);
        N_Vector zn1_r = copy(zn1), ycor_r = copy(ycor), ftemp_r = copy(ftemp);
        N_Vector res = alias == 1 ? ycor : alias == 2 ? ftemp : make(23, n);
        N_Vector res_r = alias == 1 ? ycor_r : alias == 2 ? ftemp_r : copy(res);
        N_VLinearSum(rl1, zn1_r, 1.0, ycor_r, res_r);
        N_VLinearSum(ngamma, ftemp_r, 1.0, res_r, res_r);
        ASSERT_EQ(cvNlsResid_fused(rl1, ngamma, zn1, ycor, ftemp, res), 0);
        EXPECT_TRUE(same(res, res_r))
            << "rl1 " << rl1 << " ngamma " << ngamma << " alias " << alias;
      }
}

// Whole runs with the fused kernels and without: the same states at every output, to the bit,
// and the same step sequence. The default cerebral model lumped (every node a compliance, BDF up
// to order 5 so that every predictor length runs) and in 1D (its own order limit).
TEST(CvodeFusedRuns, SameStatesAndStepsWithAndWithoutFusedKernels) {
  const std::string file = std::string(VENOFLOW_SOURCE_DIR) + "/models/cerebral_venous.yaml";
  for (bool lumped : {true, false}) {
    std::vector<Override> ov;
    if (lumped) ov.push_back({"discretisation.lumped", "true"});
    const Model model = load_model(file, ov);
    const int order = lumped ? 5 : detail::effective_max_order(model);
    // A fresh System per run: it keeps state between right-hand sides (the last node pressures
    // are the next Newton solve's first guess), so a second run on the same one differs.
    auto run = [&](bool fused, std::vector<double>& states, CvodeIntegrator::Counters& c) {
      System sys(model);
      ColouredJacobian jacobian(sys.pattern());
      std::vector<double> y0;
      sys.initial_state(y0);
      const std::vector<double> atol = sys.absolute_tolerances();
      CvodeIntegrator cvode(sys, jacobian, y0, atol, {model.solver.rtol, order, 0.0, fused});
      cvode.set_stop_time(1.0);
      double t = 0.0;
      for (int k = 1; k <= 50; ++k) {
        ASSERT_GE(cvode.advance(0.02 * k, t), 0) << cvode.message();
        states.insert(states.end(), cvode.state(), cvode.state() + sys.size());
      }
      c = cvode.counters();
    };
    std::vector<double> plain, fused;
    CvodeIntegrator::Counters cp, cf;
    run(false, plain, cp);
    run(true, fused, cf);
    const std::string label = lumped ? "0D" : "1D";
    ASSERT_EQ(plain.size(), fused.size()) << label;
    EXPECT_EQ(std::memcmp(plain.data(), fused.data(), sizeof(double) * plain.size()), 0) << label;
    EXPECT_EQ(cp.steps, cf.steps) << label;
    EXPECT_EQ(cp.rhs_evaluations, cf.rhs_evaluations) << label;
    EXPECT_GT(cp.steps, 100) << label;
  }
}

#else
TEST(CvodeFusedKernels, NotBuilt) {
  GTEST_SKIP() << "built with the system's CVODE (VENOFLOW_VENDORED_CVODE off)";
}
#endif
