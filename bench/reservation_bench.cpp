// swarm_reservation_bench: reserve + conflict-check cost with many active reservations.
//
// Workload (all from --seed). A repository-like tree of about 50,000 files: 50 top
// directories, each of one language (py, ts, cpp+h, md), nested to files 2-6 segments
// deep, 2-20 files per directory (test_*.py, *.test.ts, README.md sprinkled in), names
// from a 64-word vocabulary (so `**/name.ext` meets many files). --reservations distinct
// (agent, pattern) pairs by --agents agents: 60% literal file paths, 25% `dir/*.ext`,
// 10% `dir/**`, 5% others (`dir/**/test_*.py`, `dir/{a,b}/x.h`, `{top1,top2}/x/y.ts`,
// `dir/[a-m]*.ext`, `dir/*.{ext,md}`, `**/name.ext`); 85% edit (exclusive), 15% read
// (shared). --ops further single-pattern reserves from the same mix, none repeating a
// held pair. A staged check is --paths distinct files, 30% drawn from literally
// reserved paths and 70% from the whole tree, checked for agent-0 with
// exclusive=false (what `swarm check-reservations --staged` sends by default).
//
// table   swarm::reservation_table alone, one thread, a fixed clock:
//   load_ms          the base reservations, one reserve() call each;
//   reserve          --ops reserves (each computing its conflicts) against the loaded
//                    table, each removed again untimed so the table keeps its size:
//                    ops/s over the loop, p50/p99 µs per reserve, overall and by kind;
//                    overlap_candidates: entries the index hands to globs::overlaps
//                    before the agent/type filter (derived from the documented index
//                    rules, not instrumented);
//   check            --batches staged checks: p50/p99 ms per batch, conflicts found,
//                    match_calls (the globs::matches calls, derived the same way),
//                    root_globs (globs without a directory prefix, such as `**/x` and
//                    `{a,b}/x`: the index compares every path with each of them).
// engine  swarm::engine in a fresh directory under --dir (durable: a reserve is
//         answered after its commit; heartbeats are set to an hour so no agent goes
//         stale and loses its holdings mid-run):
//   load_s           the base reservations in requests of up to 100 patterns
//                    (one agent and type each);
//   reserve          --threads clients, each looping reserve(one pattern) -> release it
//                    (by id), --ops reserves in all: ops/s counts both calls;
//                    p50/p99 ms per call kind;
//   check            the same --batches staged checks through check_reservations.
//
// Verified, or exit 1: for --samples paths of the first batch (both exclusive modes)
// and --samples reserves, the table's conflicts equal a brute-force scan of every
// reservation with globs::matches / globs::overlaps; the engine's conflicts for the
// sample paths equal a brute-force scan of engine::reservations(), and every engine
// batch finds exactly the conflicts the table found.
//
// Targets: a 1,000-path check within 10 ms (p99, table and engine); a table reserve
// within 100 µs (p99); a durable engine reserve within 10 ms (p99).
//
// Prints one JSON object on stdout (and a short summary on stderr). Run a Release build:
//   swarm_reservation_bench [--reservations 10000] [--paths 1000] [--agents 64]
//                           [--threads 8] [--ops 10000] [--batches 20] [--samples 50]
//                           [--seed 1] [--dir /tmp] [--keep]

#include "bench_support.hpp"

#include "actors/reservations/glob.hpp"
#include "actors/reservations/reservation_table.hpp"

#include <swarm/swarm.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using clock_type = bench::clock;

constexpr int64_t fixed_now_us = 1'700'000'000'000'000; // the table's clock
constexpr size_t patterns_per_load_request = 100;
constexpr double reserved_share_of_batch = 0.3;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_reservation_bench", what);
}

struct bench_options {
  size_t reservations = 10'000, paths = 1'000, agents = 64, threads = 8, ops = 10'000,
         batches = 20, samples = 50;
  uint64_t seed = 1;
  std::string dir = "/tmp";
  bool keep = false;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_reservation_bench");
  while (a.next()) {
    if (a.is("--reservations"))
      o.reservations = std::max<size_t>(1, a.number());
    else if (a.is("--paths"))
      o.paths = std::max<size_t>(1, a.number());
    else if (a.is("--agents"))
      o.agents = std::max<size_t>(2, a.number());
    else if (a.is("--threads"))
      o.threads = std::max<size_t>(1, a.number());
    else if (a.is("--ops"))
      o.ops = std::max<size_t>(1, a.number());
    else if (a.is("--batches"))
      o.batches = std::max<size_t>(1, a.number());
    else if (a.is("--samples"))
      o.samples = a.number();
    else if (a.is("--seed"))
      o.seed = a.number();
    else if (a.is("--dir"))
      o.dir = a.value();
    else if (a.is("--keep"))
      o.keep = true;
    else
      a.unknown();
  }
  return o;
}

using bench::summarize;

// ---- the repository

enum class lang : uint8_t { py, ts, cpp, md };

struct dir_info {
  std::string path;
  lang language = lang::py;
  std::vector<std::string> files; // names
  std::vector<std::string> exts;  // of its files, distinct
  std::vector<size_t> subdirs;    // into repository::dirs
};

struct repository {
  std::vector<std::string> files; // full paths
  std::vector<dir_info> dirs;
  std::vector<size_t> tops;
};

const std::vector<std::string> words{
    "api",     "core",   "util",    "net",     "auth",   "db",     "model",   "view",
    "server",  "client", "cache",   "config",  "parser", "render", "store",   "queue",
    "worker",  "event",  "log",     "metrics", "search", "index",  "user",    "billing",
    "payment", "admin",  "plugin",  "widget",  "form",   "layout", "theme",   "io",
    "fs",      "crypto", "http",    "grpc",    "proto",  "schema", "migrate", "job",
    "task",    "sched",  "graph",   "tensor",  "image",  "audio",  "video",   "ml",
    "train",   "eval",   "data",    "loader",  "report", "export", "import",  "sync",
    "mail",    "notify", "session", "token",   "policy", "rule",   "lint",    "build"};

const std::string& word(std::mt19937_64& rng) {
  return words[rng() % words.size()];
}

std::string last_segment(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// `depth`: segments of `path`; files lie one deeper, at most 6.
size_t grow(repository& repo, std::mt19937_64& rng, const std::string& path, size_t depth,
            lang language) {
  const size_t self = repo.dirs.size();
  repo.dirs.push_back({path, language, {}, {}, {}});
  std::set<std::string> names;
  for (size_t i = 0, n = 2 + rng() % 19; i < n; ++i) {
    std::string stem = word(rng);
    if (rng() % 3 == 0) stem += "_" + word(rng);
    switch (language) {
    case lang::py:
      names.insert((rng() % 4 == 0 ? "test_" + stem : stem) + ".py");
      break;
    case lang::ts:
      names.insert(stem + (rng() % 5 == 0 ? ".test.ts" : ".ts"));
      break;
    case lang::cpp:
      names.insert(stem + ".cpp");
      names.insert(stem + ".h");
      break;
    case lang::md:
      names.insert(stem + ".md");
      break;
    }
  }
  if (rng() % 4 == 0) names.insert("README.md");
  std::set<std::string> exts;
  for (const auto& name : names) {
    exts.insert(name.substr(name.rfind('.') + 1));
    repo.files.push_back(path + "/" + name);
  }
  repo.dirs[self].files.assign(names.begin(), names.end());
  repo.dirs[self].exts.assign(exts.begin(), exts.end());
  if (depth < 5) {
    const size_t spread = depth == 1 ? 9 : depth == 4 ? 5 : 6;
    std::set<std::string> subdirs;
    for (size_t i = 0, n = rng() % spread; i < n; ++i)
      subdirs.insert(word(rng));
    for (const auto& s : subdirs) {
      const size_t child = grow(repo, rng, path + "/" + s, depth + 1, language);
      repo.dirs[self].subdirs.push_back(child);
    }
  }
  return self;
}

repository make_repository(uint64_t seed) {
  std::mt19937_64 rng{seed};
  repository repo;
  std::vector<std::string> tops = words;
  std::shuffle(tops.begin(), tops.end(), rng);
  tops.resize(50);
  for (const auto& top : tops) {
    const auto roll = rng() % 20;
    const lang language = roll < 7    ? lang::py
                          : roll < 13 ? lang::ts
                          : roll < 18 ? lang::cpp
                                      : lang::md;
    repo.tops.push_back(grow(repo, rng, top, 1, language));
  }
  return repo;
}

// ---- the reservations

enum class kind : uint8_t { literal, ext_glob, subtree, other };
constexpr size_t kinds = 4;
const char* const kind_names[kinds] = {"literal", "ext_glob", "subtree", "other"};

struct planned {
  std::string agent, pattern;
  kind k = kind::literal;
  bool read = false;

  swarm::reserve_request request() const {
    swarm::reserve_request r;
    r.agent = agent;
    r.patterns = {pattern};
    r.type = read ? swarm::reservation_type::read : swarm::reservation_type::edit;
    return r;
  }
};

std::pair<std::string, kind> random_pattern(std::mt19937_64& rng,
                                            const repository& repo) {
  const auto roll = rng() % 100;
  const dir_info& d = repo.dirs[rng() % repo.dirs.size()];
  const std::string& ext = d.exts[rng() % d.exts.size()];
  if (roll < 60) return {repo.files[rng() % repo.files.size()], kind::literal};
  if (roll < 85) return {d.path + "/*." + ext, kind::ext_glob};
  if (roll < 95) return {d.path + "/**", kind::subtree};
  switch (rng() % 6) {
  case 0:
    return {d.path + "/**/" + (d.language == lang::py ? "test_*.py" : "*." + ext),
            kind::other};
  case 1:
    if (d.subdirs.size() >= 2) {
      const size_t i = rng() % d.subdirs.size(), j = (i + 1) % d.subdirs.size();
      const dir_info& a = repo.dirs[d.subdirs[i]];
      return {d.path + "/{" + last_segment(a.path) + "," +
                  last_segment(repo.dirs[d.subdirs[j]].path) + "}/" +
                  a.files[rng() % a.files.size()],
              kind::other};
    }
    [[fallthrough]];
  case 2: {
    const size_t i = rng() % repo.tops.size(), j = (i + 1) % repo.tops.size();
    const std::string& top = repo.dirs[repo.tops[i]].path;
    // a file under the first top; the pattern names the same place in both
    const size_t span =
        (i + 1 < repo.tops.size() ? repo.tops[i + 1] : repo.dirs.size()) - repo.tops[i];
    const dir_info& under = repo.dirs[repo.tops[i] + rng() % span];
    const std::string file = under.path + "/" + under.files[rng() % under.files.size()];
    return {"{" + top + "," + repo.dirs[repo.tops[j]].path + "}" +
                file.substr(top.size()),
            kind::other};
  }
  case 3:
    return {d.path + "/[a-m]*." + ext, kind::other};
  case 4:
    return {d.path + "/*.{" + ext + ",md}", kind::other};
  default:
    return {"**/" + d.files[rng() % d.files.size()], kind::other};
  }
}

// `count` reservations no (agent, pattern) pair of which is in `taken`; adds them there.
std::vector<planned> plan(std::mt19937_64& rng, const repository& repo, size_t count,
                          size_t agents,
                          std::set<std::pair<std::string, std::string>>& taken) {
  std::vector<planned> out;
  while (out.size() < count) {
    planned p;
    p.agent = "agent-" + std::to_string(rng() % agents);
    std::tie(p.pattern, p.k) = random_pattern(rng, repo);
    p.read = rng() % 100 < 15;
    if (taken.insert({p.agent, p.pattern}).second) out.push_back(std::move(p));
  }
  return out;
}

// A staged change set: distinct files, some of them literally reserved.
std::vector<std::vector<std::string>> staged_batches(const bench_options& o,
                                                     const repository& repo,
                                                     const std::vector<planned>& base) {
  std::vector<std::string> reserved;
  for (const auto& p : base)
    if (p.k == kind::literal) reserved.push_back(p.pattern);
  std::vector<std::vector<std::string>> out;
  for (size_t b = 0; b < o.batches; ++b) {
    std::mt19937_64 rng{o.seed * 1000 + b};
    std::set<std::string> seen;
    std::vector<std::string> batch;
    const size_t want = std::min(o.paths, repo.files.size());
    while (batch.size() < want) {
      const bool from_reserved =
          !reserved.empty() &&
          std::uniform_real_distribution<double>(0, 1)(rng) < reserved_share_of_batch;
      const auto& path = from_reserved ? reserved[rng() % reserved.size()]
                                       : repo.files[rng() % repo.files.size()];
      if (seen.insert(path).second) batch.push_back(path);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

// ---- brute force and the index rules, over a snapshot of the active reservations

struct snapshot_entry {
  swarm::reservation r;
  swarm::globs::pattern p;
};

struct snapshot {
  std::vector<snapshot_entry> entries;
  std::map<std::string, size_t> literal_keys, glob_keys; // key -> entries

  explicit snapshot(const std::vector<swarm::reservation>& rs) {
    for (const auto& r : rs) {
      auto p = swarm::globs::compile(r.pattern);
      if (!p)
        die("stored pattern '" + r.pattern + "' does not compile: " + p.error().message);
      ++(p->literal() ? literal_keys[p->text()] : glob_keys[p->dir_prefix()]);
      entries.push_back({r, std::move(*p)});
    }
  }

  size_t root_globs() const {
    auto it = glob_keys.find("");
    return it == glob_keys.end() ? 0 : it->second;
  }

  static bool counts(const snapshot_entry& e, const std::string& agent, bool exclusive) {
    return e.r.agent != agent && (exclusive || e.r.exclusive);
  }

  // Ids of other agents' reservations matching `path` (check's rule).
  std::set<std::string> matching(const std::string& agent, const std::string& path,
                                 bool exclusive) const {
    std::set<std::string> ids;
    for (const auto& e : entries)
      if (counts(e, agent, exclusive) && swarm::globs::matches(e.p, path))
        ids.insert(e.r.id);
    return ids;
  }

  // Ids of other agents' reservations overlapping `p` (reserve's rule).
  std::set<std::string> overlapping(const std::string& agent,
                                    const swarm::globs::pattern& p,
                                    bool exclusive) const {
    std::set<std::string> ids;
    for (const auto& e : entries)
      if (counts(e, agent, exclusive) && swarm::globs::overlaps(p, e.p))
        ids.insert(e.r.id);
    return ids;
  }

  // Entries the table's index yields for a path: literals equal to it, globs whose
  // prefix is one of its directories.
  size_t path_candidates(const std::string& path) const {
    auto at = [](const std::map<std::string, size_t>& m, const std::string& k) {
      auto it = m.find(k);
      return it == m.end() ? size_t{0} : it->second;
    };
    size_t n = at(literal_keys, path) + at(glob_keys, "");
    for (size_t i = 0; i < path.size(); ++i)
      if (path[i] == '/') n += at(glob_keys, path.substr(0, i + 1));
    return n;
  }

  // ... and for a pattern: a literal as a path; a glob meets every entry keyed below its
  // prefix and the globs keyed at its parent directories.
  size_t pattern_candidates(const swarm::globs::pattern& p) const {
    if (p.literal()) return path_candidates(p.text());
    const std::string& d = p.dir_prefix();
    size_t n = 0;
    for (const auto* keys : {&literal_keys, &glob_keys})
      for (auto it = keys->lower_bound(d);
           it != keys->end() && it->first.compare(0, d.size(), d) == 0; ++it)
        n += it->second;
    for (size_t i = 0; i + 1 < d.size(); ++i)
      if (i == 0 || d[i - 1] == '/') {
        auto it = glob_keys.find(d.substr(0, i));
        if (it != glob_keys.end()) n += it->second;
      }
    return n;
  }
};

std::set<std::string> ids_of(const std::vector<swarm::reservation_conflict>& cs) {
  std::set<std::string> ids;
  for (const auto& c : cs)
    ids.insert(c.held.id);
  return ids;
}

// What a conflict list says, independent of reservation ids.
std::vector<std::tuple<std::string, std::string, std::string>>
described(const std::vector<swarm::reservation_conflict>& cs) {
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& c : cs)
    out.emplace_back(c.path, c.held.agent, c.held.pattern);
  std::sort(out.begin(), out.end());
  return out;
}

struct mismatches {
  size_t count = 0;
  std::vector<std::string> examples;
  void add(std::string what) {
    ++count;
    if (examples.size() < 10) examples.push_back(std::move(what));
  }
};

std::string id_list(const std::set<std::string>& ids) {
  std::string s;
  for (const auto& id : ids)
    s += (s.empty() ? "" : " ") + id;
  return "[" + s + "]";
}

// Compares the conflicts a call found for each sample path with the brute force.
void verify_paths(const snapshot& snap, const std::string& agent,
                  const std::vector<std::string>& sample, bool exclusive,
                  const std::vector<swarm::reservation_conflict>& found,
                  const char* where, mismatches& bad) {
  std::map<std::string, std::set<std::string>> by_path;
  for (const auto& c : found)
    by_path[c.path].insert(c.held.id);
  for (const auto& path : sample) {
    const auto expected = snap.matching(agent, path, exclusive);
    const auto& got = by_path[path];
    if (got != expected)
      bad.add(std::string{where} + " check " + path + (exclusive ? " (exclusive)" : "") +
              ": found " + id_list(got) + ", brute force " + id_list(expected));
  }
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  const std::string checker = "agent-0";
  const auto repo = make_repository(o.seed);
  std::mt19937_64 rng{o.seed + 1};
  std::set<std::pair<std::string, std::string>> taken;
  const auto base = plan(rng, repo, o.reservations, o.agents, taken);
  const auto ops = plan(rng, repo, o.ops, o.agents, taken);
  const auto batches = staged_batches(o, repo, base);
  const size_t samples = std::min(o.samples, batches.front().size());
  const std::vector<std::string> sample_paths(batches.front().begin(),
                                              batches.front().begin() + samples);
  mismatches bad;

  // ---- table: load
  swarm::reservation_table table;
  size_t load_conflicts = 0;
  auto t0 = clock_type::now();
  for (const auto& p : base) {
    auto g = table.reserve(p.request(), fixed_now_us);
    if (!g) die("table reserve '" + p.pattern + "': " + g.error().to_string());
    load_conflicts += g->front().conflicts.size();
  }
  const double table_load_ms = bench::micros_since(t0) / 1000;
  if (table.size() != base.size())
    die("the table holds " + std::to_string(table.size()) + " reservations, not " +
        std::to_string(base.size()));
  const snapshot snap{table.list("", false, fixed_now_us)};

  // ---- table: reserve against the loaded table (samples verified first, untimed)
  for (size_t i = 0; i < std::min(samples, ops.size()); ++i) {
    const auto& op = ops[i];
    auto p = swarm::globs::compile(op.pattern);
    if (!p) die("pattern '" + op.pattern + "': " + p.error().message);
    const auto expected = snap.overlapping(op.agent, *p, !op.read);
    auto g = table.reserve(op.request(), fixed_now_us);
    if (!g) die("table reserve '" + op.pattern + "': " + g.error().to_string());
    const auto got = ids_of(g->front().conflicts);
    if (got != expected)
      bad.add("table reserve " + op.agent + " " + op.pattern + ": found " + id_list(got) +
              ", brute force " + id_list(expected));
    table.remove(g->front().r.id);
  }
  std::vector<swarm::reserve_request> requests;
  for (const auto& op : ops)
    requests.push_back(op.request());
  std::vector<double> reserve_us, reserve_kind_us[kinds];
  size_t reserve_conflicts = 0;
  t0 = clock_type::now();
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto a = clock_type::now();
    auto g = table.reserve(requests[i], fixed_now_us);
    const double us = bench::micros_since(a);
    if (!g || g->front().refreshed) die("table reserve '" + ops[i].pattern + "' failed");
    reserve_us.push_back(us);
    reserve_kind_us[size_t(ops[i].k)].push_back(us);
    reserve_conflicts += g->front().conflicts.size();
    table.remove(g->front().r.id);
  }
  const double table_reserve_s =
      std::chrono::duration<double>(clock_type::now() - t0).count();
  double candidates_sum = 0, candidates_max = 0;
  for (const auto& op : ops) {
    auto p = swarm::globs::compile(op.pattern);
    const double n = p ? double(snap.pattern_candidates(*p)) : 0;
    candidates_sum += n;
    candidates_max = std::max(candidates_max, n);
  }

  // ---- table: staged checks
  std::vector<double> check_ms;
  std::vector<std::vector<swarm::reservation_conflict>> table_found;
  size_t match_calls = 0;
  for (const auto& batch : batches) {
    const auto a = clock_type::now();
    auto found = table.check(checker, batch, false, fixed_now_us);
    check_ms.push_back(bench::micros_since(a) / 1000);
    if (!found) die("table check: " + found.error().to_string());
    table_found.push_back(std::move(*found));
  }
  for (const auto& path : batches.front())
    match_calls += snap.path_candidates(path);
  verify_paths(snap, checker, sample_paths, false, table_found.front(), "table", bad);
  if (auto found = table.check(checker, sample_paths, true, fixed_now_us))
    verify_paths(snap, checker, sample_paths, true, *found, "table", bad);
  else
    die("table check: " + found.error().to_string());

  // ---- engine
  auto root = fs::path{o.dir} / ("swarm-reservation-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  swarm::options opts;
  opts.db_path = (root / "swarm.db").string();
  // Nobody heartbeats here; stale agents lose holdings.
  opts.heartbeat = std::chrono::hours{1};
  auto opened = swarm::engine::open(opts);
  if (!opened) die(opened.error().to_string());
  auto& e = **opened;
  for (size_t i = 0; i < o.agents; ++i)
    if (auto a = e.register_agent("agent-" + std::to_string(i)); !a)
      die(a.error().to_string());

  std::map<std::pair<std::string, bool>, std::vector<std::string>> grouped;
  for (const auto& p : base)
    grouped[{p.agent, p.read}].push_back(p.pattern);
  std::vector<swarm::reserve_request> load_requests;
  for (const auto& [key, patterns] : grouped)
    for (size_t i = 0; i < patterns.size(); i += patterns_per_load_request) {
      swarm::reserve_request r;
      r.agent = key.first;
      r.type = key.second ? swarm::reservation_type::read : swarm::reservation_type::edit;
      r.patterns.assign(patterns.begin() + i,
                        patterns.begin() +
                            std::min(patterns.size(), i + patterns_per_load_request));
      load_requests.push_back(std::move(r));
    }
  std::shuffle(load_requests.begin(), load_requests.end(), rng);
  std::vector<double> load_request_ms;
  t0 = clock_type::now();
  for (const auto& r : load_requests) {
    const auto a = clock_type::now();
    if (auto g = e.reserve(r); !g) die("engine reserve: " + g.error().to_string());
    load_request_ms.push_back(bench::micros_since(a) / 1000);
  }
  const double engine_load_s =
      std::chrono::duration<double>(clock_type::now() - t0).count();

  std::vector<double> engine_reserve_ms, engine_release_ms;
  std::atomic<size_t> issued{0};
  std::atomic<size_t> engine_reserve_conflicts{0};
  std::mutex mtx;
  t0 = clock_type::now();
  std::vector<std::thread> clients;
  for (size_t c = 0; c < o.threads; ++c)
    clients.emplace_back([&] {
      std::vector<double> my_reserve, my_release;
      size_t conflicts = 0;
      while (true) {
        const size_t i = issued.fetch_add(1);
        if (i >= requests.size()) break;
        auto a = clock_type::now();
        auto g = e.reserve(requests[i]);
        my_reserve.push_back(bench::micros_since(a) / 1000);
        if (!g) die("engine reserve '" + ops[i].pattern + "': " + g.error().to_string());
        if (g->front().refreshed)
          die("engine reserve '" + ops[i].pattern + "' refreshed");
        conflicts += g->front().conflicts.size();
        swarm::release_request rel;
        rel.agent = ops[i].agent;
        rel.ids = {g->front().r.id};
        a = clock_type::now();
        auto r = e.release_reservations(rel);
        my_release.push_back(bench::micros_since(a) / 1000);
        if (!r) die("engine release: " + r.error().to_string());
      }
      engine_reserve_conflicts += conflicts;
      std::lock_guard<std::mutex> lock{mtx};
      engine_reserve_ms.insert(engine_reserve_ms.end(), my_reserve.begin(),
                               my_reserve.end());
      engine_release_ms.insert(engine_release_ms.end(), my_release.begin(),
                               my_release.end());
    });
  for (auto& t : clients)
    t.join();
  const double engine_reserve_s =
      std::chrono::duration<double>(clock_type::now() - t0).count();

  std::vector<double> engine_check_ms;
  std::vector<swarm::reservation_conflict> engine_first;
  for (size_t b = 0; b < batches.size(); ++b) {
    const auto a = clock_type::now();
    auto found = e.check_reservations(checker, batches[b], false);
    engine_check_ms.push_back(bench::micros_since(a) / 1000);
    if (!found) die("engine check: " + found.error().to_string());
    if (described(*found) != described(table_found[b]))
      bad.add("engine batch " + std::to_string(b) + ": " + std::to_string(found->size()) +
              " conflicts, the table found " + std::to_string(table_found[b].size()));
    if (b == 0) engine_first = std::move(*found);
  }
  auto engine_held = e.reservations();
  if (!engine_held) die("engine reservations: " + engine_held.error().to_string());
  if (engine_held->size() != base.size())
    bad.add("the engine holds " + std::to_string(engine_held->size()) +
            " reservations after the reserve/release phase, not " +
            std::to_string(base.size()));
  const snapshot engine_snap{*engine_held};
  verify_paths(engine_snap, checker, sample_paths, false, engine_first, "engine", bad);

  opened->reset();
  if (!o.keep) fs::remove_all(root);

  // ---- report
  size_t files_in_batch = 0, conflicts_in_batch = table_found.front().size();
  {
    std::set<std::string> paths;
    for (const auto& c : table_found.front())
      paths.insert(c.path);
    files_in_batch = paths.size();
  }
  const auto tr = summarize(reserve_us), tc = summarize(check_ms);
  const auto el = summarize(load_request_ms), er = summarize(engine_reserve_ms),
             ere = summarize(engine_release_ms), ec = summarize(engine_check_ms);
  const double table_ops_per_s = ops.size() / table_reserve_s;
  const double engine_ops_per_s =
      (engine_reserve_ms.size() + engine_release_ms.size()) / engine_reserve_s;
  size_t kind_counts[kinds] = {};
  for (const auto& p : base)
    ++kind_counts[size_t(p.k)];

  std::string out = "{\"bench\":\"reservation\"";
  auto field = [&](const std::string& name, const std::string& value) {
    out += ",\"" + name + "\":" + value;
  };
  field("params", "{\"reservations\":" + num(o.reservations) +
                      ",\"paths\":" + num(o.paths) + ",\"agents\":" + num(o.agents) +
                      ",\"threads\":" + num(o.threads) + ",\"ops\":" + num(o.ops) +
                      ",\"batches\":" + num(o.batches) + ",\"samples\":" + num(samples) +
                      ",\"seed\":" + num(o.seed) + ",\"dir\":" + json_string(o.dir) +
                      "}");
  std::string mix;
  for (size_t k = 0; k < kinds; ++k)
    mix += std::string{k ? "," : ""} + "\"" + kind_names[k] + "\":" + num(kind_counts[k]);
  field("workload", "{\"files\":" + num(repo.files.size()) +
                        ",\"dirs\":" + num(repo.dirs.size()) + ",\"mix\":{" + mix + "}}");
  std::string by_kind;
  for (size_t k = 0; k < kinds; ++k) {
    const auto s = summarize(reserve_kind_us[k]);
    by_kind += std::string{k ? "," : ""} + "\"" + kind_names[k] +
               "\":{\"n\":" + num(reserve_kind_us[k].size()) +
               ",\"p50_us\":" + num(s.p50, 1) + ",\"p99_us\":" + num(s.p99, 1) + "}";
  }
  field(
      "table",
      "{\"load_ms\":" + num(table_load_ms, 1) + ",\"load_conflicts\":" +
          num(load_conflicts) + ",\"reserve\":{\"ops_per_s\":" + num(table_ops_per_s) +
          ",\"p50_us\":" + num(tr.p50, 1) + ",\"p99_us\":" + num(tr.p99, 1) +
          ",\"conflicts_per_reserve\":" + num(double(reserve_conflicts) / ops.size(), 2) +
          ",\"overlap_candidates_mean\":" + num(candidates_sum / ops.size(), 1) +
          ",\"overlap_candidates_max\":" + num(candidates_max) + ",\"by_kind\":{" +
          by_kind + "}},\"check\":{\"p50_ms\":" + num(tc.p50, 3) +
          ",\"p99_ms\":" + num(tc.p99, 3) + ",\"conflicts\":" + num(conflicts_in_batch) +
          ",\"paths_in_conflict\":" + num(files_in_batch) + ",\"match_calls\":" +
          num(match_calls) + ",\"root_globs\":" + num(snap.root_globs()) + "}}");
  field("engine",
        "{\"load_s\":" + num(engine_load_s, 3) + ",\"load_requests\":" +
            num(load_requests.size()) + ",\"load_request_p50_ms\":" + num(el.p50, 2) +
            ",\"load_request_p99_ms\":" + num(el.p99, 2) +
            ",\"reserve\":{\"ops_per_s\":" + num(engine_ops_per_s) +
            ",\"reserves_per_s\":" + num(engine_reserve_ms.size() / engine_reserve_s) +
            ",\"reserve_p50_ms\":" + num(er.p50, 3) + ",\"reserve_p99_ms\":" +
            num(er.p99, 3) + ",\"release_p50_ms\":" + num(ere.p50, 3) +
            ",\"release_p99_ms\":" + num(ere.p99, 3) + ",\"conflicts_per_reserve\":" +
            num(double(engine_reserve_conflicts) / ops.size(), 2) +
            "},\"check\":{\"p50_ms\":" + num(ec.p50, 3) + ",\"p99_ms\":" +
            num(ec.p99, 3) + ",\"conflicts\":" + num(engine_first.size()) + "}}");
  std::string examples;
  for (const auto& x : bad.examples)
    examples += (examples.empty() ? "" : ",") + json_string(x);
  field("mismatches", num(bad.count));
  field("mismatch_examples", "[" + examples + "]");
  field("targets", "{\"check_p99_ms\":10,\"table_reserve_p99_us\":100,"
                   "\"engine_reserve_p99_ms\":10}");
  out += "}";

  std::fprintf(stderr,
               "reservations: %zu over %zu files, %zu agents\n"
               "  table  load %.1f ms; reserve %.0f ops/s, p50 %.1f us p99 %.1f us; "
               "check of %zu paths p50 %.3f ms p99 %.3f ms (%zu conflicts)\n"
               "  engine load %.2f s; reserve+release %.0f ops/s, reserve p50 %.2f ms "
               "p99 %.2f ms; check p50 %.3f ms p99 %.3f ms\n"
               "  mismatches: %zu\n",
               base.size(), repo.files.size(), o.agents, table_load_ms, table_ops_per_s,
               tr.p50, tr.p99, batches.front().size(), tc.p50, tc.p99, conflicts_in_batch,
               engine_load_s, engine_ops_per_s, er.p50, er.p99, ec.p50, ec.p99,
               bad.count);
  for (const auto& x : bad.examples)
    std::fprintf(stderr, "  mismatch: %s\n", x.c_str());
  std::printf("%s\n", out.c_str());
  return bad.count == 0 ? 0 : 1;
}
