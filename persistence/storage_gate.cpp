#include "persistence/storage_gate.hpp"

#include <spdlog/spdlog.h>

#include <sys/statvfs.h>

#include <filesystem>

namespace swarm::persistence {

namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

uint64_t available(const struct statvfs& fs) {
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

} // namespace

std::optional<uint64_t> free_bytes(const std::string& dir) {
  struct statvfs fs{};
  if (::statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
  return available(fs);
}

storage_gate::storage_gate(std::string db_path, uint64_t reserve_bytes)
    : db_path_(std::move(db_path)), reserve_(reserve_bytes) {
  auto dir = std::filesystem::path{db_path_}.parent_path();
  dir_ = dir.empty() ? "." : dir.string();
}

std::optional<error> storage_gate::measure() const {
  struct statvfs fs{};
  if (::statvfs(dir_.c_str(), &fs) != 0) return std::nullopt; // say nothing we cannot see
  if ((fs.f_flag & ST_RDONLY) != 0)
    return error{errc::storage_error,
                 "the filesystem holding " + db_path_ +
                   " is mounted read-only: writes are refused (reads still work) until it "
                   "is writable again"};
  const uint64_t free = available(fs);
  if (free >= reserve_) return std::nullopt;
  return error{errc::storage_error,
               "no room to write: the filesystem holding " + db_path_ + " has " + mib(free) +
                 " free, below the " + mib(reserve_) +
                 " swarm keeps in reserve; writes are refused until space is freed (reads "
                 "still work)"};
}

std::optional<error> storage_gate::refusal() const {
  std::lock_guard<std::mutex> lock{mutex_};
  if (held_) return held_;
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_ >= std::chrono::milliseconds{200}) {
    checked_ = now;
    last_ = measure();
  }
  return last_;
}

std::optional<error> storage_gate::refusal_logged() const {
  auto r = refusal();
  std::lock_guard<std::mutex> lock{mutex_};
  if (r && !said_)
    spdlog::error("{}", r->message);
  else if (!r && said_)
    spdlog::info("{}: there is room again; writes resume", db_path_);
  said_ = r.has_value();
  return r;
}

void storage_gate::hold(error why) {
  std::lock_guard<std::mutex> lock{mutex_};
  held_ = std::move(why);
}

void storage_gate::release() {
  std::lock_guard<std::mutex> lock{mutex_};
  held_.reset();
}

} // namespace swarm::persistence
