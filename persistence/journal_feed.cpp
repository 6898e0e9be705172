#include "persistence/journal_feed.hpp"

#include "persistence/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <swarm/json.hpp>

#include <algorithm>

namespace swarm::persistence {

const std::vector<double>& commit_latency_bounds() {
  static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1.0};
  return bounds;
}

namespace {

// An event's share of the ring's byte bound: its text, twice (the entry and the JSON
// line a stream makes of it), and the bookkeeping around it.
size_t bytes_of(const journal_entry& e) { return 2 * (e.body.size() + e.kind.size()) + 160; }

} // namespace

const std::string& feed_event::json() const {
  std::call_once(once_, [this] { json_ = journal_entry_json(entry_); });
  return json_;
}

journal_feed::journal_feed(std::string db_path, int64_t last_seq, bool live,
                           size_t capacity, size_t byte_capacity)
    : db_path_(std::move(db_path)), live_(live), capacity_(std::max<size_t>(1, capacity)),
      byte_capacity_(byte_capacity), last_seq_(last_seq), latency_counts_(commit_latency_bounds().size() + 1, 0) {}

journal_feed::~journal_feed() = default;

std::pair<size_t, size_t> journal_feed::ring_held() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {ring_.size(), ring_bytes_};
}

void journal_feed::publish(std::vector<journal_entry> committed) {
  if (committed.empty()) return;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& e : committed) {
      last_seq_ = e.seq;
      ring_bytes_ += bytes_of(e);
      ring_.push_back(std::make_shared<const feed_event>(std::move(e)));
    }
    // The newest event stays, whatever its size: the ring reaches back to last_seq.
    while (ring_.size() > 1 && (ring_.size() > capacity_ || ring_bytes_ > byte_capacity_)) {
      ring_bytes_ -= bytes_of(ring_.front()->entry());
      ring_.pop_front();
    }
  }
  cv_.notify_all();
}

void journal_feed::observe_commit(double seconds) {
  const auto& bounds = commit_latency_bounds();
  const auto bucket = static_cast<size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  std::lock_guard<std::mutex> guard{mtx_};
  ++latency_counts_[bucket];
  latency_sum_ += seconds;
}

latency_histogram journal_feed::commit_latency() const {
  const auto& bounds = commit_latency_bounds();
  latency_histogram h;
  std::lock_guard<std::mutex> guard{mtx_};
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += latency_counts_[i];
    h.buckets.push_back({bounds[i], cumulative});
  }
  h.count = cumulative + latency_counts_.back();
  h.sum_seconds = latency_sum_;
  return h;
}

int64_t journal_feed::last_seq() const {
  if (!live_) {
    int64_t last = 0;
    auto none = read_table(0, 0, last);
    return none ? last : 0;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  return last_seq_;
}

expected<journal_page> journal_feed::read(int64_t since, size_t limit) const {
  journal_page page;
  auto shared = read_shared(since, limit, page.last_seq);
  if (!shared) return shared.error();
  for (const auto& e : *shared)
    page.events.push_back(e->entry());
  return page;
}

expected<feed_events> journal_feed::read_shared(int64_t since, size_t limit,
                                                int64_t& last_seq) const {
  if (live_) {
    std::lock_guard<std::mutex> guard{mtx_};
    last_seq = last_seq_;
    feed_events out;
    if (since >= last_seq_ || limit == 0) return out;
    if (!ring_.empty() && since >= ring_.front()->entry().seq - 1) {
      auto it = std::upper_bound(ring_.begin(), ring_.end(), since,
                                 [](int64_t s, const std::shared_ptr<const feed_event>& e) {
                                   return s < e->entry().seq;
                                 });
      for (; it != ring_.end() && out.size() < limit; ++it)
        out.push_back(*it);
      return out;
    }
  }
  // Older than the ring (or a read-only feed): the table has every committed event.
  return read_table(since, limit, last_seq);
}

expected<SQLite::Database*> journal_feed::reader() const {
  if (!reader_) {
    auto db = open_database_readonly(db_path_);
    if (!db) return db.error();
    reader_ = std::move(*db);
  }
  return reader_.get();
}

template <class T, class Read>
expected<T> journal_feed::reading(const char* what, Read read) const {
  std::lock_guard<std::mutex> guard{reader_mtx_};
  auto db = reader();
  if (!db) return db.error();
  try {
    return read(**db);
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"could not "} + what + ": " + std::string{e.what()});
  }
}

namespace {

// An events row read as "SELECT seq, ts_us, kind, body".
journal_entry entry_of(SQLite::Statement& q) {
  return {q.getColumn(0).getInt64(),
          timestamp{std::chrono::microseconds{q.getColumn(1).getInt64()}},
          q.getColumn(2).getString(), q.getColumn(3).getString()};
}

} // namespace

expected<feed_events> journal_feed::read_table(int64_t since, size_t limit,
                                              int64_t& last_seq) const {
  return reading<feed_events>("read the journal", [&](SQLite::Database& db) {
    feed_events out;
    // One read transaction: the page and last_seq see the same snapshot.
    SQLite::Transaction snapshot{db, SQLite::TransactionBehavior::DEFERRED};
    SQLite::Statement q{db, "SELECT seq, ts_us, kind, body FROM events WHERE seq > ?"
                            " ORDER BY seq LIMIT ?"};
    q.bind(1, since);
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep()) out.push_back(std::make_shared<const feed_event>(entry_of(q)));
    last_seq = db.execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
    if (live_) last_seq = std::max(last_seq, this->last_seq());
    return out;
  });
}

expected<std::map<std::string, uint64_t>> journal_feed::kind_counts() const {
  return reading<std::map<std::string, uint64_t>>(
      "count the journal's events", [&](SQLite::Database& db) {
        // Only the events after the last count: a range of the primary key.
        SQLite::Statement q{db, "SELECT kind, count(*), max(seq) FROM events WHERE seq > ?"
                                " GROUP BY kind"};
        q.bind(1, kinds_through_);
        int64_t through = kinds_through_;
        std::map<std::string, uint64_t> added;
        while (q.executeStep()) {
          added[q.getColumn(0).getString()] +=
              static_cast<uint64_t>(q.getColumn(1).getInt64());
          through = std::max(through, q.getColumn(2).getInt64());
        }
        for (const auto& [kind, n] : added)
          kinds_[kind] += n;
        kinds_through_ = through;
        return kinds_;
      });
}

expected<std::vector<labelled_count>> journal_feed::model_outcomes() const {
  return reading<std::vector<labelled_count>>("count the model runs", [](SQLite::Database& db) {
    SQLite::Statement q{db, "SELECT CASE WHEN instr(outcome, ':') > 0"
                            " THEN substr(outcome, 1, instr(outcome, ':') - 1)"
                            " ELSE outcome END AS o, count(*) FROM model_runs"
                            " WHERE finished_us > 0 GROUP BY o ORDER BY o"};
    std::vector<labelled_count> out;
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(),
                     static_cast<uint64_t>(q.getColumn(1).getInt64())});
    return out;
  });
}

expected<std::unordered_map<std::string, std::string>> journal_feed::task_states(
    const std::vector<std::string>& ids) const {
  using states = std::unordered_map<std::string, std::string>;
  return reading<states>("read the tasks' states", [&ids](SQLite::Database& db) {
    // One lookup by primary key each, in one read transaction: the run directories of a
    // run are a few thousand at most, its tasks maybe a hundred thousand.
    SQLite::Transaction snapshot{db, SQLite::TransactionBehavior::DEFERRED};
    SQLite::Statement q{db, "SELECT state FROM tasks WHERE id = ?"};
    states out;
    out.reserve(ids.size());
    for (const auto& id : ids) {
      q.bind(1, id);
      if (q.executeStep()) out.emplace(id, q.getColumn(0).getString());
      q.reset();
    }
    return out;
  });
}

expected<uint64_t> journal_feed::quality_regressed() const {
  return reading<uint64_t>("count the quality snapshots", [](SQLite::Database& db) {
    return static_cast<uint64_t>(
        db.execAndGet("SELECT count(*) FROM events WHERE kind = 'quality.snapshot'"
                      " AND json_extract(body, '$.regressions') > 0")
            .getInt64());
  });
}

expected<std::vector<journal_entry>> journal_feed::read_kind(const std::string& kind,
                                                             uint32_t limit) const {
  const auto what = "read the " + kind + " events";
  return reading<std::vector<journal_entry>>(what.c_str(), [&](SQLite::Database& db) {
    SQLite::Statement q{db, "SELECT seq, ts_us, kind, body FROM (SELECT seq, ts_us, kind,"
                            " body FROM events WHERE kind = ? ORDER BY seq DESC LIMIT ?)"
                            " ORDER BY seq"};
    q.bind(1, kind);
    q.bind(2, static_cast<int64_t>(limit));
    std::vector<journal_entry> out;
    while (q.executeStep()) out.push_back(entry_of(q));
    return out;
  });
}

journal_feed::wake journal_feed::wait_for(int64_t since,
                                          std::chrono::milliseconds timeout) const {
  // A read-only feed learns of nothing: its waiters poll the table each timeout.
  std::unique_lock<std::mutex> lock{mtx_};
  cv_.wait_for(lock, timeout, [&] { return closed_ || (live_ && last_seq_ > since); });
  if (closed_) return wake::closed;
  return live_ && last_seq_ > since ? wake::ready : wake::timeout;
}

void journal_feed::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }
  cv_.notify_all();
}

bool journal_feed::closed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return closed_;
}

} // namespace swarm::persistence
