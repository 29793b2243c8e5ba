// venoflow: tube laws, the wall's pressure-area relation, as plug-ins behind one narrow
// interface (after Nektar++ PulseWaveSolver): pressure(A), dp/dA, wave speed, inverse.
// One object per vessel holds the law's parameters at every vertex of the vessel's grid
// (vertex j at x = j L / N), so tapered vessels need no special case.
#pragma once

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace venoflow {

struct ElasticTubeLaw;  // the laws' parameters, venoflow/model.hpp
struct VenousTubeLaw;
using TubeLawSpec = std::variant<ElasticTubeLaw, VenousTubeLaw>;

/// Where a tube law holds (docs/cerebral-model.md#validity-domain): the lumen area relative to
/// the law's reference area, A / TubeLaw::domain_reference_area(j), in [lower, upper].
struct AreaDomain {
  double lower = 0.0;
  double upper = std::numeric_limits<double>::infinity();
  std::string quantity;  ///< how the ratio is named in diagnostics, e.g. "A/A0"
  std::string source;    ///< why the law stops holding outside, and the reference
};

class TubeLaw {
 public:
  virtual ~TubeLaw() = default;
  /// Transmural pressure p - p_ext [Pa] at vertex j for lumen area A [m^2] (A > 0).
  virtual double pressure(int j, double area) const = 0;
  /// Transmural pressure and its derivative dp/dA together (shared work for laws with powers).
  virtual double pressure(int j, double area, double& dp_da) const {
    dp_da = dpressure_darea(j, area);
    return pressure(j, area);
  }
  /// d(p - p_ext)/dA [Pa/m^2] at vertex j.
  virtual double dpressure_darea(int j, double area) const = 0;
  /// Inverse: the area at vertex j for transmural pressure p [Pa]. Returns NaN when no
  /// positive area has that pressure (an elastic tube cannot collapse).
  virtual double area(int j, double transmural_pressure) const = 0;
  /// The same, starting an iterative inverse from `hint` (e.g. the area at the previous
  /// evaluation); laws with a closed-form inverse ignore it.
  virtual double area(int j, double transmural_pressure, double hint) const {
    (void)hint;
    return area(j, transmural_pressure);
  }
  /// Inverse from `hint` that also returns dp/dA at the result (one evaluation for both, as a
  /// node's volume-pressure solve needs them together).
  virtual double area(int j, double transmural_pressure, double hint, double& dp_da) const {
    const double a = area(j, transmural_pressure, hint);
    dp_da = a > 0.0 ? dpressure_darea(j, a) : 0.0;
    return a;
  }
  /// Area at zero transmural pressure [m^2] (for scales and initial guesses).
  virtual double area_at_zero_pressure(int j) const = 0;
  /// Wave speed c = sqrt(A/rho dp/dA) [m/s].
  double wave_speed(int j, double area, double density) const {
    return std::sqrt(area / density * dpressure_darea(j, area));
  }
  virtual std::string name() const = 0;
  /// The validity domain of the law (checked on output samples, not per right-hand side).
  virtual AreaDomain area_domain() const {
    return {0.0, std::numeric_limits<double>::infinity(), "A/A0", "a lumen has a positive area"};
  }
  /// The area that area_domain() is relative to, at vertex j [m^2].
  virtual double domain_reference_area(int j) const { return area_at_zero_pressure(j); }
};

/// A problem of a tube law's parameters: the key under `tube_law` ("" = the law as a whole) and
/// what the law expects.
struct TubeLawProblem {
  std::string key;
  std::string message;
};

/// Every problem of the parameters of `law`, the one statement of what each law needs (the
/// loader reports them at their keys, make_tube_law refuses the first). Zero means "not given"
/// for the optional parameters of ElasticTubeLaw and VenousTubeLaw.
std::vector<TubeLawProblem> check_tube_law(const TubeLawSpec& law);

/// Build the law of a vessel from its spec and the reference radius at each vertex [m].
/// `density` is needed when a venous law is specified by its wave speed.
/// Throws std::invalid_argument with a readable message on inconsistent parameters (the first
/// of check_tube_law, or a derived stiffness or area outside double precision).
std::unique_ptr<TubeLaw> make_tube_law(const TubeLawSpec& spec,
                                       const std::vector<double>& reference_radius, double density);

/// openBF's empirical wall thickness h(R0) = R0 (0.2802 exp(-505.3 R0) + 0.1324 exp(-11.14 R0)),
/// R0 in metres (openBF, after Avolio 1980 fit as used in Blanco et al. / Boileau et al. 2015).
double openbf_wall_thickness(double radius);

}  // namespace venoflow
