#include "harness/runner_capture.hpp"

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace swarm::harness::detail {

namespace {

void file_failed(captured_stream& s, const char* what) {
  if (s.error.empty())
    s.error = std::string(what) + " " + s.path + ": " + errno_text(errno);
  s.file.reset();
}

bool write_all_at(int fd, const char* data, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return true;
}

// Moves the last `keep` bytes of the file to its start and cuts it there. Copying forward
// is safe even when the ranges overlap, since the destination lies before the source.
void keep_file_tail(captured_stream& s, uint64_t keep, std::vector<char>& buf) {
  if (!s.file.valid() || s.file_size <= keep) return;
  uint64_t from = s.file_size - keep;
  for (uint64_t done = 0; done < keep;) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(buf.size(), keep - done));
    ssize_t r = ::pread(s.file.get(), buf.data(), chunk, static_cast<off_t>(from + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || !write_all_at(s.file.get(), buf.data(), static_cast<size_t>(r), done))
      return file_failed(s, "compacting");
    done += static_cast<uint64_t>(r);
  }
  if (::ftruncate(s.file.get(), static_cast<off_t>(keep)) != 0)
    return file_failed(s, "truncating");
  s.file_size = keep;
}

void keep_memory_tail(captured_stream& s, uint64_t keep) {
  if (s.memory.size() > keep) s.memory.erase(0, s.memory.size() - keep);
}

// >= 2 * cap, without overflow.
bool past_twice_cap(uint64_t size, uint64_t cap) {
  return size >= cap && size - cap >= cap;
}

// Appends live and compacts whenever the kept output reaches twice the cap: each byte is
// copied at most once more, and what is kept always ends in the stream's tail.
void append(captured_stream& s, const char* data, size_t n, std::vector<char>& buf) {
  s.total += n;
  if (s.observer) s.observer(std::string_view(data, n));
  if (s.cap == 0) return;
  if (s.in_memory) {
    s.memory.append(data, n);
    if (past_twice_cap(s.memory.size(), s.cap)) keep_memory_tail(s, s.cap);
    return;
  }
  if (!s.file.valid()) return;
  if (!write_all_at(s.file.get(), data, n, s.file_size)) return file_failed(s, "writing");
  s.file_size += n;
  if (past_twice_cap(s.file_size, s.cap)) keep_file_tail(s, s.cap, buf);
}

} // namespace

expected<unique_fd> open_output(const std::string& path, const char* stream) {
  if (path.empty()) return unique_fd();
  unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid())
    return make_error(errc::io_error, std::string("cannot create the ") + stream +
                                          " file " + path + ": " + errno_text(errno));
  return fd;
}

drain_result drain(captured_stream& s, capture_buffers& buf, size_t budget) {
  for (size_t got = 0; got < budget;) {
    ssize_t r = ::read(s.pipe.get(), buf.read.data(), buf.read.size());
    if (r > 0) {
      append(s, buf.read.data(), static_cast<size_t>(r), buf.copy);
      got += static_cast<size_t>(r);
    } else if (r == 0) {
      return drain_result::eof;
    } else if (errno != EINTR) {
      return errno == EAGAIN ? drain_result::open : drain_result::eof;
    }
  }
  return drain_result::open;
}

void finish_capture(captured_stream& s, capture_buffers& buf, size_t budget) {
  if (s.pipe.valid()) drain(s, buf, budget);
  keep_file_tail(s, s.cap, buf.copy);
  keep_memory_tail(s, s.cap);
}

} // namespace swarm::harness::detail
