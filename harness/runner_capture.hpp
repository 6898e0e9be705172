#pragma once
// A child's output stream as the subprocess runner keeps it: read from its pipe, counted,
// and its tail kept — live in a file (`tail -f` works) or in memory — within twice the
// cap while the child runs and exactly the last min(total, cap) bytes once finished.
// Internal to harness/.
//
// Threads: every captured_stream and capture_buffers belongs to the runner's I/O thread.

#include "harness/unique_fd.hpp"

#include <swarm/error.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::harness::detail {

// One stream of a child: the pipe it writes and where its tail is kept.
struct captured_stream {
  unique_fd pipe; // read end, non-blocking; reset at EOF
  unique_fd file; // invalid when the stream is not kept in a file, or writing failed
  std::string path;
  bool in_memory = false; // kept in `memory` instead of a file
  std::string memory;
  uint64_t cap = 0;
  uint64_t total = 0;     // bytes read from the pipe
  uint64_t file_size = 0; // bytes in the file now
  std::string error;      // the first failure writing the file
  // Sees every byte read, kept or not (process_spec::watch); may be empty.
  std::function<void(std::string_view)> observer;
};

// Scratch space for reading pipes and compacting files; one per I/O thread.
struct capture_buffers {
  explicit capture_buffers(size_t size) : read(size), copy(size) {}
  std::vector<char> read, copy;
};

// The file `path` created or truncated for a stream ("stdout" or "stderr", for the
// message); an invalid descriptor for an empty path.
expected<unique_fd> open_output(const std::string& path, const char* stream);

enum class drain_result { open, eof };

// Reads what the pipe holds, up to `budget` bytes (epoll is level-triggered: the rest
// comes next round).
drain_result drain(captured_stream& s, capture_buffers& buf, size_t budget);

// Reads what is left in the pipe, up to `budget` bytes, and cuts the kept output to its
// last `cap` bytes. The caller then reads total, memory and error.
void finish_capture(captured_stream& s, capture_buffers& buf, size_t budget);

} // namespace swarm::harness::detail
