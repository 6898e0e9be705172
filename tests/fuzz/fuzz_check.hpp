#pragma once
// What the fuzz targets share: a failed property stops the run the way a crash does
// (libFuzzer then saves the input), saying which property and why.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace swarm::fuzz {

[[noreturn]] inline void violated(const std::string& what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what.c_str());
  std::abort();
}

inline void require(bool holds, const std::string& what) {
  if (!holds) violated(what);
}

} // namespace swarm::fuzz
