// venoflow: MemoryResults, the in-memory result sink (tests, Python).
#include <stdexcept>

#include "venoflow/model.hpp"
#include "venoflow/results.hpp"

namespace venoflow {

void ResultColumns::reset(const OutputLayout& layout, std::size_t samples) {
  time.clear();
  time.reserve(samples);
  vessels.assign(layout.vessels.size(), {});
  for (std::size_t v = 0; v < layout.vessels.size(); ++v)
    for (auto* a : {&vessels[v].pressure, &vessels[v].flow, &vessels[v].area})
      a->reserve(samples * layout.vessels[v].x.size());
  node_pressure.assign(layout.nodes.size(), {});
  std::size_t nq = 0;
  for (const auto& e : layout.elements) nq += e.quantities.size();
  element_values.assign(nq, {});
  for (auto* group : {&node_pressure, &element_values})
    for (auto& a : *group) a.reserve(samples);
}

void ResultColumns::append(const OutputLayout& layout, const Sample& s) {
  time.push_back(s.t);
  // Element by element: a lumped vessel has two points, and vector::insert's general range
  // path cost more than the copy (5 % of a default cerebral run in memory).
  auto add = [](std::vector<double>& column, const std::vector<double>& from, std::size_t off,
                std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) column.push_back(from[off + i]);
  };
  std::size_t off = 0;
  for (std::size_t v = 0; v < vessels.size(); ++v) {
    const std::size_t nx = layout.vessels[v].x.size();
    auto& c = vessels[v];
    add(c.pressure, s.vessel_pressure, off, nx);
    add(c.flow, s.vessel_flow, off, nx);
    add(c.area, s.vessel_area, off, nx);
    off += nx;
  }
  for (std::size_t i = 0; i < node_pressure.size(); ++i)
    node_pressure[i].push_back(s.node_pressure[i]);
  for (std::size_t i = 0; i < element_values.size(); ++i)
    element_values[i].push_back(s.element_values[i]);
}

Sample ResultColumns::row(const OutputLayout& layout, std::size_t k) const {
  if (k >= size()) {
    throw std::out_of_range("sample " + std::to_string(k) + " out of range (" +
                            std::to_string(size()) + " samples)");
  }
  Sample s;
  s.t = time[k];
  for (std::size_t v = 0; v < vessels.size(); ++v) {
    const std::size_t nx = layout.vessels[v].x.size();
    const auto& c = vessels[v];
    s.vessel_pressure.insert(s.vessel_pressure.end(), c.pressure.begin() + k * nx,
                             c.pressure.begin() + (k + 1) * nx);
    s.vessel_flow.insert(s.vessel_flow.end(), c.flow.begin() + k * nx,
                         c.flow.begin() + (k + 1) * nx);
    s.vessel_area.insert(s.vessel_area.end(), c.area.begin() + k * nx,
                         c.area.begin() + (k + 1) * nx);
  }
  for (const auto& n : node_pressure) s.node_pressure.push_back(n[k]);
  for (const auto& e : element_values) s.element_values.push_back(e[k]);
  return s;
}

ColumnSpans spans_of(const ResultColumns& c) {
  ColumnSpans s;
  s.time = c.time.data();
  for (const auto& v : c.vessels)
    s.vessels.push_back({v.pressure.data(), v.flow.data(), v.area.data()});
  for (const auto& n : c.node_pressure) s.node_pressure.push_back(n.data());
  for (const auto& e : c.element_values) s.element_values.push_back(e.data());
  return s;
}

void MemoryResults::begin(const OutputLayout& layout_in, const Model& model) {
  layout = layout_in;
  columns.reset(layout, expected_samples);
  stats = RunStatistics{};
  outcome = RunOutcome{};
  metrics.clear();
  model_name = model.name;
  model_yaml = model.resolved_yaml;
}

void MemoryResults::write(const Sample& sample) { columns.append(layout, sample); }

SinkFootprint MemoryResults::footprint(const OutputLayout& l) const {
  // The time and every value, 8 bytes each per sample; twice that while the columns grow by
  // doubling when the number of samples was not given beforehand (expected_samples).
  std::size_t values = 1 + l.nodes.size();
  for (const auto& v : l.vessels) values += 3 * v.x.size();
  for (const auto& e : l.elements) values += e.quantities.size();
  SinkFootprint f;
  f.bytes_per_sample = 8.0 * double(values) * (expected_samples > 0 ? 1.0 : 2.0);
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
