#include "analysis/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <span>
#include <stdexcept>
#include <string>

#include "venoflow/element_types.hpp"

namespace venoflow {

namespace {
// Summaries an element type asks for in its specification (SummarySpec).
SummarySpec summaries_of(const std::string& type) {
  const ElementTypeSpec* spec = find_element_type(type);
  return spec ? spec->summaries : SummarySpec{};
}
}  // namespace

CycleMetrics::CycleMetrics(const OutputLayout& layout, const Model& model,
                           std::vector<BoundaryInflow> boundaries)
    : layout_(layout),
      model_(model),
      boundaries_(std::move(boundaries)),
      inflow_start_(boundaries_.size(), 0.0),
      inflow_last_start_(boundaries_.size(), 0.0) {
  std::size_t off = 0;
  for (const auto& v : layout.vessels) {
    mid_.push_back(off + v.x.size() / 2);
    off += v.x.size();
  }
  // What compute() reads: every output of an element it summarises, the port nodes of an
  // intracranial compartment and the boundary nodes.
  std::vector<bool> node_read(layout.nodes.size(), false);
  for (const auto& b : boundaries_) node_read.at(b.node_index) = true;
  std::size_t k = 0;
  for (const auto& e : layout.elements) {
    const SummarySpec own = summaries_of(e.type);
    const SummarySpec drop = summaries_of(e.type == "stenosis_in_vessel" ? "stenosis" : e.type);
    const bool summarised = own.cerebral || drop.mean_pressure_drop || drop.reflux_volume;
    summarised_.push_back(summarised);
    for (std::size_t q = 0; q < e.quantities.size(); ++q, ++k)
      if (summarised) element_reads_.push_back(k);
    if (!own.cerebral) continue;
    if (const Element* spec = model.find_element(e.name); spec && spec->nodes.size() >= 2)
      for (std::size_t port = 0; port < 2; ++port) {
        const auto it = std::find(layout.nodes.begin(), layout.nodes.end(), spec->nodes[port]);
        if (it != layout.nodes.end()) node_read[std::size_t(it - layout.nodes.begin())] = true;
      }
  }
  element_slot_.assign(k, kNotRecorded);
  for (std::size_t i = 0; i < element_reads_.size(); ++i) element_slot_[element_reads_[i]] = i;
  node_slot_.assign(layout.nodes.size(), kNotRecorded);
  for (std::size_t i = 0; i < node_read.size(); ++i)
    if (node_read[i]) {
      node_slot_[i] = node_reads_.size();
      node_reads_.push_back(i);
    }
}

std::size_t CycleMetrics::node_slot(std::ptrdiff_t node) const {
  const std::size_t slot = node_slot_.at(static_cast<std::size_t>(node));
  if (slot == kNotRecorded)
    throw std::logic_error("cycle metrics: node " + layout_.nodes.at(std::size_t(node)) +
                           " read but not recorded");
  return slot;
}

std::size_t CycleMetrics::element_slot(std::size_t value) const {
  const std::size_t slot = element_slot_.at(value);
  if (slot == kNotRecorded)
    throw std::logic_error("cycle metrics: element output " + std::to_string(value) +
                           " read but not recorded");
  return slot;
}

void CycleMetrics::record(const Sample& s) {
  // Rows of earlier cycles are reused (their vectors keep their storage): no allocation per
  // sample once two cycles have been recorded.
  if (n_current_ == current_.size()) current_.emplace_back();
  Row& r = current_[n_current_++];
  r.t = s.t;
  // Sized once per row (a reused row keeps its sizes), then gathered by index.
  auto gather = [](std::vector<double>& to, const std::vector<std::size_t>& at,
                   const std::vector<double>& from) {
    to.resize(at.size());
    double* out = to.data();
    const double* in = from.data();
    for (std::size_t k = 0; k < at.size(); ++k) out[k] = in[at[k]];
  };
  gather(r.q_mid, mid_, s.vessel_flow);
  gather(r.a_mid, mid_, s.vessel_area);
  gather(r.node_p, node_reads_, s.node_pressure);
  gather(r.element, element_reads_, s.element_values);
}

void CycleMetrics::end_cycle(double t, const double* y) {
  last_.swap(current_);
  n_last_ = n_current_;
  n_current_ = 0;
  inflow_last_start_.swap(inflow_start_);
  for (std::size_t i = 0; i < boundaries_.size(); ++i)
    inflow_start_[i] = y[boundaries_[i].cumulative_state];
  t_last_start_ = t_start_;
  t_start_ = t;
}

void CycleMetrics::compute(std::map<std::string, Metric>& out, double t, const double* y) const {
  const std::span<const Row> rows = n_last_ == 0 ? std::span<const Row>(current_.data(), n_current_)
                                                 : std::span<const Row>(last_.data(), n_last_);
  if (rows.empty()) return;
  boundary_means(out, rows, t, y);
  const double n = static_cast<double>(rows.size());
  // Samples are uniform in time within the cycle: duration = n dt.
  const double dt = rows.size() > 1 ? (rows.back().t - rows.front().t) / (n - 1) : 0.0;
  auto mean = [&](auto get) {
    double s = 0.0;
    for (const auto& r : rows) s += get(r);
    return s / n;
  };
  auto range = [&](auto get) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : rows) lo = std::min(lo, get(r)), hi = std::max(hi, get(r));
    return hi - lo;
  };
  auto node_index = [&](const std::string& name) -> std::ptrdiff_t {
    auto it = std::find(layout_.nodes.begin(), layout_.nodes.end(), name);
    return it == layout_.nodes.end() ? -1 : it - layout_.nodes.begin();
  };
  // Element output offsets, by name, of the elements whose outputs are read (the rest are
  // counted, not looked up: a map of every element costs more than all the metrics of a network
  // of thousands of elements).
  std::set<std::string> read_names;
  for (std::size_t i = 0; i < layout_.elements.size(); ++i)
    if (summarised_[i]) read_names.insert(layout_.elements[i].name);
  std::map<std::string, std::map<std::string, std::size_t>> eq;
  std::size_t off = 0;
  for (const auto& e : layout_.elements) {
    if (!read_names.count(e.name)) {
      off += e.quantities.size();
      continue;
    }
    for (const auto& q : e.quantities) eq[e.name][q.name] = off++;
  }

  // Intracranial compartment(s).
  double cbf = 0.0;
  int n_ic = 0;
  const auto summaries = summaries_of;
  for (const auto& e : layout_.elements) n_ic += summaries(e.type).cerebral;
  for (const auto& e : layout_.elements) {
    if (!summaries(e.type).cerebral) continue;
    const auto& q = eq[e.name];
    const std::string pre = n_ic > 1 ? e.name + "_" : "";
    auto m_of = [&](const std::string& qty) {
      const std::size_t k = element_slot(q.at(qty));
      return mean([k](const Row& r) { return r.element[k]; });
    };
    const double c = m_of("cbf"), icp = m_of("icp");
    if (pre.empty()) cbf = c;
    const std::size_t kicp = element_slot(q.at("icp"));
    const double cbv = m_of("cerebral_blood_volume");
    out[pre + "cbf"] = {c, "m^3/s", "cerebral blood flow (mean over the last cycle)"};
    out[pre + "icp_mean"] = {icp, "Pa", "intracranial pressure, mean"};
    out[pre + "icp_pulse"] = {range([kicp](const Row& r) { return r.element[kicp]; }), "Pa",
                              "intracranial pressure pulse amplitude (max - min)"};
    out[pre + "cerebral_venous_pressure"] = {m_of("cerebral_venous_pressure"), "Pa",
                                             "cerebral (bridging) venous pressure, mean"};
    out[pre + "capillary_pressure"] = {m_of("capillary_pressure"), "Pa",
                                       "cerebral capillary pressure, mean"};
    out[pre + "cerebral_blood_volume"] = {
        cbv, "m^3", "cerebral blood volume of the compartment model, mean (see the element doc)"};
    out[pre + "mean_transit_time"] = {c > 0 ? cbv / c : 0.0, "s",
                                      "cerebral_blood_volume / cbf (central volume principle)"};
    out[pre + "csf_formation"] = {m_of("csf_formation"), "m^3/s", "CSF formation, mean"};
    out[pre + "csf_absorption"] = {m_of("csf_absorption"), "m^3/s", "CSF absorption, mean"};
    if (const Element* spec = model_.find_element(e.name); spec && spec->nodes.size() >= 2) {
      const auto ia = node_index(spec->nodes[0]), is = node_index(spec->nodes[1]);
      if (ia >= 0) {
        const std::size_t sa = node_slot(ia);
        const double pa = mean([sa](const Row& r) { return r.node_p[sa]; });
        out[pre + "mean_arterial_pressure"] = {pa, "Pa", "mean pressure at the arterial port"};
        // The element's own CPP puts arterial pressure and ICP at one level (the ICP reference
        // level); the arterial port's pressure is at the port's height, which upright is not
        // the head's.
        const auto kc = q.find("cpp");
        out[pre + "cpp"] = {kc != q.end() ? m_of("cpp") : pa - icp, "Pa",
                            "cerebral perfusion pressure: arterial pressure minus ICP, both at "
                            "the ICP reference level, mean"};
      }
      if (is >= 0)
        out[pre + "sinus_pressure"] = {
            mean([s = node_slot(is)](const Row& r) { return r.node_p[s]; }), "Pa",
            "dural sinus pressure at the sinus port, mean"};
    }
  }

  auto vessel_index = [&](const std::string& name) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < layout_.vessels.size(); ++i)
      if (layout_.vessels[i].name == name) return static_cast<std::ptrdiff_t>(i);
    return -1;
  };
  for (const auto& p : model_.metrics.pathways) {
    double q = 0.0;
    for (const auto& v : p.vessels)
      if (auto i = vessel_index(v); i >= 0) q += mean([i](const Row& r) { return r.q_mid[i]; });
    out["outflow_" + p.name] = {q, "m^3/s",
                                "mean flow over the last cycle, summed at the mid-points of " +
                                    std::to_string(p.vessels.size()) + " vessel(s)"};
    if (cbf > 0.0)
      out["outflow_fraction_" + p.name] = {q / cbf, "1", "outflow_" + p.name + " / cbf"};
  }
  for (const auto& v : model_.metrics.cross_sections)
    if (auto i = vessel_index(v); i >= 0)
      out["csa_" + v] = {mean([i](const Row& r) { return r.a_mid[i]; }), "m^2",
                         "mean cross-sectional area at the mid-point of " + v};
  for (std::size_t i = 0; i < layout_.vessels.size(); ++i) {
    const std::string& v = layout_.vessels[i].name;
    double frac = 0.0, vol = 0.0;
    for (const auto& r : rows)
      if (r.q_mid[i] < 0.0) frac += 1.0, vol -= r.q_mid[i] * dt;
    out["mean_flow_" + v] = {mean([i](const Row& r) { return r.q_mid[i]; }), "m^3/s",
                             "mean flow over the last cycle at the mid-point"};
    out["reflux_fraction_" + v] = {frac / n, "1",
                                   "fraction of the cycle with retrograde flow at the mid-point"};
    out["reflux_volume_" + v] = {vol, "m^3", "retrograde volume per cycle at the mid-point"};
  }
  for (std::size_t i = 0; i < layout_.elements.size(); ++i) {
    if (!summarised_[i]) continue;  // neither a pressure drop nor a reflux volume
    const auto& e = layout_.elements[i];
    const auto& q = eq[e.name];
    // the in-vessel stenosis is no element type but reports as the stenosis element does
    const SummarySpec sum = summaries(e.type == "stenosis_in_vessel" ? "stenosis" : e.type);
    if (q.count("pressure_drop") && sum.mean_pressure_drop) {
      const std::size_t k = element_slot(q.at("pressure_drop"));
      out["pressure_drop_" + e.name] = {mean([k](const Row& r) { return r.element[k]; }), "Pa",
                                        "mean static pressure drop across " + e.name};
    }
    if (sum.reflux_volume && q.count("flow")) {
      const std::size_t k = element_slot(q.at("flow"));
      double vol = 0.0;
      for (const auto& r : rows)
        if (r.element[k] < 0.0) vol -= r.element[k] * dt;
      out["reflux_volume_" + e.name] = {vol, "m^3",
                                        "retrograde volume per cycle through the valve"};
    }
  }
}

void CycleMetrics::boundary_means(std::map<std::string, Metric>& out, std::span<const Row> rows,
                                  double t, const double* y) const {
  // Mean inflow from the cumulative inflow states: the volume that entered over the last
  // complete cycle (or since the start) over its duration.
  const bool have_cycle = n_last_ > 0;
  for (std::size_t i = 0; i < boundaries_.size(); ++i) {
    const BoundaryInflow& b = boundaries_[i];
    const double q_mean =
        have_cycle ? (inflow_start_[i] - inflow_last_start_[i]) / (t_start_ - t_last_start_)
                   : (t > 0 ? y[b.cumulative_state] / t : 0.0);
    double p_sum = 0.0;
    const std::size_t slot = node_slot(static_cast<std::ptrdiff_t>(b.node_index));
    for (const Row& r : rows) p_sum += r.node_p[slot];
    out["boundary_" + b.node + "_mean_flow"] = {
        q_mean, "m^3/s", "mean inflow at boundary node " + b.node + " over the last cycle"};
    out["boundary_" + b.node + "_mean_pressure"] = {
        p_sum / double(rows.size()), "Pa",
        "mean pressure at boundary node " + b.node + " over the last cycle"};
  }
}

}  // namespace venoflow
