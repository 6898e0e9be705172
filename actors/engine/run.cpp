// The engine's run API: agents added to this engine (each an AgentHarness actor running
// a model subprocess per claimed task) and the run that drives them until no work is
// left.
#include "actors/engine/engine_impl.hpp"

#include "actors/agent/workspace_actor.hpp"
#include "harness/model_gate.hpp"
#include "harness/process_runner.hpp"
#include "harness/run_meter.hpp"
#include "persistence/database.hpp"
#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <sys/resource.h>

namespace swarm {

namespace {

namespace fs = std::filesystem;

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

} // namespace

expected<std::vector<std::string>> engine::add_agents(size_t n, const agent_options& a) {
  auto& im = *impl_;
  if (im.opts.inspect_only)
    return make_error(errc::invalid_state, "an engine opened inspect_only runs no agents");
  harness::adapter_options ao;
  ao.binary = a.model_binary;
  ao.model = a.model_name;
  ao.extra_args = a.model_args;
  ao.permissions = a.permissions;
  ao.swarm_executable = a.swarm_executable;
  std::error_code ec;
  const std::vector<std::pair<std::string, std::string>> swarm_env{
    {"SWARM_DB", fs::absolute(im.opts.db_path, ec).string()},
    {"SWARM_SOCKET", fs::absolute(control_socket_path(im.opts), ec).string()}};
  ao.swarm_env = swarm_env;
  ao.min_work_ms = static_cast<uint32_t>(a.min_work.count());
  ao.max_work_ms = static_cast<uint32_t>(std::max(a.min_work, a.max_work).count());
  ao.fail_rate = a.fail_rate;
  ao.seed = a.seed;
  auto made = harness::make_adapter(a.model, ao);
  if (!made)
    return made.error();
  if (im.meter->limited() && (a.model == "codex" || a.model == "gemini" || a.model == "mock"))
    spdlog::warn("budget: the {} model reports no cost (claude does, and a command model "
                 "that prints a claude-format result): its runs do not count toward the "
                 "${:.2f} budget",
                 a.model, im.opts.budget_usd);
  std::shared_ptr<const harness::model_adapter> adapter{std::move(*made)};
  // These agents run one model: when it cannot reach its service, they all pause.
  auto first_pause = std::max(a.unavailable_backoff, std::chrono::milliseconds{1});
  auto gate = std::make_shared<harness::model_gate>(
    first_pause, std::max(first_pause, a.unavailable_backoff_max));
  auto workdir = agents_workdir(a);
  if (!workdir) return workdir.error();
  auto db_dir = fs::absolute(fs::path{im.opts.db_path}, ec).parent_path();
  std::vector<std::string> names;
  // Both locks, in one step: record_quality_baseline takes them one after the other.
  std::scoped_lock guard{im.baseline_mtx, im.mtx};
  if (!im.runner)
    im.runner = std::make_shared<harness::process_runner>();
  if (!a.quality_checks.empty() && a.isolation != "worktree")
    return make_error(errc::bad_request,
                      "quality checks run in each task's own git worktree: they need "
                      "--isolation worktree (isolation = \"worktree\" under [run])");
  std::shared_ptr<workspace::shared_repo> repo;
  std::shared_ptr<quality::gate_board> gates;
  if (a.isolation == "worktree") {
    auto opened = im.shared_repo_for(*workdir, a);
    if (!opened) return opened.error();
    repo = std::move(*opened);
    if (!a.quality_checks.empty() && !im.quality) {
      auto made = im.gates_at_start(*repo, a.quality_checks);
      if (!made) return made.error();
      im.quality = std::make_shared<quality::gate_board>(std::move(*made));
    }
    if (!a.quality_checks.empty()) gates = im.quality;
  } else if (a.isolation != "shared") {
    return make_error(errc::bad_request, "isolation '" + a.isolation +
                                             "' is not one of shared, worktree");
  }
  make_room_for_models(im.agents.size() + n);
  for (size_t i = 0; i < n; ++i) {
    agent_config cfg;
    cfg.profile.name = i < a.names.size() ? a.names[i] : std::string{};
    cfg.profile.model = a.model;
    cfg.profile.skills = a.skills;
    cfg.profile.session = im.session;
    auto reg = im.ask<agent_info>(im.coordinator, register_atom_v, cfg.profile);
    if (!reg)
      return reg.error();
    cfg.profile = *reg;
    cfg.adapter = adapter;
    cfg.runner = im.runner;
    cfg.persistence = im.persist;
    cfg.mail = im.mail;
    cfg.registry = im.registry;
    cfg.memory = im.memory;
    cfg.workdir = *workdir;
    cfg.repo = repo;
    cfg.quality = gates;
    cfg.runs_dir = (db_dir / "runs").string();
    cfg.storage = im.storage;
    // SWARM_AGENT_TOKEN: the agent's own token (from its registration), so the tools
    // the model calls (`swarm mcp`, the CLI) act as this agent and no other. Only in
    // the model's environment: never in a file or on a command line.
    cfg.env = swarm_env;
    cfg.env.emplace_back("SWARM_AGENT_TOKEN", reg->token);
    cfg.timeout_ms = a.timeout.count();
    cfg.stall_timeout_ms = a.stall_timeout.count();
    cfg.gate = gate;
    cfg.meter = im.meter;
    cfg.kill_grace_ms = a.kill_grace.count();
    im.longest_kill_grace = std::max(im.longest_kill_grace, a.kill_grace);
    cfg.output_cap_bytes = a.output_cap_bytes;
    // Beat often enough to renew the claim's lease well before it runs out.
    cfg.heartbeat_us = std::max<int64_t>(
      10'000, std::min(to_us(im.opts.heartbeat), to_us(im.opts.lease_ttl) / 3));
    im.agents.push_back(spawn_agent(*im.sys, im.queue, im.coordinator, std::move(cfg)));
    names.push_back(reg->name);
  }
  return names;
}

namespace {

// What run_until_done watches while the agents work.
struct run_watch {
  task_counts last;
  bool drained = false;  // the queue said no agent can make progress
  bool stopping = false; // stop_run came
  size_t alive = 0;      // agents not yet down
  std::vector<std::string> held_at_stop; // this session's claims when the stop came
  bool budget_spent = false; // the run's budget is spent and was said: no new claims
};

// "$1.20"
std::string dollars(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

} // namespace

// What the runs this one resumes spent (README "Tokens and cost"), for its budget.
static expected<double> spent_before(const options& opts, const std::string& run_id) {
  auto db = persistence::open_database_readonly(opts.db_path);
  if (!db) return db.error();
  return persistence::read_run_spend(**db, run_id);
}

// The run's spend reached its budget: no claims from anyone, said once — on stderr,
// journaled (run.budget) and mailed to the followers. Running attempts finish.
void engine::impl::budget_spent(const std::string& run_id) {
  const auto b = meter->budget();
  caf::anon_send(queue, stop_atom_v);
  const auto line = "budget: spent " + dollars(b.spent_usd) + " of " + dollars(b.limit_usd) +
                    "; no new claims";
  spdlog::warn("{} (running attempts finish, then the run ends)", line);
  if (auto r = journal({persistence::make_event(
          persistence::run_budget_reached{run_id, b.limit_usd, b.spent_usd},
          persistence::now_us())});
      !r)
    spdlog::error("the budget notice was not journaled: {}", r.error().to_string());
  if (mail)
    caf::anon_send(mail, system_mail_atom_v, std::string{"system.budget"}, line,
                   std::string{"Run " + run_id + " claims no new task: its models spent " +
                               dollars(b.spent_usd) + " of its " + dollars(b.limit_usd) +
                               " budget (--budget-usd). Attempts already running finish."},
                   boost::json::serialize(boost::json::object{{"run", run_id},
                                                              {"limit_usd", b.limit_usd},
                                                              {"spent_usd", b.spent_usd}}));
}

// Leaf tasks still waiting for a claim (ready or pending), for a run its budget ended.
std::vector<std::string> engine::impl::unclaimed_tasks() {
  std::vector<std::string> ids;
  if (auto all = ask<std::vector<task>>(queue, list_atom_v, task_filter{}))
    for (const auto& t : *all)
      if (t.leaf && (t.state == task_state::ready || t.state == task_state::pending))
        ids.push_back(t.spec.id);
  return ids;
}

std::vector<std::string> engine::impl::claims_of_session() {
  std::vector<std::string> ids;
  if (auto claimed = ask<std::vector<task>>(queue, list_atom_v, task_filter{false, {}, true}))
    for (const auto& t : *claimed)
      if (t.claim_session == session) ids.push_back(t.spec.id);
  return ids;
}

void engine::impl::stop_agents(const std::vector<agent_actor>& stopping) {
  if (auto closed = ask<task_counts>(queue, stop_atom_v); !closed)
    spdlog::warn("stopping the run: the queue did not answer: {}", closed.error().to_string());
  for (const auto& a : stopping)
    caf::anon_send(a, stop_atom_v);
}

std::vector<std::string> engine::impl::back_in_queue(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    auto found = ask<std::vector<task>>(queue, list_atom_v, task_filter{false, id, false});
    if (found && !found->empty() &&
        (found->front().state == task_state::ready ||
         found->front().state == task_state::pending))
      out.push_back(id);
  }
  return out;
}

// Only a message: the run's own thread does the stopping (on_stop below). Asking the
// actors from the caller's thread would make a scoped_actor there, and with CAF 0.17 one
// made on a thread that outlives the call (a signal watcher) kept ~actor_system waiting
// at shutdown.
expected<void> engine::stop_run() {
  auto& im = *impl_;
  caf::actor loop;
  {
    std::lock_guard<std::mutex> guard{im.mtx};
    if (im.stop_requested.exchange(true)) return {};
    loop = im.run_loop;
  }
  if (loop) caf::anon_send(loop, stop_atom_v);
  // else no run yet: the next one sees stop_requested and stops at once.
  return {};
}

// Both run directories' retention (keep_runs) at the start, as the run goes (run) and
// at the end.
expected<run_summary> engine::run_until_done(std::function<void(const progress&)> on_progress) {
  impl_->retain_runs(*this);
  auto summary = impl_->run(*this, false, on_progress);
  impl_->retain_runs(*this);
  return summary;
}

expected<run_summary>
engine::run_until_stopped(std::function<void(const progress&)> on_progress) {
  impl_->retain_runs(*this);
  auto summary = impl_->run(*this, true, on_progress);
  impl_->retain_runs(*this);
  return summary;
}

// Until the queue drains (or, keep_going, until stop_run), then the summary. A
// keep_going run's queue never says drained: only a stop or the loss of every agent
// ends it.
expected<run_summary>
engine::impl::run(engine& e, bool keep_going,
                  const std::function<void(const progress&)>& on_progress) {
  auto& im = *this;
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto run_id = im.session + "-" + std::to_string(++im.runs);
  caf::scoped_actor self{*im.sys};
  std::vector<agent_actor> agents_snapshot;
  bool stopped_before = false;
  std::chrono::milliseconds kill_grace{0};
  {
    std::lock_guard<std::mutex> guard{im.mtx};
    agents_snapshot = im.agents;
    kill_grace = im.longest_kill_grace;
    im.run_loop = caf::actor_cast<caf::actor>(self);
    stopped_before = im.stop_requested.load();
  }
  auto r = im.journal({persistence::make_event(
    persistence::run_started{run_id, agents_snapshot.size()}, persistence::now_us())});
  if (!r)
    return r.error();
  double before = 0;
  if (im.meter->limited()) {
    auto spent = spent_before(im.opts, run_id);
    if (!spent) return spent.error();
    before = *spent;
  }
  im.meter->begin(run_id, before);
  im.run_state = run_state::running;
  run_watch w;
  w.alive = agents_snapshot.size();
  w.stopping = stopped_before;
  if (!stopped_before) {
    // The queue hears of the run (and whether it keeps going) before any agent starts:
    // an agent's first claim is sent after its start, so it reaches the queue after
    // this. The other way round, a waiting run's first claim could find an empty queue
    // not yet told to keep going, be answered "drained", and end the agent at once.
    caf::anon_send(im.queue, start_atom_v, static_cast<uint32_t>(agents_snapshot.size()),
                   keep_going);
    // A scoped_actor is dynamically typed: the cast is unchecked. It is sound because
    // the receive loops below handle both of a subscriber's messages.
    self->send(im.queue, subscribe_atom_v, caf::actor_cast<queue_subscriber_actor>(self));
  }
  for (auto& a : agents_snapshot) {
    self->monitor(a);
    if (!stopped_before) self->send(a, start_atom_v);
  }
  if (stopped_before) {
    // Stopped before it began: nobody started, nothing is claimed by this run.
    im.stop_agents(agents_snapshot);
  }
  auto on_stop = [&](stop_atom) {
    if (w.stopping) return;
    w.stopping = true;
    w.held_at_stop = im.claims_of_session();
    im.stop_agents(agents_snapshot);
  };
  // A run whose agents all ended on their own (they stop when the journal fails under
  // them) has nobody left to do the work, or to wait for it.
  auto agents_gone = [&] { return !agents_snapshot.empty() && w.alive == 0; };
  // The budget, checked after every message (progress comes as work goes on) and at
  // least once a second.
  auto check_budget = [&] {
    if (w.budget_spent || !im.meter->reached()) return;
    w.budget_spent = true;
    im.budget_spent(run_id);
  };
  check_budget(); // the runs it resumes may have spent it already
  // Retention while tasks finish: once a quarter of keep_runs more finished since the
  // last pass, at most once a second (a pass lists the run directories and reads every
  // task's state). So at most about keep_runs * 1.25, plus a second's worth, plus the
  // running ones, are there at once.
  auto last_retained = std::chrono::steady_clock::now();
  uint64_t finished_at_retain = w.last.completed + w.last.failed + w.last.cancelled;
  auto retain = [&] {
    const uint64_t finished = w.last.completed + w.last.failed + w.last.cancelled;
    const auto now = std::chrono::steady_clock::now();
    if (opts.keep_runs == 0 ||
        finished < finished_at_retain + std::max<uint64_t>(1, opts.keep_runs / 4) ||
        now - last_retained < std::chrono::seconds(1))
      return;
    im.retain_runs(e);
    last_retained = std::chrono::steady_clock::now();
    finished_at_retain = finished;
  };
  while (!w.drained && !(w.stopping && w.alive == 0) && !agents_gone() &&
         !(w.budget_spent && w.alive == 0)) {
    self->receive(
      [&](progress_atom, const task_counts& c) {
        w.last = c;
        if (on_progress)
          on_progress(progress{c, elapsed()});
      },
      [&](drained_atom, const task_counts& c) {
        w.last = c;
        w.drained = true;
      },
      on_stop,
      [&](const caf::down_msg&) { --w.alive; },
      caf::after(std::chrono::seconds(1)) >> [] {});
    check_budget();
    retain();
  }
  // Agents stop themselves once the queue drains or the run stops; wait for them to
  // report it — a stopping run as long as its models may take to end.
  auto deadline = std::chrono::steady_clock::now() + stop_timeout +
                  (w.stopping ? kill_grace : std::chrono::milliseconds{0});
  while (w.alive > 0 && std::chrono::steady_clock::now() < deadline)
    self->receive([&](const caf::down_msg&) { --w.alive; },
                  [&](progress_atom, const task_counts&) {},
                  [&](drained_atom, const task_counts&) {},
                  on_stop,
                  caf::after(std::chrono::milliseconds(200)) >> [] {});
  {
    std::lock_guard<std::mutex> guard{im.mtx};
    im.agents.clear();
    im.run_loop = caf::actor{};
    im.stop_requested = false;
  }
  auto final_counts = im.ask<task_counts>(im.queue, status_atom_v);
  if (final_counts)
    w.last = *final_counts;
  run_summary summary;
  summary.tasks = w.last;
  summary.elapsed_seconds = elapsed();
  // Nothing failed or blocked.
  summary.success = w.last.completed + w.last.cancelled == w.last.total();
  summary.stopped = w.stopping;
  if (w.stopping) summary.returned = im.back_in_queue(w.held_at_stop);
  summary.usage = im.meter->usage();
  if (im.meter->limited()) summary.budget = im.meter->budget();
  if (w.budget_spent) summary.unclaimed = im.unclaimed_tasks();
  if (auto agents = im.ask<std::vector<agent_info>>(im.coordinator, list_atom_v))
    for (const auto& a : *agents)
      if (a.state != agent_state::offline || a.completed + a.failed > 0)
        summary.agents.push_back(to_status(a));
  persistence::run_finished finished{
    run_id,
    summary.success  ? "completed"
    : w.stopping     ? "stopped"
    : w.budget_spent ? "budget"
                     : "incomplete",
    persistence::run_totals{w.last.completed, w.last.failed, w.last.blocked, w.last.total(),
                            summary.elapsed_seconds}};
  auto fin =
    im.journal({persistence::make_event(std::move(finished), persistence::now_us())});
  if (!fin)
    return fin.error();
  im.run_state = run_state::finished;
  return summary;
}

} // namespace swarm
