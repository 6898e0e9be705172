// swarm doctor: the database's checks (persistence/doctor), the memory index file's
// (actors/memory/index_file) and the private files' modes, and their repair. Plain
// C++, no actors: it reads snapshots and files, and repairs only holding the
// database's lock, so no engine runs meanwhile.

#include <swarm/engine.hpp>

#include "actors/engine/diagnostics.hpp"
#include "actors/memory/index_file.hpp"
#include "persistence/database.hpp"
#include "persistence/db_lock.hpp"
#include "persistence/doctor.hpp"
#include "persistence/memory_reader.hpp"
#include "src/utf8.hpp"

#include <SQLiteCpp/Database.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>

namespace swarm {

namespace {

namespace fs = std::filesystem;

// A finding quotes the rows it compared, which may hold anything a damaged file does.
doctor_check from_db(const persistence::db_finding& f) {
  return {f.check, f.ok ? "ok" : "problem", valid_utf8(f.detail)};
}

// ---- vectors

struct stored_vectors {
  memory::vector_kind kind;
  std::set<uint64_t> live;
  memory::vector_source source;
  std::unique_ptr<SQLite::Database> db; // source reads through it
};

// The memories' numbers and the embedder of their vectors, as committed; nullopt with
// `why` set when they cannot be read.
std::optional<stored_vectors> read_vectors(const std::string& db_path, std::string& why) {
  auto db = persistence::open_database_readonly(db_path);
  if (!db) {
    why = db.error().message;
    return std::nullopt;
  }
  auto setting = persistence::read_memory_embedder(**db);
  auto memories = persistence::read_memories(**db);
  if (!setting || !memories) {
    why = (!setting ? setting.error() : memories.error()).message;
    return std::nullopt;
  }
  stored_vectors out;
  if (*setting) out.kind = {(*setting)->name, static_cast<size_t>((*setting)->dim)};
  for (const auto& m : *memories) out.live.insert(m.num);
  out.db = std::move(*db);
  auto* conn = out.db.get();
  auto embedder = out.kind.embedder;
  out.source = [conn, embedder](const std::function<void(uint64_t, std::vector<float>)>& f) {
    uint64_t skipped = 0;
    return persistence::for_each_memory_vector(*conn, embedder, f, skipped);
  };
  return out;
}

doctor_check check_vectors(const std::string& db_path) {
  const auto path = memory::index_path(db_path);
  std::string why;
  auto stored = read_vectors(db_path, why);
  if (!stored) return {"vectors", "problem", "the stored memories cannot be read: " + why};
  std::error_code ec;
  if (stored->live.empty() && !fs::exists(path, ec))
    return {"vectors", "ok", "no memories, no index file"};
  auto state = memory::inspect_index_file(path, stored->kind, stored->live, stored->source);
  if (!state) return {"vectors", "problem", "the stored vectors cannot be read: " + state.error().message};
  const auto n = std::to_string(stored->live.size());
  if (!state->usable)
    return {"vectors", "warning",
            path + ": " + state->problem + "; an engine rebuilds it from the " + n +
              " stored vectors when it starts (--repair: now)"};
  if (state->differ > 0)
    return {"vectors", "problem",
            path + ": " + std::to_string(state->differ) + " of " +
              std::to_string(state->points) +
              " points hold another vector than the memory's stored one (--repair rebuilds "
              "the index from the stored vectors)"};
  if (state->missing > 0 || state->extra > 0)
    return {"vectors", "warning",
            path + " lags the database: " + std::to_string(state->missing) +
              " memories not in it, " + std::to_string(state->extra) +
              " forgotten ones still in it; an engine saves its index as it goes and "
              "brings the file up to date when it starts (--repair: now)"};
  return {"vectors", "ok",
          std::to_string(state->points) + " points, each the stored vector of a live memory (" +
            stored->kind.embedder + ", " + std::to_string(stored->kind.dim) + " dimensions)"};
}

expected<void> rebuild_vectors(const std::string& db_path) {
  const auto path = memory::index_path(db_path);
  std::string why;
  auto stored = read_vectors(db_path, why);
  if (!stored) return make_error(errc::storage_error, why);
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + ".meta", ec);
  if (stored->live.empty()) return {};
  auto opened = memory::open_index_file(path, stored->kind, stored->live, stored->source, true);
  if (!opened) return opened.error();
  return memory::save_index_file(path, stored->kind, *opened->index);
}

// ---- files

struct private_file {
  std::string path;
  mode_t mode; // what it should be
};

std::vector<private_file> private_files(const options& opts) {
  const auto& db = opts.db_path;
  std::vector<private_file> out{{fs::path{db}.parent_path().string(), 0700}};
  for (const auto& p : {db, db + "-wal", db + "-shm", persistence::lock_path(db),
                        operator_token_path(opts), control_socket_path(opts),
                        memory::index_path(db), memory::index_path(db) + ".meta"})
    out.push_back({p, 0600});
  return out;
}

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// The files others may reach, in words; empty when none.
std::string loose_files(const options& opts) {
  std::string out;
  for (const auto& f : private_files(opts)) {
    struct stat st{};
    if (f.path.empty() || ::stat(f.path.c_str(), &st) != 0) continue;
    if ((st.st_mode & 077) == 0) continue;
    out += (out.empty() ? "" : "; ") + f.path + " is " + octal(st.st_mode) + ", not " +
           octal(f.mode);
  }
  return out;
}

doctor_check check_files(const options& opts) {
  auto loose = loose_files(opts);
  if (loose.empty())
    return {"files", "ok", "the database's directory is 0700 and its files 0600 (or absent)"};
  return {"files", "problem", "others may read swarm's private files: " + loose};
}

expected<void> tighten_files(const options& opts) {
  for (const auto& f : private_files(opts)) {
    struct stat st{};
    if (f.path.empty() || ::stat(f.path.c_str(), &st) != 0 || (st.st_mode & 077) == 0)
      continue;
    if (::chmod(f.path.c_str(), f.mode) != 0)
      return make_error(errc::io_error, "cannot chmod " + octal(f.mode) + " " + f.path);
  }
  return {};
}

// ---- the whole

std::vector<doctor_check> check_all(const options& opts) {
  std::vector<doctor_check> out;
  auto db = persistence::check_database(opts.db_path);
  if (db)
    for (const auto& f : *db) out.push_back(from_db(f));
  else
    for (const char* name : {"integrity", "fts", "projections"})
      out.push_back({name, "problem", db.error().message});
  out.push_back(check_vectors(opts.db_path));
  out.push_back(check_files(opts));
  return out;
}

const doctor_check& named(const std::vector<doctor_check>& checks, const std::string& name) {
  return *std::find_if(checks.begin(), checks.end(),
                       [&](const auto& c) { return c.name == name; });
}

bool healthy(const std::vector<doctor_check>& checks, const std::string& name) {
  return named(checks, name).status == "ok";
}

// Runs the repairs the first checks call for; what went wrong, by check name.
std::vector<std::pair<std::string, std::string>>
repair(const options& opts, const std::vector<doctor_check>& found, doctor_report& report) {
  std::vector<std::pair<std::string, std::string>> failed;
  if (!healthy(found, "integrity") || !healthy(found, "fts") || !healthy(found, "projections")) {
    auto rebuilt = persistence::rebuild_from_journal(opts.db_path);
    if (rebuilt)
      report.kept_as = rebuilt->kept_as;
    else
      for (const char* name : {"integrity", "fts", "projections"})
        failed.emplace_back(name, rebuilt.error().message);
  }
  // After a rebuild too: the memories' numbers come from the journal, so the index
  // stays valid, but a damaged database may have hidden some.
  if (!healthy(found, "vectors") || !report.kept_as.empty())
    if (auto r = rebuild_vectors(opts.db_path); !r) failed.emplace_back("vectors", r.error().message);
  if (!healthy(found, "files"))
    if (auto r = tighten_files(opts); !r) failed.emplace_back("files", r.error().message);
  return failed;
}

} // namespace

expected<doctor_report> doctor(const options& opts, bool repair_it) {
  diagnostics_to_stderr();
  std::error_code ec;
  if (!fs::exists(opts.db_path, ec))
    return make_error(errc::not_found, "no database at " + opts.db_path);
  doctor_report report;
  report.db = opts.db_path;
  report.repair = repair_it;
  persistence::db_lock lock;
  if (repair_it) {
    auto taken = persistence::db_lock::acquire(opts.db_path);
    if (!taken)
      return make_error(taken.error().code,
                        "swarm doctor --repair needs the database to itself: " +
                          taken.error().message + "; stop that engine first");
    lock = std::move(*taken);
  } else {
    report.engine_pid = persistence::db_lock::holder(opts.db_path).pid;
  }
  report.checks = check_all(opts);
  if (repair_it) {
    auto before = report.checks;
    auto failed = repair(opts, before, report);
    report.checks = check_all(opts);
    for (auto& c : report.checks) {
      const auto& was = named(before, c.name);
      if (was.status == "ok") continue;
      auto why = std::find_if(failed.begin(), failed.end(),
                              [&](const auto& f) { return f.first == c.name; });
      if (why != failed.end())
        c.detail = "the repair failed: " + why->second + " (found: " + was.detail + ")";
      else if (c.status == "ok")
        c = {c.name, "repaired", "was: " + was.detail + "; now: " + c.detail};
    }
  }
  report.problems = std::count_if(report.checks.begin(), report.checks.end(),
                                  [](const auto& c) { return c.status == "problem"; });
  return report;
}

} // namespace swarm
