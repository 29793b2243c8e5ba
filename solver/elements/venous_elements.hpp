// venoflow: factories of the venous lumped elements (one file each): Mynard valve, Starling
// resistor, Young-Tsai stenosis. make_element() in basic.cpp dispatches to them.
#pragma once

#include <memory>

#include "solver/elements/element.hpp"

namespace venoflow {

std::unique_ptr<ElementBlock> make_mynard_valve(const Element& spec);       // mynard_valve.cpp
std::unique_ptr<ElementBlock> make_starling_resistor(const Element& spec);  // starling_resistor.cpp
std::unique_ptr<ElementBlock> make_young_tsai_stenosis(
    const Element& spec);  // young_tsai_stenosis.cpp

}  // namespace venoflow
