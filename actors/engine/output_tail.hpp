#pragma once
// The output tail of a model run, as the operator sees it (engine::attempts): the last
// bytes of its stdout then its stderr, cut to a size and made valid UTF-8. Plain C++,
// any thread; reads files a finished or running model wrote (a missing one is "").

#include "src/utf8.hpp" // valid_utf8, which the tail goes through

#include <cstddef>
#include <string>

namespace swarm {

// At most 4 KiB: enough to see why an attempt failed, small enough for a page of
// attempts.
constexpr size_t output_tail_bytes = 4096;

// The last `max` bytes of stdout then stderr in `run_dir`, valid UTF-8.
std::string read_output_tail(const std::string& run_dir, size_t max = output_tail_bytes);

} // namespace swarm
