#pragma once
// Reads the memory projections (memories, memories_fts, memory_settings). Any thread,
// any connection; the MemoryStore reads through its own read-only connection.

#include "persistence/event_types.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace swarm::persistence {

// A stored memory without its vector, and what its vector was made by.
struct stored_memory {
  uint64_t num = 0; // the row number, also its label in the vector index
  memory_record m;
  std::string embedder;
  uint32_t dim = 0;
};

// Every memory in number order (expired working memories included: the store sweeps
// them).
expected<std::vector<stored_memory>> read_memories(SQLite::Database& db);

// Calls `f` with each memory (as read_memories gives them), in number order or newest
// first, until it returns false. Streamed: the memories are never all in memory at once.
expected<void> for_each_memory(SQLite::Database& db, bool newest_first,
                               const std::function<bool(const stored_memory&)>& f);

// One memory by number, through a statement prepared once: the MemoryStore reads the
// memories it ranks, filters and answers this way, instead of keeping them in memory.
// Not thread-safe (one statement); the connection must outlive it.
class memory_rows {
public:
  // errc::storage_error when the statement cannot be prepared (no memories table).
  static expected<std::unique_ptr<memory_rows>> open(SQLite::Database& db);
  ~memory_rows();
  memory_rows(const memory_rows&) = delete;
  memory_rows& operator=(const memory_rows&) = delete;

  // nullopt when there is no memory of that number.
  expected<std::optional<memory_record>> get(uint64_t num);

private:
  explicit memory_rows(std::unique_ptr<SQLite::Statement> q);
  std::unique_ptr<SQLite::Statement> q_;
};

// Calls `f` with every memory's number and vector, in number order (streamed: the
// vectors are never all in memory at once). A vector of another embedder than
// `embedder` is skipped and counted in `skipped`.
expected<void> for_each_memory_vector(
    SQLite::Database& db, const std::string& embedder,
    const std::function<void(uint64_t, std::vector<float>)>& f, uint64_t& skipped);

// The embedder setting (stored as the memory.embedder event's JSON, decoded by the event
// codec), when one was stored; errc::storage_error when it does not decode.
expected<std::optional<memory_embedder>> read_memory_embedder(SQLite::Database& db);

// Full-text search over memory content and tags: `match` is an FTS5 expression. Best
// bm25 first, at most `limit`: (number, bm25 score; lower is better).
expected<std::vector<std::pair<uint64_t, double>>> search_memory_text(
    SQLite::Database& db, const std::string& match, uint32_t limit);

} // namespace swarm::persistence
