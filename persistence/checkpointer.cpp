#include "persistence/checkpointer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

namespace swarm::persistence {

checkpointer::checkpointer(std::string db_path)
  : path_(std::move(db_path)), thread_([this] { loop(); }) {}

checkpointer::~checkpointer() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void checkpointer::loop() {
  std::unique_ptr<SQLite::Database> db;
  // A failure is tried again every round; the log says so at the first, when it
  // changes, every minute while it lasts, and when it is over.
  std::string failing;
  auto said = std::chrono::steady_clock::time_point{};
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; });
    if (stop_ || !dirty_.exchange(false, std::memory_order_relaxed))
      continue;
    lock.unlock();
    try {
      if (!db) {
        db = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE);
        db->setBusyTimeout(1000);
      }
      // PASSIVE never blocks the writer; frames it could not copy wait for the next round.
      db->exec("PRAGMA wal_checkpoint(PASSIVE)");
      if (!failing.empty()) spdlog::info("checkpoint of {} works again", path_);
      failing.clear();
    } catch (const std::exception& e) {
      const auto now = std::chrono::steady_clock::now();
      if (failing != e.what() || now - said >= std::chrono::minutes(1)) {
        spdlog::warn("checkpoint of {} failed: {}", path_, e.what());
        failing = e.what();
        said = now;
      }
      dirty_.store(true, std::memory_order_relaxed);
    }
    lock.lock();
  }
}

} // namespace swarm::persistence
