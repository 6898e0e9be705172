#pragma once
// A real tmpfs of a few MiB mounted on a directory for a test's life, and a file that
// takes its free space: the disk faults (a full disk, a read-only mount) on a real
// filesystem. Mounting needs root with CAP_SYS_ADMIN, as CI runs the suite.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace swarm::test {

class small_disk {
public:
  small_disk(std::filesystem::path at, int mib) : at_(std::move(at)) {
    std::filesystem::create_directories(at_);
    const std::string opts = "size=" + std::to_string(mib) + "m,mode=0700";
    INFO("mount needs root with CAP_SYS_ADMIN, as CI runs the suite");
    REQUIRE(::mount("tmpfs", at_.c_str(), "tmpfs", 0, opts.c_str()) == 0);
  }
  ~small_disk() {
    std::error_code ec;
    std::filesystem::remove(filler(), ec);
    ::umount2(at_.c_str(), MNT_DETACH);
  }
  small_disk(const small_disk&) = delete;
  small_disk& operator=(const small_disk&) = delete;

  uint64_t free_bytes() const {
    struct statvfs v{};
    REQUIRE(::statvfs(at_.c_str(), &v) == 0);
    return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  }
  // Takes all but `leave` bytes of the free space.
  void fill(uint64_t leave) {
    const uint64_t free = free_bytes();
    REQUIRE(free > leave);
    int fd = ::open(filler().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    CHECK(::posix_fallocate(fd, 0, static_cast<off_t>(free - leave)) == 0);
    ::close(fd);
  }
  void free_again() { std::filesystem::remove(filler()); }
  void remount(bool read_only) {
    REQUIRE(::mount("tmpfs", at_.c_str(), "tmpfs", MS_REMOUNT | (read_only ? MS_RDONLY : 0),
                    nullptr) == 0);
  }

private:
  std::filesystem::path filler() const { return at_ / "filler"; }
  std::filesystem::path at_;
};

} // namespace swarm::test
