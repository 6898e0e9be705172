// The embedding facade behind include/swarm/engine.hpp: opens the database, restores
// the graph, spawns and wires the actors, and turns blocking API calls into requests.

#include "actors/engine_impl.hpp"

#include "actors/agent/agent.hpp"
#include "actors/control/dispatcher.hpp"
#include "actors/mail_router/mail_export.hpp"
#include "actors/mail_router/mailbox.hpp"
#include "actors/reservations/reservation_table.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "persistence/reader.hpp"
#include "persistence/replay.hpp"
#include "plans/plan_loader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <filesystem>
#include <random>
#include <sys/resource.h>
#include <unistd.h>

namespace swarm {

namespace {

namespace fs = std::filesystem;

constexpr auto stop_timeout = std::chrono::seconds(30);

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
    return db.err();
  if (persistence::schema_version(**db) == persistence::current_schema_version)
    return db;
  db->reset();
  {
    auto lock = persistence::db_lock::acquire(opts.db_path);
    if (!lock)
      return lock.err();
    auto writer = persistence::open_database(opts.db_path, persistence::sync_mode::full);
    if (!writer)
      return writer.err();
  }
  return persistence::open_database_readonly(opts.db_path);
}

// Every running model holds about five descriptors (two pipes, a pidfd, two files).
// When `agents` of them would not fit under the soft limit, raise it (up to the hard
// limit) — and say so, since it is the embedding program's process too.
void make_room_for_models(size_t agents) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0)
    return;
  const rlim_t needed = static_cast<rlim_t>(agents) * 6 + 256;
  if (r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= needed)
    return;
  auto before = r.rlim_cur;
  r.rlim_cur = r.rlim_max == RLIM_INFINITY ? needed : std::min(needed, r.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &r) == 0)
    spdlog::info("raised the open-file limit from {} to {} for {} agents", before, r.rlim_cur,
                 agents);
  if (r.rlim_cur < needed)
    spdlog::warn("{} agents may need {} open files; the hard limit is {}", agents, needed,
                 r.rlim_cur);
}

agent_status to_status(const agent_info& a) {
  return agent_status{a.name,     a.model,  a.state,           a.current_task,
                      a.completed, a.failed, a.skills,          a.session.empty(),
                      a.pid,       a.last_heartbeat_us};
}

} // namespace

engine::engine(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

engine::~engine() { impl_->shutdown(); }

const options& engine::opts() const { return impl_->opts; }

expected<std::unique_ptr<engine>> engine::open(const options& opts) {
  // Diagnostics belong on stderr (stdout carries results, e.g. --json). Replace only
  // spdlog's stock logger (unnamed), never one the embedding program installed.
  static std::once_flag log_once;
  std::call_once(log_once, [] {
    if (spdlog::default_logger()->name().empty())
      spdlog::set_default_logger(spdlog::stderr_color_mt("swarm"));
  });
  auto p = std::make_unique<impl>();
  p->opts = opts;
  if (p->opts.db_path.empty())
    return make_error(errc::bad_request, "the database path is empty");
  auto strategy = strategies::parse_kind(p->opts.strategy);
  if (!strategy)
    return make_error(errc::bad_request, "unknown claim strategy '" + p->opts.strategy +
                                             "'; use one of " + strategies::kind_names());
  if (!p->opts.inspect_only) {
    auto lock = persistence::db_lock::acquire(p->opts.db_path);
    if (!lock)
      return lock.err();
    p->lock = std::move(*lock);
  }
  auto db = p->opts.inspect_only
              ? open_for_reading(p->opts)
              : persistence::open_database(p->opts.db_path,
                                           p->opts.sync_full ? persistence::sync_mode::full
                                                             : persistence::sync_mode::normal);
  if (!db)
    return db.err();
  auto stored_mail = persistence::read_messages(**db);
  if (!stored_mail)
    return stored_mail.err();
  auto mail_states = persistence::read_copy_states(**db);
  if (!mail_states)
    return mail_states.err();
  auto followers = persistence::read_mail_followers(**db);
  if (!followers)
    return followers.err();
  uint64_t next_reservation = 1;
  auto stored_reservations = persistence::read_reservations(**db, next_reservation);
  if (!stored_reservations)
    return stored_reservations.err();
  auto stored_leases = persistence::read_leases(**db);
  if (!stored_leases)
    return stored_leases.err();
  auto stored = persistence::read_tasks(**db);
  if (!stored)
    return stored.err();
  auto graph = std::make_shared<task_graph>();
  if (auto r = graph->restore(std::move(*stored), persistence::now_us()); !r)
    return r.err();
  auto earlier = persistence::read_agents(**db);
  if (!earlier)
    return earlier.err();
  auto open_runs = persistence::read_open_model_runs(**db);
  if (!open_runs)
    return open_runs.err();

  p->sys_cfg = std::make_unique<caf::actor_system_config>();
  if (p->opts.worker_threads > 0)
    p->sys_cfg->set("scheduler.max-threads", static_cast<size_t>(p->opts.worker_threads));
  p->sys = std::make_unique<caf::actor_system>(*p->sys_cfg);
  p->persist = persistence::spawn_persistence(
    *p->sys, persistence::persistence_config{std::shared_ptr<SQLite::Database>(std::move(*db)),
                                             p->opts.db_path, p->opts.inspect_only});
  task_queue_config tq_cfg;
  tq_cfg.lease_ttl_us = p->opts.lease_ttl_ms * 1000;
  tq_cfg.max_attempts = std::max<uint32_t>(1, p->opts.max_attempts);
  tq_cfg.read_only = p->opts.inspect_only;
  tq_cfg.retry_backoff_us = std::max<int64_t>(0, p->opts.retry_backoff_ms) * 1000;
  tq_cfg.strategy = *strategy;
  tq_cfg.limits.prefix = p->opts.prefix;
  tq_cfg.limits.max_depth = p->opts.max_depth;
  p->queue = spawn_task_queue(*p->sys, p->persist, graph, tq_cfg);

  coordinator_config co_cfg;
  co_cfg.heartbeat_interval_us = std::max<int64_t>(1, p->opts.heartbeat_ms) * 1000;
  co_cfg.read_only = p->opts.inspect_only;
  co_cfg.release_hooks.push_back(caf::actor_cast<caf::actor>(p->queue));
  {
    auto table = std::make_shared<reservation_table>();
    for (const auto& r : *stored_reservations)
      table->restore(r);
    for (const auto& l : *stored_leases)
      table->restore(l);
    table->set_next_number(next_reservation);
    registry_config rc;
    rc.read_only = p->opts.inspect_only;
    rc.heartbeat_interval_us = std::max<int64_t>(1, p->opts.heartbeat_ms) * 1000;
    p->registry = spawn_registry(*p->sys, p->persist, std::move(table), rc);
  }
  co_cfg.release_hooks.push_back(caf::actor_cast<caf::actor>(p->registry));
  {
    memory_store_config mc;
    mc.db_path = p->opts.db_path;
    mc.read_only = p->opts.inspect_only;
    mc.embedder = p->opts.embedder;
    mc.embedder_model = p->opts.embedder_model;
    mc.embedder_key_env = p->opts.embedder_key_env;
    p->memory = spawn_memory_store(*p->sys, p->persist, std::move(mc));
  }
  // In-process agents died with their session; outside agents live on (and go stale
  // if they stopped heartbeating).
  std::vector<std::string> still_marked_live;
  for (const auto& a : *earlier) {
    agent_info info;
    info.name = a.name;
    info.model = a.model;
    info.skills = a.skills;
    info.session = a.session;
    info.state = a.session.empty() ? a.state : "offline";
    info.current_task = a.session.empty() ? a.current_task : "";
    info.completed = a.completed;
    info.failed = a.failed;
    info.last_heartbeat_us = a.last_heartbeat_us;
    co_cfg.earlier.push_back(info);
    if (!a.session.empty() && a.state != "offline")
      still_marked_live.push_back(a.name);
  }
  if (!p->opts.inspect_only) {
    p->session = new_session_id();
    co_cfg.session = p->session;
    co_cfg.seed = std::hash<std::string>{}(p->session);
  }
  p->coordinator = spawn_coordinator(*p->sys, p->persist, co_cfg);
  caf::anon_send(p->registry, coordinator_atom_v, caf::actor_cast<caf::actor>(p->coordinator));
  {
    auto box = std::make_shared<mailbox>();
    box->restore(std::move(*stored_mail));
    for (const auto& f : *followers)
      box->follow(f, true);
    for (const auto& c : *mail_states)
      if (auto r = box->restore_copy(c.message, c.recipient, c.state, c.read_us, c.acked_us); !r)
        return make_error(errc::storage_error, "stored mail is inconsistent: " +
                                                   r.err().message +
                                                   "; run `swarm replay --verify`");
    p->mail = spawn_mail_router(*p->sys, p->persist, p->coordinator, std::move(box),
                                mail_router_config{p->opts.inspect_only});
    p->mail_search = spawn_mail_search(*p->sys, p->opts.db_path);
    caf::anon_send(p->queue, mail_sink_atom_v, caf::actor_cast<caf::actor>(p->mail));
    caf::anon_send(p->coordinator, mail_sink_atom_v, caf::actor_cast<caf::actor>(p->mail));
    caf::anon_send(p->registry, mail_sink_atom_v, caf::actor_cast<caf::actor>(p->mail));
  }

  if (!p->opts.inspect_only) {
    // A new session: record it, mark the agents of the previous one stopped, and
    // return the claims they held (their processes died with that session).
    std::vector<persistence::event> events;
    auto now = persistence::now_us();
    events.push_back(persistence::make_event(
      persistence::event_kind::engine_started,
      boost::json::object{{"session", p->session},
                          {"pid", static_cast<int64_t>(getpid())},
                          {"host", persistence::hostname()},
                          {"version", "0.1.0"}},
      now));
    for (const auto& name : still_marked_live)
      events.push_back(persistence::make_event(
        persistence::event_kind::agent_stopped,
        boost::json::object{{"name", name}, {"reason", "engine restarted"}}, now));
    // Model subprocesses of a dead session: their process groups must not live on
    // (the direct child died with its parent's thread; its background jobs may not
    // have). Their attempts come back with the recovered claims below.
    for (const auto& r : *open_runs) {
      bool killed = harness::kill_leftover_group(r.pid, r.start_ticks);
      if (killed)
        spdlog::warn("killed model process group {} left by a previous session (task {})",
                     r.pid, r.task);
      events.push_back(persistence::make_event(
        persistence::event_kind::model_finished,
        boost::json::object{{"task", r.task},
                            {"attempt", r.attempt},
                            {"exit_code", -1},
                            {"signal", killed ? 9 : 0},
                            {"outcome", killed ? "abandoned: killed at restart"
                                               : "abandoned: engine died"}},
        now));
    }
    auto r = p->ask<int64_t>(p->persist, persistence::append_atom_v,
                             persistence::event_batch{std::move(events)});
    if (!r)
      return r.err();
    // Only in-process agents die with their session; a claim taken by an outside
    // worker (`swarm claim`, the embedding API) lives until its lease expires, even
    // under a name an in-process agent once had.
    auto recovered = p->ask<uint64_t>(p->queue, recover_atom_v, session_atom_v, p->session,
                                      std::string{"recovered at restart: the claim was held "
                                                  "by an agent of a previous engine session"});
    if (!recovered)
      return recovered.err();
    if (*recovered > 0)
      spdlog::info("recovered {} claimed task(s) from the previous session", *recovered);
    auto freed = p->ask<uint64_t>(p->registry, recover_atom_v, session_atom_v);
    if (!freed)
      return freed.err();
    if (*freed > 0)
      spdlog::info("released {} reservation(s) and lease(s) of offline agents", *freed);
  }
  return std::unique_ptr<engine>{new engine(std::move(p))};
}

void engine::impl::shutdown() {
  if (!sys)
    return;
  server.reset();
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

expected<plan_report> engine::load_plan(const std::string& path, const plan_options& o) {
  plans::load_options lo;
  lo.prefix = o.prefix.empty() ? impl_->opts.prefix : o.prefix;
  lo.max_depth = o.max_depth.value_or(impl_->opts.max_depth);
  auto p = plans::load_plan_file(path, lo);
  if (!p)
    return p.err();
  auto r = impl_->ask<load_report>(impl_->queue, load_atom_v, std::move(*p));
  if (!r)
    return r.err();
  return plan_report{path, r->added, r->already_present, r->total};
}

expected<std::vector<std::string>> engine::add_agents(size_t n, const agent_options& a) {
  auto& im = *impl_;
  if (im.opts.inspect_only)
    return make_error(errc::invalid_state, "an engine opened inspect_only runs no agents");
  harness::adapter_options ao;
  ao.binary = a.model_binary;
  ao.model = a.model_name;
  ao.extra_args = a.model_args;
  ao.min_work_ms = a.min_work_ms;
  ao.max_work_ms = std::max(a.min_work_ms, a.max_work_ms);
  ao.fail_rate = a.fail_rate;
  ao.seed = a.seed;
  auto made = harness::make_adapter(a.model, ao);
  if (!made)
    return made.err();
  std::shared_ptr<const harness::model_adapter> adapter{std::move(*made)};
  std::error_code ec;
  auto workdir = fs::absolute(a.workdir.empty() ? fs::current_path(ec) : fs::path{a.workdir}, ec);
  if (ec || !fs::is_directory(workdir, ec))
    return make_error(errc::bad_request,
                      "the agents' working directory '" + workdir.string() + "' does not exist");
  auto db_dir = fs::absolute(fs::path{im.opts.db_path}, ec).parent_path();
  std::vector<std::string> names;
  std::lock_guard<std::mutex> guard{im.mtx};
  if (!im.runner)
    im.runner = std::make_shared<harness::process_runner>();
  make_room_for_models(im.agents.size() + n);
  for (size_t i = 0; i < n; ++i) {
    agent_config cfg;
    cfg.profile.name = i < a.names.size() ? a.names[i] : std::string{};
    cfg.profile.model = a.model;
    cfg.profile.skills = a.skills;
    cfg.profile.session = im.session;
    auto reg = im.ask<agent_info>(im.coordinator, register_atom_v, cfg.profile);
    if (!reg)
      return reg.err();
    cfg.profile = *reg;
    cfg.adapter = adapter;
    cfg.runner = im.runner;
    cfg.persistence = im.persist;
    cfg.mail = im.mail;
    cfg.registry = im.registry;
    cfg.memory = im.memory;
    cfg.workdir = workdir.string();
    cfg.runs_dir = (db_dir / "runs").string();
    cfg.env = {{"SWARM_DB", fs::absolute(im.opts.db_path, ec).string()},
               {"SWARM_SOCKET", fs::absolute(control_socket_path(im.opts), ec).string()}};
    cfg.timeout_ms = a.timeout_ms;
    cfg.kill_grace_ms = a.kill_grace_ms;
    cfg.output_cap_bytes = a.output_cap_bytes;
    // Beat often enough to renew the claim's lease well before it runs out.
    cfg.heartbeat_us = std::max<int64_t>(
      10'000, std::min(im.opts.heartbeat_ms * 1000, im.opts.lease_ttl_ms * 1000 / 3));
    im.agents.push_back(spawn_agent(*im.sys, im.queue, im.coordinator, std::move(cfg)));
    names.push_back(reg->name);
  }
  return names;
}

expected<run_summary> engine::run_until_done(std::function<void(const progress&)> on_progress) {
  auto& im = *impl_;
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto run_id = im.session + "-" + std::to_string(++im.runs);
  auto agents_snapshot = [&] {
    std::lock_guard<std::mutex> guard{im.mtx};
    return im.agents;
  }();
  auto r = im.ask<int64_t>(im.persist, persistence::append_atom_v,
                           persistence::event_batch{{persistence::make_event(
                             persistence::event_kind::run_started,
                             boost::json::object{{"run", run_id},
                                                 {"agents", agents_snapshot.size()}},
                             persistence::now_us())}});
  if (!r)
    return r.err();
  im.run_state = "running";
  caf::scoped_actor self{*im.sys};
  for (auto& a : agents_snapshot) {
    self->monitor(a);
    self->send(a, start_atom_v);
  }
  caf::anon_send(im.queue, start_atom_v, static_cast<uint32_t>(agents_snapshot.size()));
  self->send(im.queue, subscribe_atom_v, caf::actor{self});
  task_counts last;
  bool drained = false;
  size_t alive = agents_snapshot.size();
  while (!drained) {
    self->receive(
      [&](progress_atom, const task_counts& c) {
        last = c;
        if (on_progress)
          on_progress(progress{c, elapsed()});
      },
      [&](drained_atom, const task_counts& c) {
        last = c;
        drained = true;
      },
      [&](const caf::down_msg&) { --alive; },
      caf::after(std::chrono::seconds(1)) >> [] {});
  }
  // Agents stop themselves once the queue drains; wait for them to report it.
  auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  while (alive > 0 && std::chrono::steady_clock::now() < deadline)
    self->receive([&](const caf::down_msg&) { --alive; },
                  [&](progress_atom, const task_counts&) {},
                  [&](drained_atom, const task_counts&) {},
                  caf::after(std::chrono::milliseconds(200)) >> [] {});
  {
    std::lock_guard<std::mutex> guard{im.mtx};
    im.agents.clear();
  }
  auto final_counts = im.ask<task_counts>(im.queue, status_atom_v);
  if (final_counts)
    last = *final_counts;
  run_summary summary;
  summary.tasks = last;
  summary.elapsed_seconds = elapsed();
  summary.success = last.completed + last.cancelled == last.total(); // nothing failed or blocked
  if (auto agents = im.ask<std::vector<agent_info>>(im.coordinator, list_atom_v))
    for (const auto& a : *agents)
      if (a.state != "offline" || a.completed + a.failed > 0)
        summary.agents.push_back(to_status(a));
  boost::json::object finished{{"run", run_id},
                               {"outcome", summary.success ? "completed" : "incomplete"},
                               {"summary",
                                boost::json::object{{"completed", last.completed},
                                                    {"failed", last.failed},
                                                    {"blocked", last.blocked},
                                                    {"total", last.total()},
                                                    {"seconds", summary.elapsed_seconds}}}};
  auto fin = im.ask<int64_t>(im.persist, persistence::append_atom_v,
                             persistence::event_batch{{persistence::make_event(
                               persistence::event_kind::run_finished, std::move(finished),
                               persistence::now_us())}});
  if (!fin)
    return fin.err();
  im.run_state = "finished";
  return summary;
}

expected<status_report> engine::status() {
  auto counts = impl_->ask<task_counts>(impl_->queue, status_atom_v);
  if (!counts)
    return counts.err();
  auto agents = impl_->ask<std::vector<agent_info>>(impl_->coordinator, list_atom_v);
  if (!agents)
    return agents.err();
  status_report out;
  out.tasks = *counts;
  for (const auto& a : *agents)
    out.agents.push_back(to_status(a));
  out.run_state = impl_->run_state.load();
  out.session = impl_->session;
  return out;
}

expected<std::vector<agent_status>> engine::agents() {
  auto r = impl_->ask<std::vector<agent_info>>(impl_->coordinator, list_atom_v);
  if (!r)
    return r.err();
  // An outside agent's current task is the one it holds a claim on (its claims are
  // journaled with the tasks; the registry does not see them).
  std::map<std::string, std::string> held;
  if (auto claimed = impl_->ask<std::vector<task>>(impl_->queue, list_atom_v,
                                                   task_filter{false, {}, true}))
    for (const auto& t : *claimed)
      if (t.claim_session.empty())
        held.emplace(t.claimed_by, t.spec.id);
  std::vector<agent_status> out;
  for (const auto& a : *r) {
    out.push_back(to_status(a));
    auto& s = out.back();
    if (s.outside && s.current_task.empty() && s.state != "offline")
      if (auto it = held.find(s.name); it != held.end())
        s.current_task = it->second;
  }
  return out;
}

expected<agent_status> engine::register_agent(const std::string& name,
                                              const std::vector<std::string>& skills,
                                              const std::string& model) {
  agent_info a;
  a.name = name;
  a.skills = skills;
  a.model = model.empty() ? std::string{"outside"} : model;
  auto r = impl_->ask<agent_info>(impl_->coordinator, register_atom_v, std::move(a));
  if (!r)
    return r.err();
  return to_status(*r);
}

expected<agent_status> engine::heartbeat(const std::string& name) {
  auto r = impl_->ask<agent_info>(impl_->coordinator, heartbeat_atom_v, name);
  if (!r)
    return r.err();
  return to_status(*r);
}

expected<agent_status> engine::set_agent_state(const std::string& name,
                                               const std::string& state) {
  auto r = impl_->ask<agent_info>(impl_->coordinator, set_state_atom_v, name, state);
  if (!r)
    return r.err();
  return to_status(*r);
}

expected<graph_report> engine::graph() {
  return impl_->ask<graph_report>(impl_->queue, graph_atom_v);
}

expected<std::vector<task>> engine::tasks(bool ready_only) {
  return impl_->ask<std::vector<task>>(impl_->queue, list_atom_v,
                                       task_filter{ready_only, {}, false});
}

expected<task> engine::task_by_id(const std::string& id) {
  auto r = impl_->ask<std::vector<task>>(impl_->queue, list_atom_v, task_filter{false, id, false});
  if (!r)
    return r.err();
  return std::move(r->front());
}

expected<std::optional<claimed_task>> engine::claim(const std::string& agent) {
  // A registered agent claims with its skills (they decide which tasks are open to it).
  claim_request req{agent, false, {}, false, {}};
  if (auto known = impl_->ask<std::vector<agent_info>>(impl_->coordinator, list_atom_v)) {
    for (auto& a : *known)
      if (a.name == agent) req.skills = std::move(a.skills);
  }
  auto r = impl_->ask<claim_result>(impl_->queue, claim_atom_v, std::move(req));
  if (!r)
    return r.err();
  if (!r->claimed)
    return std::optional<claimed_task>{};
  auto attempt = r->t.attempts;
  return std::optional<claimed_task>{claimed_task{std::move(r->t), attempt}};
}

expected<task_change> engine::complete(const std::string& id, const std::string& agent,
                                       uint32_t attempt, const std::string& result) {
  auto r = impl_->ask<task_change>(impl_->queue, complete_atom_v,
                            task_report{id, agent, attempt, result, {}});
  if (r) // an outside agent's tally (the projection counts it from the journal too)
    caf::anon_send(impl_->coordinator, complete_atom_v, agent, true);
  return r;
}

expected<task_change> engine::fail(const std::string& id, const std::string& agent,
                                   uint32_t attempt, const std::string& reason) {
  auto r = impl_->ask<task_change>(impl_->queue, fail_atom_v,
                            task_report{id, agent, attempt, reason, {}});
  if (r)
    caf::anon_send(impl_->coordinator, complete_atom_v, agent, false);
  return r;
}

expected<task_change> engine::add_task(const new_task& t) {
  task_edit e;
  e.op = "add";
  e.spec.title = t.title;
  e.spec.description = t.description;
  e.spec.parent = t.parent;
  e.prefix = t.prefix;
  e.spec.depends = t.depends;
  e.spec.skills = t.skills;
  e.spec.files = t.files;
  e.spec.priority = t.priority;
  e.spec.estimate_minutes = t.estimate_minutes;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::update_task(const std::string& id, const task_update& u) {
  task_edit e;
  e.op = "update";
  e.id = id;
  auto set = [&](const auto& field, const char* name, auto& into) {
    if (!field) return;
    into = *field;
    e.fields.emplace_back(name);
  };
  set(u.title, "title", e.spec.title);
  set(u.description, "description", e.spec.description);
  set(u.priority, "priority", e.spec.priority);
  set(u.skills, "skills", e.spec.skills);
  set(u.files, "files", e.spec.files);
  set(u.estimate_minutes, "estimate", e.spec.estimate_minutes);
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

namespace {
task_edit simple_edit(std::string op, const std::string& id) {
  task_edit e;
  e.op = std::move(op);
  e.id = id;
  return e;
}
} // namespace

expected<task_change> engine::cancel_task(const std::string& id, const std::string& reason) {
  auto e = simple_edit("cancel", id);
  e.reason = reason;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::reopen_task(const std::string& id) {
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, simple_edit("reopen", id));
}

expected<task_change> engine::defer_task(const std::string& id, int64_t until_us) {
  auto e = simple_edit("defer", id);
  e.until_us = until_us;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::add_dependency(const std::string& task, const std::string& on,
                                             dependency_kind kind) {
  auto e = simple_edit("dep-add", task);
  e.other = on;
  e.kind = to_string(kind);
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::remove_dependency(const std::string& task, const std::string& on) {
  auto e = simple_edit("dep-rm", task);
  e.other = on;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<mail_message> engine::send_mail(const mail_draft& d) {
  return impl_->ask<mail_message>(impl_->mail, mail_send_atom_v, d);
}

expected<mail_message> engine::reply_mail(const std::string& message_id,
                                          const std::string& from, const std::string& body) {
  return impl_->ask<mail_message>(impl_->mail, mail_reply_atom_v, message_id, from, body);
}

expected<std::vector<mail_copy>> engine::inbox(const std::string& agent,
                                               const inbox_filter& f) {
  return impl_->ask<std::vector<mail_copy>>(impl_->mail, inbox_atom_v, agent, f);
}

expected<mail_copy> engine::read_mail(const std::string& agent, const std::string& message_id) {
  return impl_->ask<mail_copy>(impl_->mail, mark_atom_v, agent, message_id, false);
}

expected<mail_copy> engine::ack_mail(const std::string& agent, const std::string& message_id) {
  return impl_->ask<mail_copy>(impl_->mail, mark_atom_v, agent, message_id, true);
}

expected<std::vector<mail_message>> engine::mail_thread(const std::string& id,
                                                        const std::string& viewer) {
  return impl_->ask<std::vector<mail_message>>(impl_->mail, thread_atom_v, id, viewer);
}

expected<std::vector<mail_message>> engine::search_mail(const std::string& query,
                                                        const std::string& viewer,
                                                        uint32_t limit) {
  return impl_->ask<std::vector<mail_message>>(impl_->mail_search, search_atom_v, query, viewer,
                                               limit);
}

expected<std::vector<std::string>> engine::export_mail(const std::string& dir) {
  // Reads what is committed through its own connection, and writes on this thread:
  // no actor waits for the files.
  auto db = persistence::open_database_readonly(impl_->opts.db_path);
  if (!db)
    return db.err();
  auto messages = persistence::read_messages(**db);
  if (!messages)
    return messages.err();
  auto states = persistence::read_copy_states(**db);
  if (!states)
    return states.err();
  std::vector<std::string> names;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::io_error, "cannot create " + dir + ": " + ec.message());
  for (auto& f : render_mail_threads(*messages, *states)) {
    const fs::path target = fs::path{dir} / f.name;
    const fs::path tmp = fs::path{dir} / ("." + f.name + ".tmp");
    {
      std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
      out << f.content;
      if (!out.flush())
        return make_error(errc::io_error, "cannot write " + tmp.string());
    }
    fs::rename(tmp, target, ec); // a reader never sees half a file
    if (ec)
      return make_error(errc::io_error, "cannot write " + target.string() + ": " + ec.message());
    names.push_back(f.name);
  }
  return names;
}

expected<bool> engine::follow_mail(const std::string& agent, bool on) {
  return impl_->ask<bool>(impl_->mail, follow_atom_v, agent, on);
}

expected<std::vector<mail_copy>> engine::unacked_mail(int64_t older_than_ms) {
  return impl_->ask<std::vector<mail_copy>>(impl_->mail, unacked_atom_v,
                                            persistence::now_us() - older_than_ms * 1000);
}

std::string engine::execute(const std::string& request_json) {
  return dispatch_command(*this, request_json);
}

expected<std::string> engine::serve_control_socket() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (impl_->server)
    return impl_->server->path();
  auto path = control_socket_path(impl_->opts);
  auto s = control_server::start(path, [this](const std::string& line) {
    return dispatch_command(*this, line);
  });
  if (!s)
    return s.err();
  impl_->server = std::move(*s);
  return path;
}

std::string control_socket_path(const options& opts) {
  if (!opts.control_socket.empty())
    return opts.control_socket;
  auto dir = std::filesystem::path{opts.db_path}.parent_path();
  return (dir / "control.sock").string();
}

expected<std::string> call_control_socket(const std::string& socket_path,
                                          const std::string& request_json) {
  return control_call(socket_path, request_json);
}

expected<replay_report> verify_replay(const std::string& db_path) {
  auto r = persistence::verify_replay(db_path);
  if (!r)
    return r.err();
  return replay_report{r->events, r->rows_compared, r->match, r->difference};
}

} // namespace swarm
