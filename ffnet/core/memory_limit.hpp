#pragma once
// How much memory an input may make us allocate. Sizes are computed and checked before the
// allocation, so an input too big for the machine is an ffnet::Error(input) that names the
// size, not a crash or a visit from the out-of-memory killer.
#include <cstddef>
#include <string>

namespace ffnet {

// Physical memory of this machine, or 0 if the system does not say.
std::size_t physical_memory_bytes();

// The default limit of a Workspace (activations and scratch of one forward): 3/4 of physical
// memory, or 64 GiB if that is unknown.
std::size_t default_memory_limit();

// Throws ffnet::Error(input) "<what> needs N MiB, more than <limit_name> (M MiB)" if bytes > limit.
void check_memory_limit(std::size_t bytes, std::size_t limit, const std::string& what, const char* limit_name);

}  // namespace ffnet
