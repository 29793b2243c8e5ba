// venoflow: lookups on the model graph (include/venoflow/model.hpp).
#include "venoflow/model.hpp"

#include <algorithm>
#include <cmath>

namespace venoflow {

namespace {
template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name) {
  for (const auto& x : items)
    if (x.name == name) return &x;
  return nullptr;
}
}  // namespace

const Vessel* Model::find_vessel(const std::string& n) const { return find_named(vessels, n); }
const Node* Model::find_node(const std::string& n) const { return find_named(nodes, n); }
const Element* Model::find_element(const std::string& n) const { return find_named(elements, n); }

double Model::common_period() const {
  double period = 0.0;
  for (const auto& bc : boundary_conditions) {
    const double p = bc.value.is_constant() ? 0.0 : bc.value.period();
    if (!(p > 0.0)) continue;
    if (period == 0.0)
      period = p;
    else if (std::abs(p - period) > 1e-12 * std::max(1.0, period))
      return 0.0;  // no common period
  }
  return period;
}

}  // namespace venoflow
