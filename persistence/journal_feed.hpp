#pragma once
// The committed journal as a feed: what GET /api/events, GET /api/stream and the
// metrics read without asking the single writer.
//
// Owner: the engine (a shared_ptr: the persistence actor publishes into it, the HTTP
// server's stream workers read from it). Threads: publish() and observe_commit() are
// called by the persistence actor's thread only, right after a COMMIT succeeded; every
// other member may be called from any thread.
//
// Invariants:
// * Only committed events are published, in seq order; last_seq() never goes back.
// * The ring holds the most recent published events (at most `capacity` of them, and
//   of at most `byte_capacity` bytes: a memory.added event carries its vector, ten times
//   a task event's size), contiguous in seq: a reader asking for seq > since gets them from the ring when the ring
//   reaches back to since + 1, otherwise from the events table through the feed's own
//   read-only connection (WAL lets it read beside the writer). Either way the answer
//   is every committed event after `since`, ascending, up to the limit: no gap.
// * The writer never waits long for a reader: publish() holds `mtx_` for O(batch) and
//   notifies; a reader holds it only to copy shared pointers out of the ring (events
//   are shared, never copied, and each event's JSON is encoded once, outside the lock);
//   the table reads hold only `reader_mtx_`.
// * close() wakes every waiter; after it wait_for() returns at once. It is for
//   shutdown: the engine closes the feed before it stops its HTTP server, so a stream
//   worker ends promptly.
//
// A read-only feed (an inspect_only engine: nothing is published) answers from the
// table, last_seq included.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

// A committed event as the feed hands it out, shared by every reader: the entry, and its
// JSON line (journal_entry_json), made once by whichever reader asks first, so fifty
// streams do not encode each event fifty times. Immutable but for that one line.
class feed_event {
public:
  explicit feed_event(journal_entry e) : entry_(std::move(e)) {}
  const journal_entry& entry() const { return entry_; }
  const std::string& json() const;

private:
  journal_entry entry_;
  mutable std::once_flag once_;
  mutable std::string json_;
};

using feed_events = std::vector<std::shared_ptr<const feed_event>>;

class journal_feed {
public:
  // `db_path`: the database, read through its own connection when needed; `last_seq`:
  // the last committed seq when the feed starts; `live`: whether a writer publishes.
  journal_feed(std::string db_path, int64_t last_seq, bool live,
               size_t capacity = default_capacity,
               size_t byte_capacity = default_byte_capacity);
  ~journal_feed();
  journal_feed(const journal_feed&) = delete;
  journal_feed& operator=(const journal_feed&) = delete;

  static constexpr size_t default_capacity = 65536;
  static constexpr size_t default_byte_capacity = 16u << 20;

  // Writer: these events just committed (ascending seq).
  void publish(std::vector<journal_entry> committed);
  // Writer: one batch took `seconds` from its arrival to its commit.
  void observe_commit(double seconds);

  // Events with seq > since, ascending, at most `limit`, and the last committed seq.
  expected<journal_page> read(int64_t since, size_t limit) const;
  // The same events, shared (no copy of their bodies); `last_seq` gets the last
  // committed seq.
  expected<feed_events> read_shared(int64_t since, size_t limit, int64_t& last_seq) const;
  int64_t last_seq() const;
  // What the ring holds now: events, and their bytes as the bound counts them.
  std::pair<size_t, size_t> ring_held() const;

  enum class wake { ready, timeout, closed };
  // Blocks until an event with seq > since is committed (ready), the time passes, or
  // the feed is closed.
  wake wait_for(int64_t since, std::chrono::milliseconds timeout) const;
  void close();
  bool closed() const;

  // Events by kind in the whole journal (counted incrementally from the table).
  expected<std::map<std::string, uint64_t>> kind_counts() const;
  // Finished model runs by outcome (the model_runs projection; "abandoned: why" counts
  // as "abandoned").
  expected<std::vector<labelled_count>> model_outcomes() const;
  // The states of the tasks `ids` as the tasks projection has them (id -> state name);
  // an id with no task is left out.
  expected<std::unordered_map<std::string, std::string>> task_states(
      const std::vector<std::string>& ids) const;
  // quality.snapshot events of work that got worse than the baseline (regressions > 0).
  expected<uint64_t> quality_regressed() const;
  // The newest `limit` committed events of `kind`, oldest first (read from the table).
  expected<std::vector<journal_entry>> read_kind(const std::string& kind,
                                                 uint32_t limit) const;
  // The commit latency histogram since the feed started.
  latency_histogram commit_latency() const;
  const std::string& db_path() const { return db_path_; }

private:
  expected<feed_events> read_table(int64_t since, size_t limit, int64_t& last_seq) const;
  // The read connection, opened on first use; reader_mtx_ held.
  expected<SQLite::Database*> reader() const;
  // `read(db)` on the read connection under reader_mtx_: its answer, or
  // errc::storage_error "could not <what>: <why>" when SQLite throws.
  template <class T, class Read> expected<T> reading(const char* what, Read read) const;

  const std::string db_path_;
  const bool live_;
  const size_t capacity_;
  const size_t byte_capacity_;

  mutable std::mutex mtx_; // guards the ring, last_seq_, closed_ and the histogram
  mutable std::condition_variable cv_;
  std::deque<std::shared_ptr<const feed_event>> ring_;
  size_t ring_bytes_ = 0;
  int64_t last_seq_ = 0;
  bool closed_ = false;
  std::vector<uint64_t> latency_counts_; // per bucket, not cumulative; last is +Inf
  double latency_sum_ = 0;

  mutable std::mutex reader_mtx_; // guards the connection and the kind counts
  mutable std::unique_ptr<SQLite::Database> reader_;
  mutable std::map<std::string, uint64_t> kinds_;
  mutable int64_t kinds_through_ = 0; // kinds_ counts the events up to this seq
};

// The commit latency buckets' upper bounds, in seconds.
const std::vector<double>& commit_latency_bounds();

} // namespace swarm::persistence
