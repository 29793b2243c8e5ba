// venoflow: the one list of lumped element types. Each entry `X(type)` names a type whose
// header (included below) defines `const ElementTypeSpec& <type>_spec()` (plain data: the
// format layer reads it) and declares `make_<type>(const Element&, const ElementValues&)`
// (defined with the block, in the solver). docs/adding-an-element.md.
#pragma once

#include "numerics/elements/basic.hpp"
#include "numerics/elements/intracranial.hpp"
#include "numerics/elements/mynard_valve.hpp"
#include "numerics/elements/starling_resistor.hpp"
#include "numerics/elements/young_tsai_stenosis.hpp"

// clang-format off
#define VENOFLOW_ELEMENT_TYPES(X) \
  X(resistor)                     \
  X(inductor)                     \
  X(capacitor)                    \
  X(windkessel3)                  \
  X(mynard_valve)                 \
  X(starling_resistor)            \
  X(stenosis)                     \
  X(intracranial)
// clang-format on
