// venoflow: the intracranial compartment element (type `intracranial`), see intracranial.cpp.
#pragma once

#include <memory>

#include "solver/elements/element.hpp"

namespace venoflow {

/// Ursino-Lodi intracranial compartment between an arterial node and a dural sinus node.
std::unique_ptr<ElementBlock> make_intracranial_element(const Element& spec);

}  // namespace venoflow
