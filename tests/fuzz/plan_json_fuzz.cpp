// Fuzz target: the JSON plan loader (plans::parse_json) on any bytes.
#include "tests/fuzz/plan_checks.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  swarm::fuzz::check_loaded(swarm::plans::parse_json(text, "fuzz.json"));
  return 0;
}
