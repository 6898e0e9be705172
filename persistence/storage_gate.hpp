#pragma once
// The disk guard of a database: while the filesystem holding it has less than a reserve
// free, or is mounted read-only, every write is refused before anything changes — in
// memory or on disk — and reads go on; writes resume by themselves once space returns.
// A commit that still meets a full disk (a burst bigger than the reserve) is rolled back
// and held by the persistence actor, which retries it until it goes through; it holds
// the gate shut meanwhile (hold, release), so every other write is refused the same way.
//
// Shared by the engine's actors (journal_health::refusal), agents (no claims meanwhile)
// and the persistence actor. Any thread: the free space is read (statvfs) at most every
// 200 ms.

#include <swarm/error.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace swarm::persistence {

// Bytes an unprivileged writer may still use on the filesystem holding `dir`; nullopt
// when it cannot be read.
std::optional<uint64_t> free_bytes(const std::string& dir);

class storage_gate {
public:
  static constexpr uint64_t default_reserve = 16ull << 20; // 16 MiB

  storage_gate(std::string db_path, uint64_t reserve_bytes = default_reserve);

  // Why a write must not start now, or none. Silent: the refusal goes to whoever asked.
  std::optional<error> refusal() const;
  // The same, said in the log once per episode (and when it ends): for work nobody
  // asked for right then, such as an agent's next claim.
  std::optional<error> refusal_logged() const;

  // A commit met a full disk and waits for room: refuse every write with `why` until
  // release(), whatever the free space.
  void hold(error why);
  void release();

private:
  std::optional<error> measure() const;

  std::string db_path_;
  std::string dir_;
  uint64_t reserve_;
  mutable std::mutex mutex_;
  mutable std::chrono::steady_clock::time_point checked_{};
  mutable std::optional<error> last_;
  std::optional<error> held_; // hold()
  mutable bool said_ = false; // refusal_logged logged this episode
};

} // namespace swarm::persistence
