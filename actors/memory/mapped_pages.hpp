#pragma once
// A growable block of bytes in a file mapping. The kernel's page cache holds it, so
// under memory pressure its pages are written to the file and dropped, and read back
// when touched, as a database file's are; the heap cannot leave RAM on a machine
// without swap. The vector index keeps the bulk of its graph (each point's links and
// code) here, as Lucene keeps its vector graphs in mapped files.
//
// Owner: one object (the vector index's); not thread-safe. The file is made in `dir`
// (0600) and unlinked at once, so it is never seen by anyone else and nothing is left
// behind however the process ends. Its disk space is reserved as it grows
// (posix_fallocate), so a full disk is an error from create() or grow(), never a
// SIGBUS on a later write. grow() maps the file again at a new address: pointers into
// the old block are invalid after it (its owner must not be in use meanwhile).

#include <swarm/error.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace swarm::memory {

class mapped_pages {
public:
  // A block of at least `bytes` (whole pages; zeroed). errc::io_error naming `dir` when
  // the file cannot be made or mapped, errc::storage_error when the disk has no room.
  static expected<std::unique_ptr<mapped_pages>> create(const std::string& dir, size_t bytes);
  ~mapped_pages();
  mapped_pages(const mapped_pages&) = delete;
  mapped_pages& operator=(const mapped_pages&) = delete;

  char* data() const { return data_; }
  size_t size() const { return size_; }

  // Grows the block to at least `bytes`, keeping its contents (the same file mapped
  // again: nothing is copied). Errors as create(); the block is unchanged then.
  expected<void> grow(size_t bytes);

private:
  mapped_pages(std::string dir, int fd, char* data, size_t size);
  std::string dir_;
  int fd_;
  char* data_;
  size_t size_;
};

} // namespace swarm::memory
