#pragma once
// Whole-file reads and writes for tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace swarm::test {

// The file's bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to `p`, creating its parent directories.
inline void spit(const std::filesystem::path& p, const std::string& text) {
  if (p.has_parent_path())
    std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

} // namespace swarm::test
