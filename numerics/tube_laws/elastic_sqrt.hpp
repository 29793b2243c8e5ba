// Elastic square-root tube law (Boileau et al. 2015, Int J Numer Meth Biomed Eng 31:e02732,
// eq. 4; Formaggia et al. 2003):
//
//   p - p_ext = p_ref + K (sqrt(A) - sqrt(A_ref)),    K = beta / A_ref,
//   beta = (4/3) sqrt(pi) E h            (thin wall, Poisson ratio 1/2)
//   dp/dA = K / (2 sqrt(A)),   c^2 = (A/rho) dp/dA = K sqrt(A) / (2 rho)
//   A(p)  = (sqrt(A_ref) + (p - p_ref)/K)^2   if the bracket is > 0, else no solution (NaN)
//
// Two parameterisations of the same law (they agree when h0 = h_d (r0/r_d)^2):
//  - zero pressure (openBF): A_ref = A0 = pi r0^2 with h = h0, p_ref = 0;
//  - diastolic (Nektar++):   A_ref = pi r_d^2 with h = h_d at p_ref = P_d.
//
// Validity domain (area_domain(); docs/cerebral-model.md#validity-domain): A/A_ref in
// [0.25, 2.25], a radial strain |r/r_ref - 1| <= 0.5. The law is linear (Hookean) thin-wall
// elasticity around the reference state (Formaggia et al. 2003), a small-strain law: arteries
// pulsate by about 10 % in radius and stiffen by collagen recruitment beyond (Roach & Burton
// 1957 [UNVERIFIED]). CHOSEN bound: 50 % radial strain, five times the physiological pulsation;
// A > 0 in any case (the law cannot represent collapse: no area below p_ref - K sqrt(A_ref)).
#pragma once

#include <vector>

#include "venoflow/tube_law.hpp"

namespace venoflow {

class ElasticSqrtLaw final : public TubeLaw {
 public:
  /// Per vertex: reference area, K = beta/A_ref [Pa/m], reference pressure.
  ElasticSqrtLaw(std::vector<double> a_ref, std::vector<double> k, std::vector<double> p_ref);

  double pressure(int j, double area) const override;
  double dpressure_darea(int j, double area) const override;
  double area(int j, double transmural_pressure) const override;
  double area_at_zero_pressure(int j) const override;
  std::string name() const override { return "elastic"; }
  AreaDomain area_domain() const override {
    return {0.25, 2.25, "A/A_ref",
            "linear thin-wall elastic law (Boileau et al. 2015 eq. 4), a small-strain law; CHOSEN "
            "domain radial strain |r/r_ref - 1| <= 0.5"};
  }
  double domain_reference_area(int j) const override { return sqrt_a_ref_[j] * sqrt_a_ref_[j]; }

 private:
  std::vector<double> sqrt_a_ref_, k_, p_ref_;
};

}  // namespace venoflow
