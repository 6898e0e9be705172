// The engine's life: open (restore what the database holds, spawn and wire the actors,
// recover what the previous session left) and shutdown. The API calls live beside
// this file, one file per area.

#include "actors/engine/diagnostics.hpp"
#include "actors/engine/engine_impl.hpp"

#include "persistence/journal_feed.hpp"

#include "actors/mail_router/mailbox.hpp"
#include "actors/reservations/reservation_table.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "harness/process_runner.hpp"
#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <random>
#include <unistd.h>

namespace swarm {

// Everything the actors start from, read from the projections before any exists.
struct opening_state {
  std::unique_ptr<SQLite::Database> db;
  std::shared_ptr<task_graph> graph;
  std::vector<std::string> followers;
  std::vector<std::string> mail_roster;
  std::vector<reservation> reservations;
  uint64_t next_reservation = 1;
  std::vector<lease> leases;
  std::vector<persistence::stored_agent> agents;
  std::vector<persistence::open_model_run> open_runs;
};

namespace {

std::string new_session_id() {
  std::random_device rd;
  std::mt19937_64 rng{(static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(persistence::now_us())};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// An inspect_only engine reads through WAL beside a running writer and takes no lock.
// A database an older swarm wrote is migrated first, which does need the lock, briefly.
expected<std::unique_ptr<SQLite::Database>> open_for_reading(const options& opts) {
  auto db = persistence::open_database_readonly(opts.db_path);
  if (!db)
    return db.error();
  if (persistence::schema_version(**db) == persistence::current_schema_version)
    return db;
  db->reset();
  {
    auto lock = persistence::db_lock::acquire(opts.db_path);
    if (!lock)
      return lock.error();
    auto writer = persistence::open_database(opts.db_path, persistence::sync_mode::full);
    if (!writer)
      return writer.error();
  }
  return persistence::open_database_readonly(opts.db_path);
}

} // namespace

// Takes the writer lock (unless inspect_only), opens the database and reads it.
expected<void> engine::impl::restore(opening_state& s) {
  if (!opts.inspect_only) {
    auto held = persistence::db_lock::acquire(opts.db_path);
    if (!held)
      return held.error();
    lock = std::move(*held);
  }
  auto db = opts.inspect_only
              ? open_for_reading(opts)
              : persistence::open_database(opts.db_path,
                                           opts.sync_full ? persistence::sync_mode::full
                                                            : persistence::sync_mode::normal);
  if (!db)
    return db.error();
  s.db = std::move(*db);
  auto& conn = *s.db;
  // Each read fills its field or ends the restore with its error (a damaged file's
  // pointing to swarm doctor).
  auto read = [this](auto r, auto& into) -> std::optional<error> {
    if (!r)
      return persistence::pointing_to_doctor(opts.db_path, r.error());
    into = std::move(*r);
    return std::nullopt;
  };
  std::vector<task> tasks;
  if (auto e = read(persistence::read_mail_followers(conn), s.followers))
    return *e;
  if (auto e = read(persistence::read_mail_roster(conn), s.mail_roster))
    return *e;
  if (auto e = read(persistence::read_reservations(conn, s.next_reservation), s.reservations))
    return *e;
  if (auto e = read(persistence::read_leases(conn), s.leases))
    return *e;
  if (auto e = read(persistence::read_tasks(conn), tasks))
    return *e;
  if (auto e = read(persistence::read_agents(conn), s.agents))
    return *e;
  if (auto e = read(persistence::read_open_model_runs(conn), s.open_runs))
    return *e;
  s.graph = std::make_shared<task_graph>();
  if (auto r = s.graph->restore(std::move(tasks), persistence::now_us()); !r)
    return r.error();
  return {};
}

namespace {

task_queue_config queue_config(const options& o, claim_strategy strategy) {
  task_queue_config c;
  c.lease_ttl_us = to_us(o.lease_ttl);
  c.max_attempts = std::max<uint32_t>(1, o.max_attempts);
  c.read_only = o.inspect_only;
  c.retry_backoff_us = std::max<int64_t>(0, to_us(o.retry_backoff));
  c.strategy = strategy;
  c.limits.prefix = o.prefix;
  c.limits.max_depth = o.max_depth;
  return c;
}

// In-process agents died with their session; outside agents live on (and go stale if
// they stopped heartbeating).
std::vector<agent_info> earlier_agents(const std::vector<persistence::stored_agent>& stored) {
  std::vector<agent_info> out;
  for (const auto& a : stored) {
    agent_info info;
    info.name = a.name;
    info.model = a.model;
    info.skills = a.skills;
    info.session = a.session;
    info.state = a.session.empty() ? a.state : agent_state::offline;
    info.current_task = a.session.empty() ? a.current_task : "";
    info.completed = a.completed;
    info.failed = a.failed;
    info.last_heartbeat_us = a.last_heartbeat_us;
    info.token_hash = a.token_hash;
    info.usage = a.usage;
    out.push_back(std::move(info));
  }
  return out;
}

} // namespace

// Spawns every actor from the stored state and wires them to one another.
expected<void> engine::impl::spawn_and_wire(opening_state& s, claim_strategy strategy) {
  sys_cfg = std::make_unique<caf::actor_system_config>();
  if (opts.worker_threads > 0)
    sys_cfg->set("scheduler.max-threads", static_cast<size_t>(opts.worker_threads));
  sys = std::make_unique<caf::actor_system>(*sys_cfg);
  try {
    feed = std::make_shared<persistence::journal_feed>(
      opts.db_path, s.db->execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64(),
      !opts.inspect_only);
  } catch (const std::exception& e) {
    return persistence::pointing_to_doctor(
        opts.db_path, {errc::storage_error, "could not read the journal: " + std::string{e.what()}});
  }
  if (!opts.inspect_only) storage = std::make_shared<persistence::storage_gate>(opts.db_path);
  persist = persistence::spawn_persistence(
    *sys, persistence::persistence_config{std::shared_ptr<SQLite::Database>(std::move(s.db)),
                                            opts.db_path, opts.inspect_only, feed, storage});
  auto qc = queue_config(opts, strategy);
  qc.board = board;
  qc.storage = storage;
  queue = spawn_task_queue(*sys, persist, s.graph, std::move(qc));

  const auto heartbeat_us = std::max<int64_t>(1'000, to_us(opts.heartbeat));
  auto table = std::make_shared<reservation_table>();
  for (const auto& r : s.reservations)
    table->restore(r);
  for (const auto& l : s.leases)
    table->restore(l);
  table->set_next_number(s.next_reservation);
  registry_config rc;
  rc.read_only = opts.inspect_only;
  rc.heartbeat_interval_us = heartbeat_us;
  rc.storage = storage;
  registry = spawn_registry(*sys, persist, std::move(table), rc);

  memory_store_config mc;
  mc.db_path = opts.db_path;
  mc.read_only = opts.inspect_only;
  mc.embedder = opts.embedder;
  mc.embedder_model = opts.embedder_model;
  mc.embedder_key_env = opts.embedder_key_env;
  mc.storage = storage;
  memory = spawn_memory_store(*sys, persist, std::move(mc));

  coordinator_config co_cfg;
  co_cfg.heartbeat_interval_us = heartbeat_us;
  co_cfg.read_only = opts.inspect_only;
  co_cfg.release_hooks = {release_hook_actor{queue}, release_hook_actor{registry}};
  co_cfg.earlier = earlier_agents(s.agents);
  co_cfg.board = board;
  co_cfg.storage = storage;
  co_cfg.credentials = credentials;
  if (!opts.inspect_only) {
    co_cfg.session = session;
    co_cfg.seed = std::hash<std::string>{}(session);
  }
  coordinator = spawn_coordinator(*sys, persist, co_cfg);
  caf::anon_send(registry, coordinator_atom_v, coordinator);

  // The mailbox reads the committed mail through a connection of its own.
  auto rows = persistence::mail_rows::open(opts.db_path);
  if (!rows) return persistence::pointing_to_doctor(opts.db_path, rows.error());
  auto box = mailbox::open(std::move(*rows), std::move(s.mail_roster), s.followers);
  if (!box) return persistence::pointing_to_doctor(opts.db_path, box.error());
  mail = spawn_mail_router(*sys, persist, coordinator,
                           std::shared_ptr<mailbox>(std::move(*box)),
                           mail_router_config{opts.inspect_only, storage});
  mail_search = spawn_mail_search(*sys, opts.db_path);
  // Each converts to the narrower handle its holder keeps: checked here, at compile time.
  caf::anon_send(queue, mail_sink_atom_v, event_mail_sink_actor{mail});
  caf::anon_send(coordinator, mail_sink_atom_v, event_mail_sink_actor{mail});
  caf::anon_send(registry, mail_sink_atom_v, notify_mail_sink_actor{mail});
  // An actor runs its start-up (which publishes to the status board) on a scheduler
  // thread, later: one request to each makes sure the board holds their state before
  // the engine answers anything.
  if (auto c = ask<task_counts>(queue, status_atom_v); !c) return c.error();
  if (auto a = ask<std::vector<agent_info>>(coordinator, list_atom_v); !a) return a.error();
  return {};
}

// A new session: record it, mark the agents of the previous one stopped, end their
// model runs, and return the claims, reservations and leases they held (their
// processes died with that session).
expected<void> engine::impl::recover_previous_session(const opening_state& s) {
  std::vector<persistence::event> events;
  auto now = persistence::now_us();
  events.push_back(persistence::make_event(
    persistence::engine_started{session, getpid(), persistence::hostname(), "0.1.0"},
    now));
  for (const auto& a : s.agents)
    if (!a.session.empty() && a.state != agent_state::offline)
      events.push_back(persistence::make_event(
        persistence::agent_stopped{a.name, "engine restarted"}, now));
  // Model subprocesses of a dead session: their process groups must not live on (the
  // direct child died with its parent's thread; its background jobs may not have).
  // Their attempts come back with the recovered claims below.
  for (const auto& r : s.open_runs) {
    bool killed = harness::kill_leftover_group(r.pid, r.start_ticks);
    if (killed)
      spdlog::warn("killed model process group {} left by a previous session (task {})",
                   r.pid, r.task);
    persistence::model_finished abandoned; // no measurements: the run was never reaped
    abandoned.task = r.task;
    abandoned.attempt = r.attempt;
    abandoned.exit_code = -1;
    abandoned.signal = killed ? 9 : 0;
    abandoned.outcome =
      killed ? "abandoned: killed at restart" : "abandoned: engine died";
    events.push_back(persistence::make_event(std::move(abandoned), now));
  }
  if (auto r = journal(std::move(events)); !r)
    return r.error();
  // Only in-process agents die with their session; a claim taken by an outside worker
  // (`swarm claim`, the embedding API) lives until its lease expires, even under a name
  // an in-process agent once had.
  auto recovered = ask<uint64_t>(queue, recover_atom_v, session_atom_v, session,
                                   std::string{"recovered at restart: the claim was held "
                                               "by an agent of a previous engine session"});
  if (!recovered)
    return recovered.error();
  if (*recovered > 0)
    spdlog::info("recovered {} claimed task(s) from the previous session", *recovered);
  auto freed = ask<uint64_t>(registry, recover_atom_v, session_atom_v);
  if (!freed)
    return freed.error();
  if (*freed > 0)
    spdlog::info("released {} reservation(s) and lease(s) of offline agents", *freed);
  return {};
}

engine::engine(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

engine::~engine() { impl_->shutdown(); }

const options& engine::opts() const { return impl_->opts; }

void diagnostics_to_stderr() {
  static std::once_flag log_once;
  std::call_once(log_once, [] {
    if (spdlog::default_logger()->name().empty())
      spdlog::set_default_logger(spdlog::stderr_color_mt("swarm"));
  });
}

expected<std::unique_ptr<engine>> engine::open(const options& opts) {
  diagnostics_to_stderr();
  auto p = std::make_unique<impl>();
  p->opts = opts;
  p->meter = std::make_shared<harness::run_meter>(opts.budget_usd);
  if (p->opts.db_path.empty())
    return make_error(errc::bad_request, "the database path is empty");
  opening_state stored;
  if (auto r = p->restore(stored); !r)
    return r.error();
  if (!p->opts.inspect_only)
    p->session = new_session_id();
  // From here on actors run: a failure stops them before it is returned (the actor
  // system would otherwise wait for them forever when impl goes).
  if (auto r = p->spawn_and_wire(stored, p->opts.strategy); !r) {
    p->shutdown();
    return r.error();
  }
  if (!p->opts.inspect_only)
    if (auto r = p->recover_previous_session(stored); !r) {
      p->shutdown();
      return r.error();
    }
  return std::unique_ptr<engine>{new engine(std::move(p))};
}

expected<void> engine::impl::journal(std::vector<persistence::event> events) {
  auto r = ask<int64_t>(persist, persistence::append_atom_v,
                        persistence::event_batch{std::move(events)});
  if (!r)
    return r.error();
  return {};
}

void engine::impl::shutdown() {
  if (!sys)
    return;
  // Taken out under the lock, stopped outside it: a transport's last requests may still
  // need the lock (an engine call) while it waits for them.
  std::unique_ptr<transport> stopping_http, stopping_socket;
  {
    std::lock_guard<std::mutex> guard{mtx};
    stopping_http = std::move(http);
    stopping_socket = std::move(control_socket);
    closing = true;
    if (baseline_runner) baseline_runner->close(); // its checks end, nothing is recorded
  }
  // Wakes the HTTP stream workers waiting for events, so the server stops promptly.
  if (feed)
    feed->close();
  stopping_http.reset();
  stopping_socket.reset();
  stop_actors();
  runner.reset(); // kills what still runs; its last callbacks go to stopped actors
  sys.reset();    // waits for every actor
  lock.release();
}

void engine::impl::stop_actors() {
  caf::scoped_actor self{*sys};
  auto stop = [&](const caf::actor& a) {
    if (!a)
      return;
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {},
                  caf::after(stop_timeout) >> [] {
                    spdlog::warn("an actor did not stop in time");
                  });
  };
  {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& a : agents)
      stop(caf::actor_cast<caf::actor>(a));
    agents.clear();
  }
  stop(caf::actor_cast<caf::actor>(queue));
  stop(caf::actor_cast<caf::actor>(mail));
  stop(caf::actor_cast<caf::actor>(mail_search));
  stop(caf::actor_cast<caf::actor>(registry));
  if (memory) {
    // Its index is a cache of the journal: saved now, it need not be repaired at the
    // next start.
    self->request(memory, stop_timeout, flush_atom_v)
      .receive([](bool) {},
               [](caf::error& err) {
                 spdlog::warn("memory index not saved: {}", from_caf(err).to_string());
               });
  }
  stop(caf::actor_cast<caf::actor>(memory));
  stop(caf::actor_cast<caf::actor>(coordinator));
  // Everything the producers sent is in the persistence mailbox: commit it, then stop.
  self->request(persist, stop_timeout, persistence::sync_atom_v)
    .receive([](int64_t) {},
             [](caf::error& err) {
               spdlog::error("final commit failed: {}", from_caf(err).to_string());
             });
  stop(caf::actor_cast<caf::actor>(persist));
  // A detached actor's thread ends only once no handle refers to it.
  persist = nullptr;
  queue = nullptr;
  mail = nullptr;
  mail_search = nullptr;
  registry = nullptr;
  memory = nullptr;
  coordinator = nullptr;
}

} // namespace swarm
