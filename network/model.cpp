// venoflow: lookups on the model graph (include/venoflow/model.hpp).
#include "venoflow/model.hpp"

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

}  // namespace venoflow
