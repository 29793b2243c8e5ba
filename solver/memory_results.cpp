// venoflow: MemoryResults, the in-memory result sink (tests, Python).
#include <stdexcept>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

void MemoryResults::begin(const OutputLayout& layout_in, const Model& model) {
  layout = layout_in;
  samples.clear();
  stats = RunStatistics{};
  outcome = RunOutcome{};
  metrics.clear();
  model_yaml = model.resolved_yaml;
}

void MemoryResults::write(const Sample& sample) { samples.push_back(sample); }

SinkFootprint MemoryResults::footprint(const OutputLayout& l) const {
  std::size_t values = 0;
  for (const auto& v : l.vessels) values += 3 * v.x.size();
  values += l.nodes.size();
  for (const auto& e : l.elements) values += e.quantities.size();
  // A Sample and its five arrays (each with about 16 bytes of allocator overhead), twice the
  // Sample itself for the vector's growth.
  SinkFootprint f;
  f.bytes_per_sample = 8.0 * double(values) + 2.0 * sizeof(Sample) + 5 * 16.0;
  return f;
}

void MemoryResults::finish(const RunStatistics& stats_in, const RunOutcome& outcome_in,
                           const std::map<std::string, Metric>& metrics_in) {
  stats = stats_in;
  outcome = outcome_in;
  metrics = metrics_in;
}

std::size_t MemoryResults::vessel_index(const std::string& name) const {
  for (std::size_t i = 0; i < layout.vessels.size(); ++i) {
    if (layout.vessels[i].name == name) return i;
  }
  throw std::out_of_range("no vessel '" + name + "' in the results");
}

std::size_t MemoryResults::vessel_offset(std::size_t vessel) const {
  if (vessel >= layout.vessels.size()) {
    throw std::out_of_range("vessel index " + std::to_string(vessel) + " out of range (" +
                            std::to_string(layout.vessels.size()) + " vessels)");
  }
  std::size_t offset = 0;
  for (std::size_t i = 0; i < vessel; ++i) offset += layout.vessels[i].x.size();
  return offset;
}

std::size_t MemoryResults::node_index(const std::string& name) const {
  for (std::size_t i = 0; i < layout.nodes.size(); ++i) {
    if (layout.nodes[i] == name) return i;
  }
  throw std::out_of_range("no node '" + name + "' in the results");
}

std::size_t MemoryResults::element_value_index(const std::string& element,
                                               const std::string& qty) const {
  std::size_t offset = 0;
  for (const auto& e : layout.elements) {
    if (e.name == element) {
      for (std::size_t q = 0; q < e.quantities.size(); ++q) {
        if (e.quantities[q].name == qty) return offset + q;
      }
      throw std::out_of_range("element '" + element + "' has no quantity '" + qty + "'");
    }
    offset += e.quantities.size();
  }
  throw std::out_of_range("no element '" + element + "' in the results");
}

}  // namespace venoflow
