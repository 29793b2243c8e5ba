// venoflow: stenoses inside vessels and the metrics section of a model file
// (docs/model-format.md#stenoses, #metrics).
#include "format/builder.hpp"

namespace venoflow::detail {

void Builder::read_stenoses(const yaml::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "stenoses");
  std::set<std::string> names;
  for (const auto& [item, path] : items(root, s)) {
    check_keys(item, path, s.children);
    Stenosis st;
    st.where = loc(item, path);
    auto name = text(item, "name", path);
    if (name && !names.insert(*name).second)
      error(*child(item, "name"), join(path, "name"), "duplicate stenosis '" + *name + "'");
    if (name) st.name = *name;
    const Vessel* vessel = nullptr;
    if (auto v = text(item, "vessel", path)) {
      st.vessel = *v;
      vessel = m_.find_vessel(*v);
      if (!vessel) {
        std::vector<std::string> vn;
        for (const auto& x : m_.vessels) vn.push_back(x.name);
        std::string near = closest(*v, vn);
        error(*child(item, "vessel"), join(path, "vessel"),
              "no vessel '" + *v + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
    }
    // position: a percentage of the length or a distance from the inlet
    if (auto pn = child(item, "position")) {
      const std::string pp = join(path, "position");
      std::optional<double> pos;
      if (pn->IsScalar()) {
        try {
          const double frac = parse_quantity(pn->Scalar(), dim::none, "");
          if (frac < 0.0 || frac > 1.0)
            error(*pn, pp, "must be between 0 % and 100 % of the vessel length");
          else if (vessel)
            pos = frac * vessel->length;
        } catch (const std::invalid_argument&) {
          try {
            pos = parse_quantity(pn->Scalar(), dim::length, "");
            if (vessel && (*pos < 0.0 || *pos > vessel->length)) {
              error(
                  *pn, pp,
                  "is outside the vessel (length " + std::to_string(vessel->length * 1e3) + " mm)");
              pos.reset();
            }
          } catch (const std::invalid_argument&) {
            error(*pn, pp,
                  "expected a percentage of the vessel length ('50 %') or a distance from its "
                  "inlet ('3 cm'), got " +
                      kind_of(*pn));
          }
        }
      } else {
        error(*pn, pp, "expected '50 %' or '3 cm', got " + kind_of(*pn));
      }
      if (pos) st.position = *pos;
    }
    if (auto v = quantity(item, s, "length", path)) st.length = *v;
    auto ar = quantity(item, s, "area_reduction", path);
    auto dr = quantity(item, s, "diameter_reduction", path);
    if (ar && dr) {
      error(item, path, "give area_reduction or diameter_reduction, not both");
    } else if (!ar && !dr && !child(item, "area_reduction") && !child(item, "diameter_reduction")) {
      error(item, path, "missing the severity: give area_reduction ('75 %') or diameter_reduction");
    } else if (ar || dr) {
      // (Neither parsed but one present: its own diagnostic is already reported.)
      // A diameter reduction d leaves (1 - d)^2 of the area: 50 % diameter = 75 % area.
      const double a = ar ? *ar : 1.0 - (1.0 - *dr) * (1.0 - *dr);
      const std::string key = ar ? "area_reduction" : "diameter_reduction";
      if (!(a > 0.0 && a < 1.0))
        error(*child(item, key), join(path, key), "must be between 0 % and 100 % (exclusive)");
      st.area_reduction = a;
    }
    if (auto v = choice(item, s, "mode", path)) st.mode = *v;
    if (auto v = quantity(item, s, "K_t", path)) st.K_t = *v;
    if (auto v = quantity(item, s, "K_u", path)) st.K_u = *v;
    if (vessel && st.length > 0.0 && st.mode == "geometric" &&
        (st.position - 0.5 * st.length < 0.0 || st.position + 0.5 * st.length > vessel->length))
      error(item, path, "a geometric stenosis must lie inside its vessel");
    if (name) m_.stenoses.push_back(std::move(st));
  }
}

void Builder::read_metrics(const yaml::Node& root) {
  auto n = child(root, "metrics");
  if (!n || n->IsNull()) return;
  const KeySpec& s = *find_key(model_schema(), "metrics");
  if (!n->IsMap()) {
    error(*n, "metrics", "expected a map, got " + kind_of(*n));
    return;
  }
  check_keys(*n, "metrics", s.children);
  auto vessel_list = [&](const yaml::Node& list, const std::string& path) {
    std::vector<std::string> out;
    if (!list.IsSequence() || list.size() == 0) {
      error(list, path, "expected a non-empty list of vessel names, got " + kind_of(list));
      return out;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      auto v = text_node(list[i], path, "a vessel name");
      if (!v) continue;
      if (!m_.find_vessel(*v)) {
        std::vector<std::string> vn;
        for (const auto& x : m_.vessels) vn.push_back(x.name);
        std::string near = closest(*v, vn);
        error(list[i], path,
              "no vessel '" + *v + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
        continue;
      }
      out.push_back(*v);
    }
    return out;
  };
  const KeySpec& ps = *find_key(s, "pathways");
  std::set<std::string> names;
  for (const auto& [item, path] : items(*n, ps)) {
    check_keys(item, "metrics." + path, ps.children);
    MetricsSpec::Pathway p;
    auto name = text(item, "name", "metrics." + path);
    if (!name) continue;
    if (!names.insert(*name).second)
      error(*child(item, "name"), "metrics." + path + ".name", "duplicate pathway '" + *name + "'");
    p.name = *name;
    if (auto v = child(item, "vessels"))
      p.vessels = vessel_list(*v, "metrics." + path + ".vessels");
    m_.metrics.pathways.push_back(std::move(p));
  }
  if (auto cs = child(*n, "cross_sections"))
    m_.metrics.cross_sections = vessel_list(*cs, "metrics.cross_sections");
}

}  // namespace venoflow::detail
