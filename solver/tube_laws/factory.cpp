// Builds a vessel's TubeLaw from its TubeLawSpec (docs/model-format.md#tube_law).
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "solver/tube_laws/elastic_sqrt.hpp"
#include "solver/tube_laws/venous.hpp"
#include "venoflow/model.hpp"

namespace venoflow {

double openbf_wall_thickness(double radius) {
  // openBF (INSIGNEO/openBF, src/initialise.jl): h0 = R0 (a e^{b R0} + c e^{d R0})
  return radius * (0.2802 * std::exp(-505.3 * radius) + 0.1324 * std::exp(-11.14 * radius));
}

namespace {
double wall_thickness(const TubeLawSpec& s, double radius) {
  if (s.wall_thickness > 0.0) return s.wall_thickness;
  if (s.wall_thickness_rule == "openbf_empirical") return openbf_wall_thickness(radius);
  throw std::invalid_argument("tube law needs wall_thickness or wall_thickness_rule");
}
}  // namespace

std::unique_ptr<TubeLaw> make_tube_law(const TubeLawSpec& spec,
                                       const std::vector<double>& reference_radius,
                                       double density) {
  const std::size_t nv = reference_radius.size();
  std::vector<double> area(nv), k(nv);
  for (std::size_t j = 0; j < nv; ++j) {
    if (!(reference_radius[j] > 0.0))
      throw std::invalid_argument("tube law: reference radius must be > 0");
    area[j] = std::numbers::pi * reference_radius[j] * reference_radius[j];
  }
  if (spec.type == "elastic") {
    if (!(spec.youngs_modulus > 0.0))
      throw std::invalid_argument("elastic tube law needs youngs_modulus > 0");
    // beta = (4/3) sqrt(pi) E h  (Boileau et al. 2015, eq. 4, nu = 1/2). For nu != 1/2 the
    // thin-wall form is beta = sqrt(pi) E h / (1 - nu^2); 4/3 = 1/(1 - 1/4).
    const double nu = spec.poisson_ratio;
    std::vector<double> p_ref(nv, 0.0);
    for (std::size_t j = 0; j < nv; ++j) {
      const double h = wall_thickness(spec, reference_radius[j]);
      const double beta = std::sqrt(std::numbers::pi) * spec.youngs_modulus * h / (1.0 - nu * nu);
      k[j] = beta / area[j];
      if (spec.reference == "diastolic")
        p_ref[j] = spec.reference_pressure;
      else if (spec.reference != "zero_pressure")
        throw std::invalid_argument(
            "elastic tube law: reference must be zero_pressure or diastolic");
    }
    return std::make_unique<ElasticSqrtLaw>(area, k, p_ref);
  }
  if (spec.type == "venous") {
    const double m = spec.m, n = spec.n;
    for (std::size_t j = 0; j < nv; ++j) {
      if (spec.stiffness > 0.0) {
        k[j] = spec.stiffness;
      } else if (spec.wave_speed > 0.0) {
        k[j] = density * spec.wave_speed * spec.wave_speed / (m - n);  // c0^2 = K (m-n)/rho
      } else if (spec.youngs_modulus > 0.0) {
        // K = E/(12(1-nu^2)) (h/R)^3: buckling stiffness of a thin tube (docs/physiology.md A1,
        // [READ-3P] Mueller-Toro code comment).
        const double h = wall_thickness(spec, reference_radius[j]);
        const double nu = spec.poisson_ratio;
        k[j] =
            spec.youngs_modulus / (12.0 * (1.0 - nu * nu)) * std::pow(h / reference_radius[j], 3.0);
      } else {
        throw std::invalid_argument(
            "venous tube law needs stiffness, wave_speed or youngs_modulus");
      }
    }
    return std::make_unique<VenousLaw>(area, k, m, n);
  }
  throw std::invalid_argument("unknown tube law type '" + spec.type + "'");
}

}  // namespace venoflow
