#include "actors/memory/mapped_pages.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace swarm::memory {

namespace {

size_t whole_pages(size_t bytes) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return std::max(page, (bytes + page - 1) / page * page);
}

// Reserves the file's blocks up to `bytes`: a write to the mapping can then never
// meet a full disk.
expected<void> reserve(int fd, const std::string& dir, size_t bytes) {
  const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (err == 0) return {};
  if (err == ENOSPC || err == EDQUOT)
    return make_error(errc::storage_error,
                      "no room in " + dir + " for the memory index's " +
                          std::to_string(bytes >> 20) +
                          " MB: free some space (nothing was lost; the index grows once "
                          "there is room)");
  return make_error(errc::io_error, "cannot size the memory index's file in " + dir + ": " +
                                        std::strerror(err));
}

expected<char*> map(int fd, const std::string& dir, size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return make_error(errc::io_error, "cannot map the memory index's file in " + dir + ": " +
                                          std::strerror(errno));
  return static_cast<char*>(p);
}

} // namespace

mapped_pages::mapped_pages(std::string dir, int fd, char* data, size_t size)
    : dir_(std::move(dir)), fd_(fd), data_(data), size_(size) {}

mapped_pages::~mapped_pages() {
  ::munmap(data_, size_);
  ::close(fd_);
}

expected<std::unique_ptr<mapped_pages>> mapped_pages::create(const std::string& dir,
                                                             size_t bytes) {
  std::string name = (dir.empty() ? std::string{"."} : dir) + "/.memory-index-XXXXXX";
  const int fd = ::mkostemp(name.data(), O_CLOEXEC); // 0600
  if (fd < 0)
    return make_error(errc::io_error, "cannot make the memory index's file in " + dir + ": " +
                                          std::strerror(errno));
  ::unlink(name.c_str()); // the open descriptor keeps it
  const size_t size = whole_pages(bytes);
  auto reserved = reserve(fd, dir, size);
  if (!reserved) {
    ::close(fd);
    return reserved.error();
  }
  auto data = map(fd, dir, size);
  if (!data) {
    ::close(fd);
    return data.error();
  }
  return std::unique_ptr<mapped_pages>(new mapped_pages(dir, fd, *data, size));
}

expected<void> mapped_pages::grow(size_t bytes) {
  const size_t size = whole_pages(bytes);
  if (size <= size_) return {};
  if (auto r = reserve(fd_, dir_, size); !r) return r;
  auto data = map(fd_, dir_, size);
  if (!data) return data.error();
  ::munmap(data_, size_);
  data_ = *data;
  size_ = size;
  return {};
}

} // namespace swarm::memory
