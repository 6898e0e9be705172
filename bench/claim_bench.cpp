// swarm_claim_bench: durable claim + complete throughput and latency of the TaskQueue.
//
// What it measures, on a synthetic layered DAG (--tasks leaves in groups of 1,000 under
// one root each; every leaf depends on 0-2 random leaves of earlier groups; P0-P4):
//   plan_parse_s  plans::parse_json on the in-memory plan text alone;
//   plan_load_s   engine::open + engine::load_plan(<tmp>/plan.json) through the public
//                 API: read, parse, validate, add to the graph, commit every
//                 task.created event (the timer covers load_plan only);
//   restore_s     reopening the database as engine::open does (read_tasks + restore);
//   claim/complete phase: --agents event-based CAF actors, each looping
//                 claim{wait=true} -> complete -> claim until the queue drains. Every
//                 reply arrives only after its journal events committed, so an "op" is
//                 one durable claim plus one durable complete. Latencies are per
//                 request (steady_clock, µs); op = claim sent -> complete answered.
//                 ops_per_s = tasks completed / wall seconds of the phase.
// The phase talks to the actors directly: the public API blocks a thread per call and
// would measure thread wake-ups rather than the engine. After the phase, the journal
// is checked: every leaf completed exactly once ("verified"; exit 1 otherwise).
//
// Prints one JSON object on stdout. Run a Release build:
//   swarm_claim_bench [--tasks 100000] [--agents 64] [--seed 1] [--sync-full]
//                     [--db PATH] [--keep] [--agent-timeouts]
// Without --db the database lives in a fresh /tmp directory removed at the end
// unless --keep is given.

#include "bench_support.hpp"

#include "actors/messages.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "actors/task_queue/task_queue.hpp"
#include "persistence/database.hpp"
#include "persistence/db_lock.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/reader.hpp"
#include "plans/plan_loader.hpp"

#include <swarm/engine.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using clock_type = bench::clock;

constexpr auto request_timeout = std::chrono::minutes(5);
constexpr size_t leaves_per_group = 1000;

struct bench_options {
  size_t tasks = 100'000;
  size_t agents = 64;
  uint64_t seed = 1;
  bool sync_full = false;
  bool keep = false;
  // Agents send their requests without a timer (caf::infinite), as the engine's own
  // agents do. --agent-timeouts gives each a finite timeout, to measure what a trip
  // through CAF's clock thread per request costs.
  bool agent_timeouts = false;
  std::string db; // empty: <tmpdir>/swarm.db
};

bench_options parse_args(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_claim_bench",
                "[--tasks N] [--agents N] [--seed N] [--sync-full] [--db PATH] [--keep]"
                " [--agent-timeouts]");
  while (a.next()) {
    if (a.is("--tasks"))
      o.tasks = a.number();
    else if (a.is("--agents"))
      o.agents = a.number();
    else if (a.is("--seed"))
      o.seed = a.number();
    else if (a.is("--db"))
      o.db = a.value();
    else if (a.is("--sync-full"))
      o.sync_full = true;
    else if (a.is("--keep"))
      o.keep = true;
    else if (a.is("--agent-timeouts"))
      o.agent_timeouts = true;
    else
      a.unknown();
  }
  if (o.tasks == 0 || o.agents == 0) a.bad("--tasks and --agents must be positive");
  return o;
}

std::string leaf_title(size_t group, size_t i) {
  return "g" + std::to_string(group) + " leaf " + std::to_string(i);
}

// The plan as JSON text: ceil(tasks / 1000) roots, `tasks` leaves in total. A leaf
// depends only on leaves of earlier groups, so there is no cycle; titles are unique so
// dependencies can name them.
std::string make_plan(size_t tasks, uint64_t seed) {
  std::mt19937_64 rng{seed};
  const size_t groups = (tasks + leaves_per_group - 1) / leaves_per_group;
  json::array roots;
  roots.reserve(groups);
  size_t made = 0;
  for (size_t g = 0; g < groups; ++g) {
    const size_t n = std::min(leaves_per_group, tasks - made);
    json::array children;
    children.reserve(n);
    for (size_t i = 0; i < n; ++i, ++made) {
      json::object leaf;
      leaf["title"] = leaf_title(g, i);
      leaf["priority"] = "P" + std::to_string(rng() % 5);
      if (g > 0) {
        json::array deps;
        const auto k = rng() % 3;
        for (uint64_t d = 0; d < k; ++d) {
          auto dg = rng() % g;
          auto dn = std::min(leaves_per_group, tasks - dg * leaves_per_group);
          deps.emplace_back(leaf_title(dg, rng() % dn));
        }
        if (!deps.empty())
          leaf["depends"] = std::move(deps);
      }
      children.emplace_back(std::move(leaf));
    }
    roots.emplace_back(json::object{{"title", "group " + std::to_string(g)},
                                    {"children", std::move(children)}});
  }
  return json::serialize(json::object{{"prefix", "bench"}, {"tasks", std::move(roots)}});
}

// ---- the simulated agents ---------------------------------------------------------

struct agent_stats {
  std::vector<uint32_t> claim_us;
  std::vector<uint32_t> complete_us;
  std::vector<uint32_t> op_us;
  uint64_t completed = 0;
  std::string error; // first failure, if any
};

struct agent_state {
  swarm::task_queue_actor queue;
  std::string agent;
  bool timeouts = true;
  std::shared_ptr<agent_stats> stats; // read by main only after this actor is down
  static inline const char* name = "bench-agent";
};

using agent_actor = caf::stateful_actor<agent_state>;

uint32_t micros(clock_type::time_point from, clock_type::time_point to) {
  return static_cast<uint32_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}

void claim_next(agent_actor* self);

void fail_agent(agent_actor* self, const char* what, const caf::error& err) {
  self->state.stats->error = std::string{what} + ": " + swarm::from_caf(err).to_string();
  self->quit();
}

void complete(agent_actor* self, swarm::task t, clock_type::time_point claim_sent,
              clock_type::time_point claimed) {
  auto& st = self->state;
  swarm::task_report report{t.spec.id, st.agent, t.attempts, "ok", {}};
  auto on_reply = [self, claim_sent, claimed](swarm::task_change&) {
    auto done = clock_type::now();
    auto& s = *self->state.stats;
    s.complete_us.push_back(micros(claimed, done));
    s.op_us.push_back(micros(claim_sent, done));
    ++s.completed;
    claim_next(self);
  };
  auto on_error = [self](caf::error& err) { fail_agent(self, "complete", err); };
  if (st.timeouts)
    self->request(st.queue, request_timeout, swarm::complete_atom_v, std::move(report))
      .then(on_reply, on_error);
  else
    self->request(st.queue, caf::infinite, swarm::complete_atom_v, std::move(report))
      .then(on_reply, on_error);
}

void claim_next(agent_actor* self) {
  auto sent = clock_type::now();
  auto on_reply = [self, sent](swarm::claim_result& r) {
    auto now = clock_type::now();
    if (r.claimed) {
      self->state.stats->claim_us.push_back(micros(sent, now));
      complete(self, std::move(r.t), sent, now);
    } else if (r.drained) {
      self->quit();
    } else {
      claim_next(self); // a parked claim timed out: ask again
    }
  };
  auto on_error = [self](caf::error& err) { fail_agent(self, "claim", err); };
  swarm::claim_request req{self->state.agent, true, "bench", false, {}};
  if (self->state.timeouts)
    self->request(self->state.queue, request_timeout, swarm::claim_atom_v, std::move(req))
      .then(on_reply, on_error);
  else
    self->request(self->state.queue, caf::infinite, swarm::claim_atom_v, std::move(req))
      .then(on_reply, on_error);
}

caf::behavior agent_impl(agent_actor* self, swarm::task_queue_actor queue, std::string name,
                         bool timeouts, std::shared_ptr<agent_stats> stats) {
  self->state.queue = std::move(queue);
  self->state.agent = std::move(name);
  self->state.timeouts = timeouts;
  self->state.stats = std::move(stats);
  return {
    [self](swarm::start_atom) { claim_next(self); },
  };
}

// ---- phases -----------------------------------------------------------------------

struct load_figures {
  double parse_s = 0;
  double load_s = 0;
  uint64_t added = 0;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << "swarm_claim_bench: " << what << "\n";
  std::exit(1);
}

load_figures load_phase(const bench_options& o, const std::string& db_path,
                        const std::string& plan_path, const std::string& text) {
  load_figures f;
  auto t0 = clock_type::now();
  auto parsed = swarm::plans::parse_json(text, plan_path);
  f.parse_s = bench::seconds_since(t0);
  if (!parsed)
    die("the generated plan does not parse: " + parsed.error().to_string());

  swarm::options opts;
  opts.db_path = db_path;
  opts.sync_full = o.sync_full;
  opts.worker_threads = 2;
  auto engine = swarm::engine::open(opts);
  if (!engine)
    die("engine::open: " + engine.error().to_string());
  t0 = clock_type::now();
  auto report = (*engine)->load_plan(plan_path);
  f.load_s = bench::seconds_since(t0);
  if (!report)
    die("load_plan: " + report.error().to_string());
  f.added = report->added;
  return f;
}

struct run_figures {
  double restore_s = 0;
  double seconds = 0;
  uint64_t completed = 0;
  std::vector<uint32_t> claim_us, complete_us, op_us;
  int64_t commits = 0, batches = 0, events = 0; // persistence, during the phase
  std::string error;
};

// Opens the database as engine::open does, minus the coordinator and session events.
run_figures run_phase(const bench_options& o, const std::string& db_path) {
  run_figures f;
  auto lock = swarm::persistence::db_lock::acquire(db_path);
  if (!lock)
    die("lock: " + lock.error().to_string());
  auto t0 = clock_type::now();
  auto db = swarm::persistence::open_database(db_path, o.sync_full
                                                         ? swarm::persistence::sync_mode::full
                                                         : swarm::persistence::sync_mode::normal);
  if (!db)
    die("open_database: " + db.error().to_string());
  auto stored = swarm::persistence::read_tasks(**db);
  if (!stored)
    die("read_tasks: " + stored.error().to_string());
  auto graph = std::make_shared<swarm::task_graph>();
  if (auto r = graph->restore(std::move(*stored)); !r)
    die("restore: " + r.error().to_string());
  f.restore_s = bench::seconds_since(t0);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{cfg};
  auto persist = swarm::persistence::spawn_persistence(
    sys, swarm::persistence::persistence_config{
           std::shared_ptr<SQLite::Database>(std::move(*db)), db_path, false, nullptr, nullptr});
  auto queue = swarm::spawn_task_queue(sys, persist, graph, swarm::task_queue_config{});

  std::vector<std::shared_ptr<agent_stats>> stats;
  std::vector<caf::actor> agents;
  const size_t per_agent = o.tasks / o.agents + 16;
  {
    caf::scoped_actor self{sys};
    for (size_t i = 0; i < o.agents; ++i) {
      auto s = std::make_shared<agent_stats>();
      s->claim_us.reserve(per_agent);
      s->complete_us.reserve(per_agent);
      s->op_us.reserve(per_agent);
      stats.push_back(s);
      auto a = sys.spawn(agent_impl, queue, "bench-" + std::to_string(i + 1),
                       o.agent_timeouts, s);
      self->monitor(a);
      agents.push_back(a);
    }
    int64_t commits0 = 0, batches0 = 0, events0 = 0;
    self->request(persist, request_timeout, swarm::persistence::counters_atom_v)
      .receive([&](int64_t c, int64_t b, int64_t e) { commits0 = c, batches0 = b, events0 = e; },
               [](caf::error&) {});
    auto started = clock_type::now();
    for (auto& a : agents)
      self->send(a, swarm::start_atom_v);
    for (size_t alive = agents.size(); alive > 0;)
      self->receive([&](const caf::down_msg&) { --alive; });
    f.seconds = bench::seconds_since(started);

    // Everything is committed (every reply came after its commit); stop cleanly.
    self->request(persist, request_timeout, swarm::persistence::sync_atom_v)
      .receive([](int64_t) {}, [&](caf::error& err) {
        f.error = "final sync: " + swarm::from_caf(err).to_string();
      });
    self->request(persist, request_timeout, swarm::persistence::counters_atom_v)
      .receive(
        [&](int64_t c, int64_t b, int64_t e) {
          f.commits = c - commits0, f.batches = b - batches0, f.events = e - events0;
        },
        [](caf::error&) {});
    auto stop = [&](const caf::actor& a) {
      self->monitor(a);
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->receive([](const caf::down_msg&) {});
    };
    stop(caf::actor_cast<caf::actor>(queue));
    stop(caf::actor_cast<caf::actor>(persist));
  }
  queue = nullptr;
  persist = nullptr; // a detached actor's thread ends once no handle refers to it
  agents.clear();

  for (auto& s : stats) {
    f.completed += s->completed;
    f.claim_us.insert(f.claim_us.end(), s->claim_us.begin(), s->claim_us.end());
    f.complete_us.insert(f.complete_us.end(), s->complete_us.begin(), s->complete_us.end());
    f.op_us.insert(f.op_us.end(), s->op_us.begin(), s->op_us.end());
    if (f.error.empty() && !s->error.empty())
      f.error = s->error;
  }
  return f;
}

struct verification {
  bool ok = false;
  int64_t completed_events = 0;
  int64_t distinct_completed = 0;
  int64_t leaves_completed = 0;
  int64_t leaves = 0;
};

verification verify(const std::string& db_path, size_t tasks) {
  verification v;
  SQLite::Database db{db_path, SQLite::OPEN_READONLY};
  SQLite::Statement ev{db, "SELECT count(*), count(DISTINCT json_extract(body, '$.id'))"
                           " FROM events WHERE kind = 'task.completed'"};
  if (ev.executeStep()) {
    v.completed_events = ev.getColumn(0).getInt64();
    v.distinct_completed = ev.getColumn(1).getInt64();
  }
  SQLite::Statement pr{db, "SELECT count(*), sum(state = 'completed') FROM tasks"
                           " WHERE leaf = 1"};
  if (pr.executeStep()) {
    v.leaves = pr.getColumn(0).getInt64();
    v.leaves_completed = pr.getColumn(1).getInt64();
  }
  const auto n = static_cast<int64_t>(tasks);
  v.ok = v.completed_events == n && v.distinct_completed == n && v.leaves == n &&
         v.leaves_completed == n;
  return v;
}

double percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse_args(argc, argv);

  char tmpl[] = "/tmp/swarm-claim-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    die("cannot create a temporary directory");
  const fs::path tmpdir{tmpl};
  const std::string db_path = o.db.empty() ? (tmpdir / "swarm.db").string() : o.db;
  if (!o.db.empty() && fs::exists(o.db))
    die(o.db + " exists: the bench needs a fresh database");
  const std::string plan_path = (tmpdir / "plan.json").string();

  auto text = make_plan(o.tasks, o.seed);
  {
    std::ofstream out{plan_path, std::ios::binary};
    out << text;
    if (!out)
      die("cannot write " + plan_path);
  }

  auto load = load_phase(o, db_path, plan_path, text);
  auto run = run_phase(o, db_path);
  auto check = verify(db_path, o.tasks);
  check.ok = check.ok && run.error.empty();

  // Hand-written so numbers read as 0.123 rather than Boost.JSON's 1.23E-1.
  std::string out = "{";
  auto field = [&](const char* key, const std::string& raw) {
    if (out.size() > 1)
      out += ",";
    out += "\"";
    out += key;
    out += "\":" + raw;
  };
  auto fixed = [](double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return std::string{buf};
  };
  auto quoted = [](const std::string& v) { return json::serialize(json::value(v)); };
  const double ops_per_s =
    run.seconds > 0 ? static_cast<double>(run.completed) / run.seconds : 0.0;
  field("bench", quoted("claim_complete"));
  field("tasks", std::to_string(o.tasks));
  field("agents", std::to_string(o.agents));
  field("ops", std::to_string(run.completed));
  field("seconds", fixed(run.seconds, 3));
  field("ops_per_s", fixed(ops_per_s, 0));
  field("claim_p50_us", fixed(percentile(run.claim_us, 0.50), 0));
  field("claim_p99_us", fixed(percentile(run.claim_us, 0.99), 0));
  field("complete_p50_us", fixed(percentile(run.complete_us, 0.50), 0));
  field("complete_p99_us", fixed(percentile(run.complete_us, 0.99), 0));
  field("op_p50_us", fixed(percentile(run.op_us, 0.50), 0));
  field("op_p99_us", fixed(percentile(run.op_us, 0.99), 0));
  field("commits", std::to_string(run.commits));
  field("events_per_commit",
        fixed(run.commits > 0 ? static_cast<double>(run.events) / run.commits : 0.0, 1));
  field("batches_per_commit",
        fixed(run.commits > 0 ? static_cast<double>(run.batches) / run.commits : 0.0, 1));
  field("plan_load_s", fixed(load.load_s, 3));
  field("plan_parse_s", fixed(load.parse_s, 3));
  field("plan_bytes", std::to_string(text.size()));
  field("restore_s", fixed(run.restore_s, 3));
  field("sync", quoted(o.sync_full ? "full" : "normal"));
  field("agent_timeouts", o.agent_timeouts ? "true" : "false");
  field("verified", check.ok ? "true" : "false");
  field("completed_events", std::to_string(check.completed_events));
  field("db", quoted(db_path));
  if (!run.error.empty())
    field("error", quoted(run.error));
  out += "}";
  std::cout << out << std::endl;

  if (!o.keep) {
    std::error_code ec;
    if (o.db.empty()) {
      fs::remove_all(tmpdir, ec);
    } else {
      fs::remove(plan_path, ec);
      fs::remove(tmpdir, ec);
    }
  }
  return check.ok ? 0 : 1;
}
