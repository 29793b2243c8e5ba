#include "numerics/tube_laws/elastic_sqrt.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace venoflow {

ElasticSqrtLaw::ElasticSqrtLaw(std::vector<double> a_ref, std::vector<double> k,
                               std::vector<double> p_ref)
    : k_(std::move(k)), p_ref_(std::move(p_ref)) {
  if (a_ref.size() != k_.size() || a_ref.size() != p_ref_.size())
    throw std::invalid_argument("elastic tube law: parameter arrays differ in length");
  sqrt_a_ref_.reserve(a_ref.size());
  for (std::size_t j = 0; j < a_ref.size(); ++j) {
    if (!(a_ref[j] > 0.0) || !(k_[j] > 0.0) || !std::isfinite(a_ref[j]) || !std::isfinite(k_[j]))
      throw std::invalid_argument(
          "elastic tube law: reference area and stiffness must be > 0 and finite");
    sqrt_a_ref_.push_back(std::sqrt(a_ref[j]));
  }
}

double ElasticSqrtLaw::pressure(int j, double area) const {
  return p_ref_[j] + k_[j] * (std::sqrt(area) - sqrt_a_ref_[j]);
}

double ElasticSqrtLaw::dpressure_darea(int j, double area) const {
  return 0.5 * k_[j] / std::sqrt(area);
}

double ElasticSqrtLaw::area(int j, double transmural_pressure) const {
  const double s = sqrt_a_ref_[j] + (transmural_pressure - p_ref_[j]) / k_[j];
  if (!(s > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return s * s;
}

double ElasticSqrtLaw::area_at_zero_pressure(int j) const {
  const double s = sqrt_a_ref_[j] - p_ref_[j] / k_[j];
  return s > 0.0 ? s * s : sqrt_a_ref_[j] * sqrt_a_ref_[j];
}

}  // namespace venoflow
