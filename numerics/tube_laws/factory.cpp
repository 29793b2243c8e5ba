// Builds a vessel's TubeLaw from its parameters (docs/model-format.md#tube_law), after checking
// them: check_tube_law is the one statement of what each law needs.
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>

#include "numerics/tube_laws/elastic_sqrt.hpp"
#include "numerics/tube_laws/venous.hpp"
#include "venoflow/model.hpp"

namespace venoflow {

double openbf_wall_thickness(double radius) {
  // openBF (INSIGNEO/openBF, src/initialise.jl): h0 = R0 (a e^{b R0} + c e^{d R0})
  return radius * (0.2802 * std::exp(-505.3 * radius) + 0.1324 * std::exp(-11.14 * radius));
}

std::string tube_law_name(const TubeLawSpec& law) {
  return std::holds_alternative<ElasticTubeLaw>(law) ? "elastic" : "venous";
}

namespace {

std::string number_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

void check_poisson(double nu, std::vector<TubeLawProblem>& out) {
  // thin-wall elasticity: 0 <= nu <= 1/2 (1/2 incompressible)
  if (!(nu >= 0.0)) out.push_back({"poisson_ratio", "must be >= 0, got " + number_text(nu)});
  if (nu > 0.5) out.push_back({"poisson_ratio", "must be <= 0.5, got " + number_text(nu)});
}

std::vector<TubeLawProblem> check(const ElasticTubeLaw& s) {
  std::vector<TubeLawProblem> out;
  if (!(s.youngs_modulus > 0.0))
    out.push_back({"youngs_modulus",
                   "an elastic tube law needs youngs_modulus (E) > 0 and wall_thickness or "
                   "wall_thickness_rule"});
  if (!(s.wall_thickness > 0.0) && s.wall_thickness_rule.empty())
    out.push_back(
        {"wall_thickness", "an elastic tube law needs wall_thickness (h) or wall_thickness_rule"});
  if (s.wall_thickness > 0.0 && !s.wall_thickness_rule.empty())
    out.push_back({"wall_thickness_rule", "give wall_thickness or wall_thickness_rule, not both"});
  if (!s.wall_thickness_rule.empty() && s.wall_thickness_rule != "openbf_empirical")
    out.push_back(
        {"wall_thickness_rule", "must be openbf_empirical, got '" + s.wall_thickness_rule + "'"});
  if (s.reference != "zero_pressure" && s.reference != "diastolic")
    out.push_back({"reference", "must be zero_pressure or diastolic, got '" + s.reference + "'"});
  check_poisson(s.poisson_ratio, out);
  return out;
}

std::vector<TubeLawProblem> check(const VenousTubeLaw& s) {
  std::vector<TubeLawProblem> out;
  const bool has_E = s.youngs_modulus > 0.0, has_h = s.wall_thickness > 0.0;
  const int ways = (s.stiffness > 0.0) + (s.wave_speed > 0.0) + (has_E || has_h);
  if (ways != 1)
    out.push_back({"",
                   "a venous tube law needs exactly one of stiffness, wave_speed, or "
                   "(youngs_modulus and wall_thickness); got " +
                       std::string(ways == 0 ? "none" : "more than one")});
  else if ((has_E || has_h) && !(has_E && has_h))
    out.push_back({has_E ? "wall_thickness" : "youngs_modulus",
                   "a venous tube law given by E needs both youngs_modulus and wall_thickness"});
  // Shapiro's law is increasing and onto for m > 0 > n (venous.hpp)
  if (s.m == s.n) {
    out.push_back({"m", "venous exponents m and n must differ"});
  } else {
    if (!(s.m > 0.0)) out.push_back({"m", "must be > 0, got " + number_text(s.m)});
    if (!(s.n < 0.0)) out.push_back({"n", "must be < 0, got " + number_text(s.n)});
  }
  check_poisson(s.poisson_ratio, out);
  return out;
}

// Both laws are thin-wall laws (membrane stress, h << r: Boileau et al. 2015 eq. 4; the
// buckling stiffness of docs/physiology.md A1): a wall as thick as the lumen radius is outside
// any reading of them, so it is refused rather than turned into a stiffness.
void check_thin_wall(double h, double r) {
  if (!(h < r))
    throw std::invalid_argument("wall_thickness " + number_text(h) +
                                " m is not smaller than the vessel radius " + number_text(r) +
                                " m: the thin-wall law (h << r) does not hold");
}

double wall_thickness(const ElasticTubeLaw& s, double radius) {
  return s.wall_thickness > 0.0 ? s.wall_thickness : openbf_wall_thickness(radius);
}

std::unique_ptr<TubeLaw> make(const ElasticTubeLaw& spec, const std::vector<double>& radius,
                              const std::vector<double>& area) {
  // beta = (4/3) sqrt(pi) E h  (Boileau et al. 2015, eq. 4, nu = 1/2). For nu != 1/2 the
  // thin-wall form is beta = sqrt(pi) E h / (1 - nu^2); 4/3 = 1/(1 - 1/4).
  const std::size_t nv = radius.size();
  const double nu = spec.poisson_ratio;
  std::vector<double> k(nv), p_ref(nv, 0.0);
  for (std::size_t j = 0; j < nv; ++j) {
    const double h = wall_thickness(spec, radius[j]);
    check_thin_wall(h, radius[j]);
    const double beta = std::sqrt(std::numbers::pi) * spec.youngs_modulus * h / (1.0 - nu * nu);
    k[j] = beta / area[j];
    if (spec.reference == "diastolic") p_ref[j] = spec.reference_pressure;
  }
  return std::make_unique<ElasticSqrtLaw>(area, k, p_ref);
}

std::unique_ptr<TubeLaw> make(const VenousTubeLaw& spec, const std::vector<double>& radius,
                              const std::vector<double>& area, double density) {
  const std::size_t nv = radius.size();
  const double m = spec.m, n = spec.n, nu = spec.poisson_ratio;
  std::vector<double> k(nv);
  for (std::size_t j = 0; j < nv; ++j) {
    if (spec.stiffness > 0.0)
      k[j] = spec.stiffness;
    else if (spec.wave_speed > 0.0)
      k[j] = density * spec.wave_speed * spec.wave_speed / (m - n);  // c0^2 = K (m-n)/rho
    else {  // K = E/(12(1-nu^2)) (h/R)^3: buckling stiffness of a thin tube
            // (docs/physiology.md A1, [READ-3P] Mueller-Toro code comment).
      check_thin_wall(spec.wall_thickness, radius[j]);
      k[j] = spec.youngs_modulus / (12.0 * (1.0 - nu * nu)) *
             std::pow(spec.wall_thickness / radius[j], 3.0);
    }
  }
  return std::make_unique<VenousLaw>(area, k, m, n);
}

}  // namespace

std::vector<TubeLawProblem> check_tube_law(const TubeLawSpec& law) {
  return std::visit([](const auto& s) { return check(s); }, law);
}

std::unique_ptr<TubeLaw> make_tube_law(const TubeLawSpec& spec,
                                       const std::vector<double>& reference_radius,
                                       double density) {
  if (auto problems = check_tube_law(spec); !problems.empty()) {
    const auto& p = problems.front();
    throw std::invalid_argument(tube_law_name(spec) +
                                " tube law: " + (p.key.empty() ? "" : p.key + ": ") + p.message);
  }
  const std::size_t nv = reference_radius.size();
  std::vector<double> area(nv);
  for (std::size_t j = 0; j < nv; ++j) {
    if (!(reference_radius[j] > 0.0))
      throw std::invalid_argument("tube law: reference radius must be > 0");
    area[j] = std::numbers::pi * reference_radius[j] * reference_radius[j];
  }
  if (const auto* e = std::get_if<ElasticTubeLaw>(&spec)) return make(*e, reference_radius, area);
  return make(std::get<VenousTubeLaw>(spec), reference_radius, area, density);
}

}  // namespace venoflow
