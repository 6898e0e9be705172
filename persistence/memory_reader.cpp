#include "persistence/memory_reader.hpp"

#include "persistence/events.hpp"
#include "persistence/reader.hpp"
#include "src/time_units.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstring>
#include <stdexcept>

namespace swarm::persistence {

namespace {

std::vector<float> floats_of(const SQLite::Column& c) {
  const int bytes = c.getBytes();
  std::vector<float> v(static_cast<size_t>(bytes) / 4);
  const auto* p = static_cast<const unsigned char*>(c.getBlob());
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    for (size_t b = 0; b < 4; ++b)
      u |= static_cast<uint32_t>(p[i * 4 + b]) << (8 * b);
    std::memcpy(&v[i], &u, 4);
  }
  return v;
}

// The columns a memory is read from, and the reading of one row of them.
constexpr const char* memory_columns =
    "num, id, kind, type, content, tags, agent, task, importance, created_us, expires_us,"
    " access_count, last_access_us, embedder, dim";

void read_row(SQLite::Statement& q, stored_memory& s) {
  s.num = static_cast<uint64_t>(q.getColumn(0).getInt64());
  s.m.id = q.getColumn(1).getString();
  auto kind = parse_memory_kind(q.getColumn(2).getString());
  if (!kind)
    throw std::runtime_error("memory " + s.m.id + " has unknown kind '" +
                             q.getColumn(2).getString() + "'");
  s.m.kind = *kind;
  s.m.type = q.getColumn(3).getString();
  s.m.content = q.getColumn(4).getString();
  s.m.tags = string_array(q.getColumn(5).getString());
  s.m.agent = q.getColumn(6).getString();
  s.m.task = q.getColumn(7).getString();
  s.m.importance = q.getColumn(8).getDouble();
  s.m.created = from_us(q.getColumn(9).getInt64());
  s.m.expires = from_us(q.getColumn(10).getInt64());
  s.m.access_count = static_cast<uint64_t>(q.getColumn(11).getInt64());
  s.m.last_access = from_us(q.getColumn(12).getInt64());
  s.embedder = q.getColumn(13).getString();
  s.dim = static_cast<uint32_t>(q.getColumn(14).getInt64());
}

} // namespace

expected<void> for_each_memory(SQLite::Database& db, bool newest_first,
                               const std::function<bool(const stored_memory&)>& f) {
  try {
    SQLite::Statement q{db, std::string{"SELECT "} + memory_columns +
                                " FROM memories ORDER BY num" +
                                (newest_first ? " DESC" : "")};
    stored_memory s;
    while (q.executeStep()) {
      read_row(q, s);
      if (!f(s)) break;
    }
    return {};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading memories: "} + e.what());
  }
}

expected<std::vector<stored_memory>> read_memories(SQLite::Database& db) {
  std::vector<stored_memory> out;
  auto r = for_each_memory(db, false, [&](const stored_memory& s) {
    out.push_back(s);
    return true;
  });
  if (!r) return r.error();
  return out;
}

memory_rows::memory_rows(std::unique_ptr<SQLite::Statement> q) : q_(std::move(q)) {}

expected<std::unique_ptr<memory_rows>> memory_rows::open(SQLite::Database& db) {
  try {
    auto q = std::make_unique<SQLite::Statement>(
        db, std::string{"SELECT "} + memory_columns + " FROM memories WHERE num = ?");
    return std::unique_ptr<memory_rows>(new memory_rows(std::move(q)));
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading memories: "} + e.what());
  }
}

memory_rows::~memory_rows() = default;

expected<std::optional<memory_record>> memory_rows::get(uint64_t num) {
  try {
    q_->reset();
    q_->bind(1, static_cast<int64_t>(num));
    if (!q_->executeStep()) return std::optional<memory_record>{};
    stored_memory s;
    read_row(*q_, s);
    q_->reset(); // ends the read: the next one sees later commits
    return std::optional<memory_record>{std::move(s.m)};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      "reading memory " + std::to_string(num) + ": " + e.what());
  }
}

expected<void>
for_each_memory_vector(SQLite::Database& db, const std::string& embedder,
                       const std::function<void(uint64_t, std::vector<float>)>& f,
                       uint64_t& skipped) {
  try {
    SQLite::Statement q{db, "SELECT num, embedder, vector FROM memories ORDER BY num"};
    while (q.executeStep()) {
      if (q.getColumn(1).getString() != embedder) {
        ++skipped;
        continue;
      }
      f(static_cast<uint64_t>(q.getColumn(0).getInt64()), floats_of(q.getColumn(2)));
    }
    return {};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"reading memory vectors: "} + e.what());
  }
}

expected<std::optional<memory_embedder>> read_memory_embedder(SQLite::Database& db) {
  std::string text;
  try {
    SQLite::Statement q{db, "SELECT value FROM memory_settings WHERE key = 'embedder'"};
    if (!q.executeStep()) return std::optional<memory_embedder>{};
    text = q.getColumn(0).getString();
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"reading memory settings: "} + e.what());
  }
  auto ev = decode_event(to_string(event_kind::memory_embedder), 0, text, 0);
  if (!ev) return ev.error();
  return std::optional<memory_embedder>{std::get<memory_embedder>(ev->body)};
}

expected<std::vector<std::pair<uint64_t, double>>>
search_memory_text(SQLite::Database& db, const std::string& match, uint32_t limit) {
  try {
    std::vector<std::pair<uint64_t, double>> out;
    // Content weighs twice a tag.
    SQLite::Statement q{
        db, "SELECT rowid, bm25(memories_fts, 2.0, 1.0) AS r FROM memories_fts"
            " WHERE memories_fts MATCH ? ORDER BY r LIMIT ?"};
    q.bind(1, match);
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep())
      out.emplace_back(static_cast<uint64_t>(q.getColumn(0).getInt64()),
                       q.getColumn(1).getDouble());
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::bad_request,
                      std::string{"the text search could not run: "} + e.what());
  }
}

} // namespace swarm::persistence
