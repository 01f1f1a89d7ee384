// ISA names, detection and the FFNET_ISA override.
#include <doctest/doctest.h>

#include <cstdlib>

#include "ffnet/core/error.hpp"
#include "ops/isa.hpp"

using namespace ffnet::ops;

TEST_CASE("isa: names round-trip, scalar always supported, best is supported") {
  for (Isa isa : {Isa::scalar, Isa::avx2_fma, Isa::avx512}) CHECK(parse_isa(isa_name(isa)) == isa);
  CHECK_THROWS_AS(parse_isa("avx9"), ffnet::Error);
  const auto isas = supported_isas();
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::scalar);
  CHECK(isa_supported(best_isa()));
  MESSAGE("best ISA on this machine: " << isa_name(best_isa()));
}

TEST_CASE("isa: FFNET_ISA override") {
  const char* saved = std::getenv("FFNET_ISA");
  const std::string restore = saved ? saved : "";
  setenv("FFNET_ISA", "scalar", 1);
  CHECK(best_isa() == Isa::scalar);
  setenv("FFNET_ISA", "nonsense", 1);
  CHECK_THROWS_AS(best_isa(), ffnet::Error);
  for (Isa isa : {Isa::avx2_fma, Isa::avx512}) {
    setenv("FFNET_ISA", std::string(isa_name(isa)).c_str(), 1);
    if (isa_supported(isa))
      CHECK(best_isa() == isa);
    else
      CHECK_THROWS_AS(best_isa(), ffnet::Error);
  }
  if (saved)
    setenv("FFNET_ISA", restore.c_str(), 1);
  else
    unsetenv("FFNET_ISA");
}
