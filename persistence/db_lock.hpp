#pragma once
// The single-writer lock: one engine writes a database at a time.
//
// An exclusive flock(2) on "<db>.lock", which the kernel drops when the holder dies —
// even by SIGKILL — so a crashed engine never leaves a stale lock. The file records
// who holds it (pid, host, since) so a refused engine can say so.

#include <swarm/error.hpp>

#include <string>

namespace swarm::persistence {

struct lock_holder {
  long pid = 0;
  std::string host;
  std::string since; // ISO 8601, UTC
};

class db_lock {
public:
  db_lock() = default;
  db_lock(db_lock&& other) noexcept;
  db_lock& operator=(db_lock&& other) noexcept;
  db_lock(const db_lock&) = delete;
  db_lock& operator=(const db_lock&) = delete;
  ~db_lock();

  // Takes the lock for the database at db_path without waiting. errc::database_locked
  // (naming the holder) when another process has it.
  static expected<db_lock> acquire(const std::string& db_path);

  // Who holds the lock of db_path now; nullopt-like empty pid when nobody does.
  static lock_holder holder(const std::string& db_path);

  bool held() const { return fd_ >= 0; }
  void release();

private:
  explicit db_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::string lock_path(const std::string& db_path);
std::string hostname();

} // namespace swarm::persistence
