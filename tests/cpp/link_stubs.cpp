// venoflow: TEMPORARY link stub for branch wip-hdf5. Default-constructing a Model calls
// TimeFunction::constant (Posture::tilt), which network/time_function.cpp defines on the
// loader branch. The definition here is weak, so the real one wins as soon as it is linked;
// delete this file once network/ is merged.
#include <cmath>
#include <stdexcept>

#include "venoflow/time_function.hpp"

namespace venoflow {

__attribute__((weak)) TimeFunction TimeFunction::constant(double value) {
  if (!std::isfinite(value)) throw std::invalid_argument("constant value is not finite");
  TimeFunction f;
  f.kind_ = Kind::Constant;
  f.value_ = value;
  return f;
}

}  // namespace venoflow
