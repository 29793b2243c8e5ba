// venoflow: the `exam:` section of a model file, the virtual Doppler exam's landmarks,
// breathing manoeuvres and criteria thresholds (docs/model-format.md#exam,
// docs/virtual-doppler.md).
#include "format/builder.hpp"

namespace venoflow::detail {

void Builder::read_exam(const yaml::Node& root) {
  const KeySpec& s = *find_key(model_schema(), "exam");
  auto n = section(root, s, "");
  if (!n) return;
  ExamSpec& ex = m_.exam;
  ex.present = true;
  ex.where = loc(*n, "exam");

  auto vessel_names = [&] {
    std::vector<std::string> vn;
    for (const auto& x : m_.vessels) vn.push_back(x.name);
    return vn;
  };
  if (auto lm = section(*n, *find_key(s, "landmarks"), "exam")) {
    const KeySpec& ls = *find_key(s, "landmarks");
    for (const auto& k : ls.children) {
      const std::string path = "exam.landmarks." + k.name;
      auto v = text(*lm, k.name, "exam.landmarks");
      if (!v) continue;
      const Vessel* vessel = m_.find_vessel(*v);
      if (!vessel) {
        const std::string near = closest(*v, vessel_names());
        error(*child(*lm, k.name), path,
              "no vessel '" + *v + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
        continue;
      }
      // The exam reads a landmark's from -> to flow as flow towards the heart (the Doppler
      // convention of analysis/doppler_criteria.hpp). For the neck veins that means `from`
      // lies higher (upright) than `to`; a vessel drawn the other way would turn drainage
      // into reflux, so it is refused here rather than read backwards.
      if (k.name != "deep_cerebral") {
        const Node* a = m_.find_node(vessel->from_node);
        const Node* b = m_.find_node(vessel->to_node);
        if (a && b && !(a->height > b->height))
          error(*child(*lm, k.name), path,
                "vessel '" + *v + "' runs from " + vessel->from_node + " (height " +
                    si_text(a->height) + " m) to " + vessel->to_node + " (height " +
                    si_text(b->height) +
                    " m): a landmark vessel must run towards the heart (from the higher node)");
      }
      ex.landmarks[k.name] = *v;
    }
    for (const char* need : {"J1_R", "J2_R", "J3_R", "J1_L", "J2_L", "J3_L"})
      if (!child(*lm, need))
        error(*lm, "exam.landmarks." + std::string(need),
              std::string("missing landmark '") + need +
                  "' (C3 and C5 read the three segments of both internal jugular veins)");
  }

  if (auto g = text(*n, "breathing_pressure", "exam")) {
    const bool found = std::any_of(m_.external_pressures.begin(), m_.external_pressures.end(),
                                   [&](const ExternalPressureGroup& e) { return e.name == *g; });
    if (!found) {
      std::vector<std::string> gn;
      for (const auto& e : m_.external_pressures) gn.push_back(e.name);
      const std::string near = closest(*g, gn);
      error(*child(*n, "breathing_pressure"), "exam.breathing_pressure",
            "no external pressure '" + *g + "'" +
                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    } else {
      ex.breathing_pressure = *g;
    }
  }

  if (auto tn = child(*n, "thoracic_nodes")) {
    const std::string path = "exam.thoracic_nodes";
    if (!tn->IsSequence()) {
      error(*tn, path, "expected a list of node names, got " + kind_of(*tn));
    } else {
      for (size_t i = 0; i < tn->size(); ++i) {
        auto name = text_node((*tn)[i], path, "a node name");
        if (!name) continue;
        const auto bc = std::find_if(m_.boundary_conditions.begin(), m_.boundary_conditions.end(),
                                     [&](const BoundaryCondition& b) { return b.node == *name; });
        if (bc == m_.boundary_conditions.end() || bc->kind != BoundaryCondition::Kind::Pressure) {
          error((*tn)[i], path, "'" + *name + "' is not a node with a pressure boundary condition");
          continue;
        }
        ex.thoracic_nodes.push_back(*name);
      }
    }
  }

  auto breath = [&](const std::string& name, ExamSpec::Breathing& b) {
    const KeySpec& bs = *find_key(s, name);
    // Defaults from the key table, then the file's values.
    for (const auto& k : bs.children) {
      const double d = parse_quantity(k.default_text, k.dim, k.bare_unit);
      if (k.name == "expiration") b.expiration = d;
      if (k.name == "inspiration") b.inspiration = d;
      if (k.name == "period") b.period = d;
      if (k.name == "inspiration_time") b.inspiration_time = d;
    }
    const std::string path = "exam." + name;
    auto m = section(*n, bs, "exam");
    if (m) {
      if (auto v = quantity(*m, bs, "expiration", path)) b.expiration = *v;
      if (auto v = quantity(*m, bs, "inspiration", path)) b.inspiration = *v;
      if (auto v = quantity(*m, bs, "period", path)) b.period = *v;
      if (auto v = quantity(*m, bs, "inspiration_time", path)) b.inspiration_time = *v;
    }
    const yaml::Node& where = m ? *m : *n;
    if (!(b.inspiration < b.expiration))
      error(where, path + ".inspiration",
            "must be below the end-expiratory pressure (inspiration lowers the intrathoracic "
            "pressure)");
    if (!(b.inspiration_time < b.period))
      error(where, path + ".inspiration_time", "must be shorter than the breath period");
    // Where the period is (or would be) given: the exam checks it against the cardiac
    // period when it runs (virtual_exam), since a run of the model alone may change that.
    b.period_where = loc(m && child(*m, "period") ? *child(*m, "period") : where, path + ".period");
  };
  breath("quiet_breathing", ex.quiet);
  breath("deep_inspiration", ex.deep);
  if (auto v = integer(*n, s, "max_breaths", "exam")) ex.max_breaths = static_cast<int>(*v);

  const KeySpec& cs = *find_key(s, "criteria");
  if (auto c = section(*n, cs, "exam")) {
    const std::string p = "exam.criteria";
    if (auto v = quantity(*c, cs, "c1_reflux", p)) ex.c1_reflux = *v;
    if (auto v = choice(*c, cs, "c1_reading", p)) ex.c1_reading = *v;
    if (auto v = quantity(*c, cs, "c2_reflux", p)) ex.c2_reflux = *v;
    if (auto v = quantity(*c, cs, "c3_area", p)) ex.c3_area = *v;
    if (auto v = quantity(*c, cs, "c3_reduction", p)) {
      if (*v > 1.0)
        error(*child(*c, "c3_reduction"), p + ".c3_reduction", "must be at most 100 %");
      else
        ex.c3_reduction = *v;
    }
    if (auto v = quantity(*c, cs, "c4_floor", p)) ex.c4_floor = *v;
    if (auto v = choice(*c, cs, "c4_reading", p)) ex.c4_reading = *v;
    if (auto v = quantity(*c, cs, "c5_delta_csa", p)) ex.c5_delta_csa = *v;
    if (auto v = integer(*c, cs, "required", p)) ex.required = static_cast<int>(*v);
  }
}

}  // namespace venoflow::detail
