#pragma once
// Instruction-set families of the hand-written kernels, and run-time detection.
#include <string_view>
#include <vector>

namespace ffnet::ops {

enum class Isa { scalar, avx2_fma, avx512 };

// The best family this CPU and OS support (CPUID + XGETBV), overridable for testing with the
// environment variable FFNET_ISA=scalar|avx2_fma|avx512 (refused if unsupported).
Isa best_isa();
// Every family this CPU supports, scalar first.
std::vector<Isa> supported_isas();
bool isa_supported(Isa isa);
std::string_view isa_name(Isa isa);
Isa parse_isa(std::string_view name);  // throws ffnet::Error(usage) for unknown names

}  // namespace ffnet::ops
