#include "actors/engine/output_tail.hpp"

#include <filesystem>
#include <fstream>

namespace swarm {

namespace {

// The last `max` bytes of a file; "" when it cannot be read.
std::string file_tail(const std::filesystem::path& path, size_t max) {
  std::ifstream in{path, std::ios::binary | std::ios::ate};
  if (!in) return {};
  const auto size = static_cast<size_t>(in.tellg());
  const size_t start = size > max ? size - max : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

} // namespace

std::string read_output_tail(const std::string& run_dir, size_t max) {
  if (run_dir.empty()) return {};
  const std::filesystem::path dir{run_dir};
  auto both = file_tail(dir / "stdout", max) + file_tail(dir / "stderr", max);
  if (both.size() > max) both.erase(0, both.size() - max);
  return valid_utf8(both);
}

} // namespace swarm
