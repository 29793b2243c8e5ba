// venoflow: the vessel graph. What is connected to what, with which parameters, in SI units.
// This is pure data: the numerics live in numerics/, the file format in format/
// (docs/architecture.md). The meaning, unit and default of every field is documented in
// docs/model-format.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "venoflow/errors.hpp"
#include "venoflow/time_function.hpp"

namespace venoflow {

/// Blood as a Newtonian fluid.
struct Blood {
  double density = 1060.0;  ///< rho [kg/m^3]
  double viscosity = 4e-3;  ///< mu [Pa s]
  /// Velocity-profile parameter zeta of u(r) ~ 1 - (r/R)^zeta: friction 2(zeta+2) pi mu Q/A
  /// and momentum-flux coefficient alpha = (zeta+2)/(zeta+1) (Boileau et al. 2015, eq. 2-3).
  double profile_zeta = 9.0;
};

/// Wall laws p - p_ext = f(A) of a vessel, one parameter struct per law (docs/model-format.md
/// #tube-laws). Parameters are SI. Each law states its equations with sources in its header
/// (numerics/tube_laws/) and checks its parameters once, in check_tube_law (the loader reports
/// those problems at the vessel's tube_law keys, make_tube_law refuses them).

/// Boileau et al. 2015 sqrt law (numerics/tube_laws/elastic_sqrt.hpp), in two reference forms.
/// reference = "zero_pressure": p = beta/A0 (sqrt A - sqrt A0), the vessel radius is the
/// zero-transmural-pressure radius; reference = "diastolic": p = p_ref + beta/A_ref (sqrt A -
/// sqrt A_ref), the vessel radius is the radius at p_ref. beta = (4/3) sqrt(pi) E h.
struct ElasticTubeLaw {
  std::string reference = "zero_pressure";  ///< "zero_pressure" | "diastolic"
  double youngs_modulus = 0.0;              ///< E [Pa]
  double wall_thickness = 0.0;              ///< h [m] at the reference radius; 0 = use the rule
  std::string wall_thickness_rule;          ///< "" | "openbf_empirical" (h(R0), openBF)
  double reference_pressure = 0.0;          ///< p_ref [Pa] (diastolic form)
  double poisson_ratio = 0.5;
};

/// Collapsible-vein law p - p_ext = K[(A/A0)^m - (A/A0)^n] (Shapiro/Pedley; docs/physiology.md
/// A1; numerics/tube_laws/venous.hpp). K from exactly one of: stiffness, wave_speed (K = rho
/// c0^2/(m - n)), or youngs_modulus and wall_thickness (K = E/(12(1-nu^2)) (h/R)^3).
struct VenousTubeLaw {
  double stiffness = 0.0;       ///< K [Pa]; 0 = not given
  double wave_speed = 0.0;      ///< c0 [m/s]; 0 = not given
  double youngs_modulus = 0.0;  ///< E [Pa]; 0 = not given
  double wall_thickness = 0.0;  ///< h [m]; 0 = not given
  double m = 10.0, n = -1.5;    ///< exponents
  double poisson_ratio = 0.5;
};

/// The tube law of a vessel: one of the laws above (default: elastic).
using TubeLawSpec = std::variant<ElasticTubeLaw, VenousTubeLaw>;

/// "elastic" | "venous": the YAML `type:` of the law.
std::string tube_law_name(const TubeLawSpec& law);

struct Vessel {
  std::string name;
  std::string from_node, to_node;  ///< positive flow runs from `from_node` to `to_node`
  double length = 0.0;             ///< [m]
  double radius_in = 0.0;          ///< reference radius at x = 0 [m]
  double radius_out = 0.0;         ///< reference radius at x = L [m] (== radius_in if uniform)
  TubeLawSpec tube_law;
  std::string external_pressure;       ///< name of an external-pressure group ("" = 0 Pa)
  int cells = 1;                       ///< number of flow segments along the vessel (1 = lumped)
  std::optional<double> profile_zeta;  ///< overrides Blood::profile_zeta
  std::optional<double> initial_pressure;  ///< [Pa] overrides InitialConditions::pressure
  SourceLocation where;
};

struct Node {
  std::string name;
  /// Position along the body's long axis above the hydrostatic reference (right atrium),
  /// when upright [m]. Height at tilt theta = height * sin(theta) (+ anterior * cos(theta)).
  double height = 0.0;
  double anterior = 0.0;  ///< [m] above the reference when supine (dorsal-ventral axis)
  SourceLocation where;
};

struct BoundaryCondition {
  enum class Kind { Pressure, Flow };
  std::string node;
  Kind kind = Kind::Pressure;
  TimeFunction value;  ///< Pa, or m^3/s flowing INTO the network at that node
  SourceLocation where;
};

/// A lumped (0D) element between nodes. `type` selects the block class in numerics/elements/;
/// parameters are validated against that type's specification (numerics/elements/<type>.hpp).
struct Element {
  std::string name;
  std::string type;                ///< "resistor", "capacitor", "inductor", "windkessel3", ...
  std::vector<std::string> nodes;  ///< port nodes in the order the type defines
  std::map<std::string, double> params;            ///< SI values
  std::map<std::string, std::string> text_params;  ///< enumerations / names
  std::map<std::string, TimeFunction> functions;   ///< time-dependent parameters
  std::string external_pressure;                   ///< group name for elements that have one
  SourceLocation where;
};

/// A pressure surrounding a group of vessels (tissue, thorax, ICP...). A function of time.
struct ExternalPressureGroup {
  std::string name;
  TimeFunction pressure;  ///< [Pa]
  SourceLocation where;
};

struct Gravity {
  bool enabled = false;
  double g = 9.81;  ///< [m/s^2]
};

/// Body tilt: 0 = supine, pi/2 = upright (head up). May vary in time (tilt table).
struct Posture {
  TimeFunction tilt = TimeFunction::constant(0.0);  ///< [rad]
};

struct InitialConditions {
  double pressure = 0.0;  ///< uniform initial transmural... absolute pressure [Pa]; Q = 0
};

/// Run control and integrator settings.
struct SolverSettings {
  double period = 0.0;            ///< cardiac period [s]; 0 = infer from the boundary functions
  std::optional<int> cycles;      ///< run this many periods ...
  std::optional<double> t_end;    ///< ... or to this time [s]
  double output_interval = 1e-3;  ///< [s]
  double rtol = 1e-6;
  double atol_pressure = 1e-2;  ///< [Pa] scale for absolute tolerances
  /// [m^3/s]; unset: scaled with the model (System::flow_tolerance, docs/numerics.md)
  std::optional<double> atol_flow;
  double atol_area = 1e-10;  ///< [m^2]  (volume states use atol_area * length)
  double max_step = 0.0;     ///< [s]; 0 = period / 100 (or t_end / 100)
  /// Largest BDF order (1..5); unset: 2 when a vessel has several cells (its wave modes need
  /// A-stability), else 5 (effective_max_order, numerics/run_plan.hpp)
  std::optional<int> max_order;
  /// Time integration: "bdf" (CVODE's BDF, orders 1..max_order: numerics/cvode_integrator.hpp)
  /// or "sdirk" (ARKODE's L-stable 5-stage SDIRK of order 4: numerics/arkode_integrator.hpp,
  /// whose steps do not shrink with the fast, lightly damped modes of large lumped networks).
  std::string method = "bdf";
  /// [s] boundary values ramp from the initial state over this time with a smooth
  /// (1 - cos) profile, so that a run from rest does not start with a discontinuity whose
  /// grid-scale ringing would force tiny steps; 0 = off.
  double startup_time = 0.0;
  /// "rest": start from the initial conditions; "steady": first integrate the problem with every
  /// boundary function held at its mean (pseudo-time, large steps) to its steady state, and start
  /// the run from there (fewer cycles to the periodic state).
  std::string initial_state = "rest";
  /// "error": a sample outside the validity domain of a tube law or element stops the run
  /// with a SolverError (time, component, quantity, bound); "warn": the run goes on and the
  /// violations are stored with the results (RunOutcome::warnings).
  std::string on_domain_violation = "error";
  bool stop_at_steady_state = false;
  double steady_state_tolerance = 1e-3;  ///< relative cycle-to-cycle change
  int max_cycles = 100;                  ///< cap when stopping at steady state
  int keep_last_cycles = 0;              ///< 0 = keep everything written
  /// Layout of the results file (docs/results-format.md): "compact" (format 2, the default: one
  /// dataset per quantity over all vessels, nodes or element outputs, and one metrics table,
  /// about 25 HDF5 objects whatever the model) or "groups" (format 1: a group per vessel, node
  /// and element, a dataset per metric).
  std::string results_layout = "compact";
  /// Resource limits [bytes], checked against the estimate of a run before it starts
  /// (numerics/run_plan.cpp, docs/model-format.md#resource-limits).
  double max_memory = 8e9;
  double max_output_size = 4e9;
};

/// A focal narrowing inside a vessel (docs/model-format.md#stenoses).
///  - lumped (default): the Young & Tsai 1973 / Seeley & Young 1976 loss (viscous, separation
///    and inertia terms, docs/physiology.md A5) added to the momentum equation of the cell that
///    contains `position`; works from one cell (0D) to fine 1D.
///  - geometric: the reference area A0 is reduced over [position - length/2, position +
///    length/2] (the 1D equations then carry the convective and viscous effects) and only the
///    expansion (separation) loss K_t is added at the cell that contains the distal end, so the
///    viscous part is not counted twice. Needs cells shorter than the stenosis.
struct Stenosis {
  std::string name;
  std::string vessel;
  double position = 0.0;        ///< centre, distance from the vessel inlet [m] (resolved from %)
  double length = 0.0;          ///< [m]
  double area_reduction = 0.0;  ///< 1 - A_s/A0 in (0, 1)
  std::string mode = "lumped";  ///< "lumped" | "geometric"
  double K_t = 1.52;            ///< separation/expansion coefficient (Seeley & Young 1976)
  double K_u = 1.2;             ///< inertance coefficient (Young & Tsai 1973)
  SourceLocation where;
};

/// What the results should summarise besides the automatic metrics (docs/model-format.md#metrics).
struct MetricsSpec {
  struct Pathway {
    std::string name;
    std::vector<std::string> vessels;  ///< mean flow summed at their mid-points
  };
  std::vector<Pathway> pathways;
  std::vector<std::string> cross_sections;  ///< vessels whose mid-point mean area is reported
};

/// The virtual Doppler exam of the model (docs/virtual-doppler.md, docs/model-format.md#exam):
/// where the sonographer's sample volumes lie, the breathing of the two manoeuvres and the
/// criteria's thresholds. Present only when the file has an `exam:` section.
struct ExamSpec {
  bool present = false;
  /// Landmark (J1_R, J2_R, J3_R, J1_L, J2_L, J3_L, VV_R, VV_L, deep_cerebral) -> vessel. The
  /// vessel's from -> to direction is the drainage direction (towards the heart).
  std::map<std::string, std::string> landmarks;
  std::string breathing_pressure;  ///< external-pressure group driven by the breathing
  /// Pressure boundaries inside the thorax (atrium): their time mean plus the breathing swing.
  std::vector<std::string> thoracic_nodes;
  /// One breath: intrathoracic pressure from `expiration` down to `inspiration` over
  /// `inspiration_time`, back over the rest of `period` (monotone periodic table).
  struct Breathing {
    double expiration = 0.0, inspiration = 0.0;   ///< [Pa]
    double period = 0.0, inspiration_time = 0.0;  ///< [s]
    SourceLocation period_where;  ///< for the exam's check against the cardiac period
  };
  Breathing quiet, deep;
  int max_breaths = 8;              ///< cap on breaths run to the periodic state
  double c1_reflux = 0.88;          ///< [s]
  std::string c1_reading = "both";  ///< "both" | "either" posture
  double c2_reflux = 0.5;           ///< [s]
  double c3_area = 0.3e-4;          ///< [m^2]
  double c3_reduction = 0.5;        ///< fraction
  double c4_floor = 0.01;           ///< [m/s]
  std::string c4_reading = "both";
  double c5_delta_csa = 0.0;  ///< [m^2]
  int required = 2;           ///< criteria for the CCSVI verdict
  SourceLocation where;
};

struct Model {
  std::string name;
  std::string description;
  Blood blood;
  std::vector<Vessel> vessels;
  std::vector<Node> nodes;
  std::vector<BoundaryCondition> boundary_conditions;
  std::vector<Element> elements;
  std::vector<ExternalPressureGroup> external_pressures;
  std::vector<Stenosis> stenoses;
  MetricsSpec metrics;
  ExamSpec exam;
  Gravity gravity;
  Posture posture;
  InitialConditions initial;
  SolverSettings solver;

  std::string source_file;    ///< path of the file it was loaded from ("" if built in code)
  std::string resolved_yaml;  ///< the model after overrides, as YAML text (stored in results)

  const Vessel* find_vessel(const std::string& name) const;
  const Node* find_node(const std::string& name) const;
  const Element* find_element(const std::string& name) const;
  /// The common period [s] of the periodic boundary-condition functions (equal to 1e-12
  /// relative), 0 if there is none or they differ: the period of a model without
  /// solver.period (docs/model-format.md#solver).
  double common_period() const;
};

}  // namespace venoflow
