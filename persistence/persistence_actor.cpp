#include "persistence/persistence_actor.hpp"

#include "persistence/caf_error.hpp"
#include "persistence/checkpointer.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_feed.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>

namespace swarm::persistence {

namespace {

// While a commit waits for room, the free space is looked at this often.
constexpr auto full_disk_retry = std::chrono::milliseconds(250);
// A retry rewrites the whole commit until the disk is full again, so it is made only
// once this much more is free than after the last try, or this long after it.
constexpr uint64_t full_disk_freed = 1 << 20;
constexpr auto full_disk_recheck = std::chrono::seconds(60);
// While it waits, the log says so again this often.
constexpr auto full_disk_reminder = std::chrono::seconds(60);

struct pending_batch {
  event_batch batch;
  caf::typed_response_promise<int64_t> promise;
  std::chrono::steady_clock::time_point arrived; // for the commit latency
};

struct persistence_state {
  // Destruction order matters: the checkpointer's connection closes before the writer's.
  std::shared_ptr<SQLite::Database> db;
  std::unique_ptr<journal> log;
  std::unique_ptr<checkpointer> ckpt;
  std::shared_ptr<journal_feed> feed;
  std::shared_ptr<storage_gate> storage; // may be null
  // Since when the pending batches wait for room on a full disk, and when the log last
  // said so; unset while commits go through.
  std::optional<std::chrono::steady_clock::time_point> held_since;
  std::chrono::steady_clock::time_point held_said;
  std::chrono::steady_clock::time_point held_tried; // the last try, and what was free
  uint64_t held_free = 0;                           // after it
  std::string path, dir; // the database, and its directory
  // Transaction control, prepared once: parsing them per batch showed in profiles.
  struct tx_statements {
    explicit tx_statements(SQLite::Database& db)
      : begin{db, "BEGIN IMMEDIATE"}, commit{db, "COMMIT"}, rollback{db, "ROLLBACK"},
        savepoint{db, "SAVEPOINT batch"}, release{db, "RELEASE batch"},
        rollback_to{db, "ROLLBACK TO batch"} {}
    SQLite::Statement begin, commit, rollback, savepoint, release, rollback_to;
  };
  std::unique_ptr<tx_statements> tx;
  std::vector<pending_batch> pending;
  std::vector<caf::typed_response_promise<int64_t>> barriers;
  bool commit_scheduled = false;
  bool read_only = false;
  int64_t last_seq = 0;
  int64_t commits = 0, batches = 0, events = 0;

  static inline const char* name = "persistence";

  ~persistence_state() {
    if (db && !read_only) {
      try {
        tx.reset();
        log.reset();
        ckpt.reset();
        db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (const std::exception& e) {
        spdlog::warn("final checkpoint failed: {}", e.what());
      }
    }
  }
};

caf::error to_caf_error(const std::string& what) {
  return to_caf(errc::storage_error, "could not write the journal: " + what);
}

// Whether a failed statement met a full disk: SQLITE_FULL, or an I/O error whose errno
// says there is no space (ENOSPC, or EDQUOT: a quota).
bool out_of_space(SQLite::Database& db, const std::exception& e) {
  const auto* failed = dynamic_cast<const SQLite::Exception*>(&e);
  if (failed == nullptr) return false;
  if ((failed->getErrorCode() & 0xff) == SQLITE_FULL) return true;
  const int err = sqlite3_system_errno(db.getHandle());
  return err == ENOSPC || err == EDQUOT;
}

void run(SQLite::Statement& q) {
  try {
    q.exec();
  } catch (...) {
    q.tryReset();
    throw;
  }
  q.tryReset();
}

// What one attempt at committing the pending batches did.
struct attempt_result {
  std::vector<int64_t> seqs;         // per batch: sequence number of its last event
  std::vector<std::vector<int64_t>> event_seqs; // per batch: each event's (committed ones)
  std::vector<std::string> failures; // per batch: why it was rolled back (isolated only)
  std::string tx_failure;            // the whole transaction failed
  bool retry_isolated = false;       // an event failed outside a savepoint
  bool disk_full = false;            // it failed for want of room: rolled back, to retry
};

// One transaction over every batch. Isolated: each batch under its own savepoint, so
// a failing batch is rolled back alone. Not isolated (the fast path: two statements
// fewer per batch): the first failing event rolls everything back and asks for an
// isolated retry.
attempt_result attempt(persistence_state& st, const std::vector<pending_batch>& work,
                       bool isolated) {
  auto& tx = *st.tx;
  attempt_result r;
  r.seqs.assign(work.size(), 0);
  r.failures.assign(work.size(), {});
  r.event_seqs.assign(work.size(), {});
  auto append_all = [&](size_t i) {
    for (const auto& e : work[i].batch.events) {
      r.seqs[i] = st.log->append(e);
      r.event_seqs[i].push_back(r.seqs[i]);
    }
  };
  try {
    run(tx.begin);
    for (size_t i = 0; i < work.size(); ++i) {
      if (!isolated) {
        append_all(i);
        continue;
      }
      run(tx.savepoint);
      try {
        append_all(i);
        run(tx.release);
      } catch (const std::exception& e) {
        // No room is no fault of the batch: the whole transaction waits for it.
        if (out_of_space(*st.db, e)) throw;
        r.failures[i] = e.what();
        r.seqs[i] = 0;
        r.event_seqs[i].clear();
        st.log->rolled_back();
        run(tx.rollback_to);
        run(tx.release);
        spdlog::error("journal batch rolled back: {}", e.what());
      }
    }
  } catch (const std::exception& e) {
    r.tx_failure = e.what();
    r.disk_full = out_of_space(*st.db, e);
    r.retry_isolated = !isolated && !r.disk_full;
  }
  if (r.tx_failure.empty()) {
    try {
      run(tx.commit);
      return r;
    } catch (const std::exception& e) {
      r.tx_failure = e.what();
      r.disk_full = out_of_space(*st.db, e);
    }
  }
  st.log->rolled_back();
  try {
    run(tx.rollback);
  } catch (const std::exception&) {
    // The transaction is already gone.
  }
  return r;
}

// Hands the committed events of `work` to the feed, with each batch's latency.
void publish(persistence_state& st, std::vector<pending_batch>& work,
             const attempt_result& r) {
  if (!st.feed) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<journal_entry> committed;
  for (size_t i = 0; i < work.size(); ++i) {
    if (!r.failures[i].empty()) continue;
    auto& events = work[i].batch.events;
    for (size_t k = 0; k < events.size() && k < r.event_seqs[i].size(); ++k) {
      auto& e = events[k];
      committed.push_back({r.event_seqs[i][k],
                           timestamp{std::chrono::microseconds{e.ts_us}},
                           to_string(e.kind),
                           e.json.empty() ? encode_body(e) : std::move(e.json)});
    }
    st.feed->observe_commit(
        std::chrono::duration<double>(now - work[i].arrived).count());
  }
  st.feed->publish(std::move(committed));
}

// The commit of `work` met a full disk: it and the barriers wait, ahead of anything
// that arrives meanwhile, and the storage gate refuses new writes until it goes through.
void hold_for_room(persistence_state& st, std::vector<pending_batch> work,
                   std::vector<caf::typed_response_promise<int64_t>> barriers,
                   const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  if (!st.held_since || now - st.held_said >= full_disk_reminder) {
    spdlog::error("no room to commit the journal ({}): {} batch(es) wait, tried again as "
                  "space is freed; new writes are refused meanwhile",
                  why, work.size());
    st.held_said = now;
  }
  if (!st.held_since) {
    st.held_since = now;
    if (st.storage)
      st.storage->hold(error{errc::storage_error,
                             "no room to write: a commit met a full disk and waits for space "
                             "on the filesystem holding " + st.path +
                                 "; writes are refused until it goes through (reads still "
                                 "work)"});
  }
  st.held_tried = now;
  st.held_free = free_bytes(st.dir).value_or(0);
  st.pending.insert(st.pending.begin(), std::make_move_iterator(work.begin()),
                    std::make_move_iterator(work.end()));
  st.barriers.insert(st.barriers.begin(), std::make_move_iterator(barriers.begin()),
                     std::make_move_iterator(barriers.end()));
}

// Whether to try the commit now: always, unless it waits for room and no room came.
bool worth_trying(const persistence_state& st) {
  if (!st.held_since) return true;
  if (std::chrono::steady_clock::now() - st.held_tried >= full_disk_recheck) return true;
  auto free = free_bytes(st.dir);
  return !free || *free >= st.held_free + full_disk_freed;
}

// Commits every pending batch in one transaction; answers each batch and barrier.
// Returns false when the disk was full: nothing is answered, and everything waits for
// the retry (hold_for_room).
bool commit_pending(persistence_state& st) {
  std::vector<pending_batch> work;
  work.swap(st.pending);
  auto barriers = std::move(st.barriers);
  st.barriers.clear();
  auto r = attempt(st, work, false);
  if (r.retry_isolated)
    r = attempt(st, work, true);
  if (r.disk_full) {
    hold_for_room(st, std::move(work), std::move(barriers), r.tx_failure);
    return false;
  }
  if (st.held_since) { // the wait for room is over, whatever came of the commit
    spdlog::info("there is room again: the journal batches held for {:.1f} s went to the "
                 "database",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                               *st.held_since)
                     .count());
    st.held_since.reset();
    if (st.storage) st.storage->release();
  }
  if (!r.tx_failure.empty())
    spdlog::error("journal commit failed: {}", r.tx_failure);
  const auto& seqs = r.seqs;
  const auto& failures = r.failures;
  const auto& tx_failure = r.tx_failure;
  if (tx_failure.empty()) {
    ++st.commits;
    st.batches += static_cast<int64_t>(work.size());
    for (const auto& w : work)
      st.events += static_cast<int64_t>(w.batch.events.size());
    publish(st, work, r);
  }
  for (size_t i = 0; i < work.size(); ++i) {
    if (!tx_failure.empty())
      work[i].promise.deliver(to_caf_error(tx_failure));
    else if (!failures[i].empty())
      work[i].promise.deliver(to_caf_error(failures[i]));
    else {
      if (seqs[i] != 0)
        st.last_seq = seqs[i];
      work[i].promise.deliver(seqs[i]);
    }
  }
  for (auto& b : barriers)
    b.deliver(st.last_seq);
  if (tx_failure.empty())
    st.ckpt->note_commit();
  return true;
}

persistence_actor::behavior_type
persistence_impl(persistence_actor::stateful_pointer<persistence_state> self,
                 persistence_config cfg) {
  auto& st = self->state;
  st.db = std::move(cfg.db);
  st.read_only = cfg.read_only;
  st.feed = std::move(cfg.feed);
  st.storage = std::move(cfg.storage);
  st.path = cfg.path;
  st.dir = std::filesystem::path{cfg.path}.parent_path().string();
  if (st.dir.empty()) st.dir = ".";
  if (!st.read_only) {
    st.log = std::make_unique<journal>(*st.db);
    st.tx = std::make_unique<persistence_state::tx_statements>(*st.db);
    st.ckpt = std::make_unique<checkpointer>(cfg.path);
  }
  st.last_seq = st.db->execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
  auto schedule = [self] {
    if (!self->state.commit_scheduled) {
      self->state.commit_scheduled = true;
      // Goes behind everything already in the mailbox: all of it joins this commit.
      self->send(self, commit_atom_v);
    }
  };
  return {
    [=](append_atom, event_batch& batch) -> caf::result<int64_t> {
      if (self->state.read_only)
        return to_caf(errc::invalid_state,
                      "the database was opened read-only; nothing can be journaled");
      auto rp = self->make_response_promise<int64_t>();
      self->state.pending.push_back(
          {std::move(batch), rp, std::chrono::steady_clock::now()});
      schedule();
      return rp;
    },
    [=](sync_atom) -> caf::result<int64_t> {
      if (self->state.pending.empty() && !self->state.commit_scheduled)
        return self->state.last_seq;
      auto rp = self->make_response_promise<int64_t>();
      self->state.barriers.push_back(rp);
      schedule();
      return rp;
    },
    [=](commit_atom) {
      self->state.commit_scheduled = false;
      if (worth_trying(self->state) && commit_pending(self->state)) return;
      // A full disk: appends and barriers queue behind the held batches until the retry.
      self->state.commit_scheduled = true;
      self->delayed_send(self, full_disk_retry, commit_atom_v);
    },
    [=](counters_atom) {
      const auto& st = self->state;
      return caf::make_result(st.commits, st.batches, st.events);
    },
  };
}

} // namespace

persistence_actor spawn_persistence(caf::actor_system& sys, persistence_config cfg) {
  return sys.spawn<caf::detached>(persistence_impl, std::move(cfg));
}

} // namespace swarm::persistence
