// The `swarm` command. Uses only the public headers (include/swarm/), like any program
// embedding the engine. Every command except `run`, `serve`, `replay` and `init` is one
// request of the command protocol, sent to the running engine's control socket or, when
// none runs, executed by an engine opened in-process on the database — the same
// dispatcher either way. Flags left unset come from SWARM_* variables, then swarm.toml
// (cli/config.hpp). Exit codes: 0 ok, 1 refused or failed, 2 bad usage.

#include "cli/client.hpp"
#include "cli/config.hpp"
#include "cli/dashboard_command.hpp"
#include "cli/doctor_command.hpp"
#include "cli/gc_command.hpp"
#include "cli/guard_commands.hpp"
#include "cli/init_command.hpp"
#include "cli/mail_commands.hpp"
#include "cli/mcp_command.hpp"
#include "cli/memory_commands.hpp"
#include "cli/output.hpp"
#include "cli/reservation_commands.hpp"
#include "cli/run_flags.hpp"
#include "cli/serve_command.hpp"
#include "cli/stop_signals.hpp"
#include "cli/task_commands.hpp"

#include <swarm/json.hpp>
#include <swarm/swarm.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <unistd.h>

namespace json = boost::json;

namespace {

using swarm::cli::add_common;
using swarm::cli::add_embedder_flags;
using swarm::cli::call;
using swarm::cli::common_flags;
using swarm::cli::fail;
using swarm::cli::print_result;

// `swarm run`: the run flags (cli/run_flags.hpp, shared with serve), the plan, and
// --serve to attach the HTTP API as `swarm serve` does.
struct run_command_flags {
  common_flags common;
  std::string plan;
  swarm::cli::run_flags run;
  bool serve = false;
  std::string listen = swarm::cli::default_listen;
};

int run_command(const run_command_flags& f) {
  auto setup = swarm::cli::run_setup_of(f.run, f.common);
  if (!setup) return swarm::cli::usage(setup.error().message);
  // Before the engine starts its threads, so that only the watcher takes the signals.
  swarm::cli::stop_signals signals;
  auto engine = swarm::engine::open(setup->opts);
  if (!engine) return fail(engine.error());
  auto& e = **engine;
  swarm::cli::stop_run_on_signal(signals, e, f.run.kill_grace);
  if (auto s = e.serve_control_socket(); !s)
    std::cerr << "swarm: warning: no control socket (" << s.error().message
              << "); status commands will wait for this run to end\n";
  if (f.serve) {
    if (auto http = swarm::cli::serve_http_api(e, f.listen); !http)
      return fail(http.error());
  }
  auto loaded = e.load_plan(f.plan);
  if (!loaded) return fail(loaded.error());
  if (!f.common.json_out)
    std::cout << "plan " << loaded->path << ": " << loaded->added << " new task(s), "
              << loaded->already_present << " already known, " << loaded->total
              << " in the queue\n";
  auto names = e.add_agents(f.run.agents, setup->agent);
  if (!names) return fail(names.error());
  swarm::cli::progress_printer printer{isatty(STDOUT_FILENO) != 0 && !f.common.json_out,
                                       !f.common.json_out};
  auto summary = e.run_until_done([&](const swarm::progress& p) { printer.update(p); });
  printer.finish();
  // The engine goes: a late first signal has nothing to stop.
  signals.on_first([](int) {});
  if (!summary) return fail(summary.error());
  if (f.common.json_out)
    std::cout << json::serialize(json::value_from(*summary)) << "\n";
  else
    swarm::cli::print_summary(*summary);
  if (summary->stopped) {
    if (!f.common.json_out) swarm::cli::print_stopped(*summary, "swarm run " + f.plan);
    return 0; // stopped as asked: nothing failed
  }
  return summary->success ? 0 : 1;
}

// Fills the flags the command line and the environment left unset from swarm.toml (or
// --config's file), and takes its quality gates (they have no flags); nullopt when
// that went well, else the exit code.
std::optional<int> apply_config_file(CLI::App& app, const std::string& config_path,
                                     std::vector<swarm::quality_check>& quality) {
  auto refused = [](const swarm::error& e) {
    std::cerr << e.message << "\n"; // it starts with the file (and line) already
    return 2;
  };
  auto c = swarm::cli::load_config(config_path);
  if (!c) return refused(c.error());
  if (!*c) return std::nullopt;
  if (auto applied = swarm::cli::apply_config(app, **c); !applied)
    return refused(applied.error());
  quality = (*c)->quality;
  return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"swarm — coordinate many AI coding agents on one codebase"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "show help for every command");
  std::string config_path;
  app.add_option("--config", config_path,
                 "settings file (default: ./swarm.toml when present); flags and SWARM_* "
                 "variables win over it")
      ->envname("SWARM_CONFIG");
  app.fallthrough(); // --config is also taken after the command's name

  swarm::cli::init_command ic;
  swarm::cli::register_init_command(app, ic);
  swarm::cli::serve_command servec;
  swarm::cli::register_serve_command(app, servec);

  run_command_flags rf;
  auto* run = app.add_subcommand("run", "load a plan and run agents until it is done");
  run->add_option("plan", rf.plan, "plan file (Markdown or JSON)")->required();
  swarm::cli::add_run_flags(run, rf.run, 1, 4);
  run->add_flag("--serve", rf.serve,
                "also serve the HTTP API (and dashboard) while the run goes, as `swarm "
                "serve` does");
  swarm::cli::add_listen_flag(run, rf.listen);
  add_common(run, rf.common);
  add_embedder_flags(run, rf.common);

  common_flags sf;
  auto* status = app.add_subcommand("status", "task counts, agents and run state");
  add_common(status, sf);

  common_flags tf;
  bool ready_only = false;
  std::string task_id;
  auto* tasks = app.add_subcommand("tasks", "list tasks");
  tasks->add_flag("--ready", ready_only, "only tasks ready to claim");
  tasks->add_option("--id", task_id, "show one task");
  add_common(tasks, tf);

  common_flags lf;
  std::string load_path, load_prefix;
  uint32_t load_max_depth = 8;
  auto* load = app.add_subcommand("load", "load a plan without running it");
  load->add_option("plan", load_path, "plan file (Markdown or JSON)")->required();
  load->add_option("--prefix", load_prefix, "id prefix for a plan that names none");
  load->add_option("--max-depth", load_max_depth,
                   "task levels allowed (a root is 1); 0: any")
      ->capture_default_str();
  add_common(load, lf);

  common_flags cf;
  std::string agent_name, report_id, report_text;
  uint32_t attempt = 0;
  auto* claim = app.add_subcommand("claim", "claim the best ready task for an agent");
  claim->add_option("--agent", agent_name, "agent name")->required();
  add_common(claim, cf);
  auto* complete = app.add_subcommand("complete", "report a claimed task completed");
  auto* failc = app.add_subcommand("fail", "report a claimed task's attempt failed");
  for (auto* c : {complete, failc}) {
    c->add_option("id", report_id, "task id")->required();
    c->add_option("--agent", agent_name, "agent holding the claim")->required();
    c->add_option("--attempt", attempt, "attempt number from the claim")->required();
    c->add_option("--result", report_text, "summary (complete) or reason (fail)");
    add_common(c, cf);
  }

  common_flags rdf;
  std::string ready_sort = "priority";
  auto* ready = app.add_subcommand("ready", "tasks ready to claim, in scheduling order");
  ready->add_option("--sort", ready_sort, "priority, oldest or graph")
      ->capture_default_str()
      ->check(CLI::IsMember({"priority", "oldest", "graph"}));
  add_common(ready, rdf);

  common_flags gf;
  auto* graph = app.add_subcommand("graph", "critical path and per-task levels");
  add_common(graph, gf);
  uint32_t graph_groups = 0;
  graph->add_option("--groups", graph_groups,
                    "at a glance: tasks grouped under their ancestors, at most N groups")
      ->check(CLI::Range(1u, 100000u));

  common_flags qf;
  auto* quality_cmd = app.add_subcommand(
      "quality", "the quality gates' record: baseline, latest snapshot, trend, regressions");
  add_common(quality_cmd, qf);
  uint32_t quality_limit = 200;
  quality_cmd->add_option("--limit", quality_limit, "the newest N snapshots")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10000u));
  common_flags qbf;
  swarm::agent_options baseline_of;
  auto* quality_baseline = quality_cmd->add_subcommand(
      "baseline", "run swarm.toml's [quality.<name>] checks on the integration branch's tip "
                  "now and record what they find: the baseline each task is compared with "
                  "(a running engine's agents take it at once)");
  add_common(quality_baseline, qbf);
  quality_baseline->add_option("--workdir", baseline_of.workdir,
                               "a directory of the repository (default: here)");
  quality_baseline->add_option("--integration-branch", baseline_of.integration_branch,
                               "the branch to check (default: the one checked out)");
  quality_baseline->add_option("--merge-strategy", baseline_of.merge_strategy,
                               "as the agents' (when this opens the repository)")
      ->check(CLI::IsMember({"rebase", "merge"}));
  quality_baseline->add_option("--keep-failed", baseline_of.keep_failed,
                               "as the agents' (when this opens the repository)")
      ->capture_default_str();

  common_flags af;
  auto* agents =
      app.add_subcommand("agents", "list agents: state, current task, heartbeat");
  add_common(agents, af);

  common_flags agf;
  std::string agent_arg, agent_model, agent_state;
  std::vector<std::string> agent_skills;
  auto* agent = app.add_subcommand("agent", "outside agents: register, heartbeat, state");
  agent->require_subcommand(1);
  auto* agent_register = agent->add_subcommand(
      "register", "join the swarm as an agent; prints its token once (keep it for "
                  "SWARM_AGENT_TOKEN)");
  agent_register->add_option("name", agent_arg, "agent name (empty: a generated one)");
  agent_register->add_option("--skills", agent_skills, "skills, comma separated")
      ->delimiter(',');
  agent_register->add_option("--model", agent_model, "what the agent runs on");
  auto* agent_heartbeat = agent->add_subcommand("heartbeat", "say the agent is alive");
  agent_heartbeat->add_option("name", agent_arg, "agent name")->required();
  auto* agent_set_state = agent->add_subcommand("state", "set the agent's state");
  agent_set_state->add_option("name", agent_arg, "agent name")->required();
  agent_set_state->add_option("state", agent_state, "running, stuck or idle")
      ->required()
      ->check(CLI::IsMember({"running", "stuck", "idle"}));
  for (auto* c : {agent_register, agent_heartbeat, agent_set_state})
    add_common(c, agf);

  swarm::cli::task_commands tc;
  swarm::cli::register_task_commands(app, tc);
  swarm::cli::mail_commands mc;
  swarm::cli::register_mail_commands(app, mc);
  swarm::cli::reservation_commands resc;
  swarm::cli::register_reservation_commands(app, resc);
  swarm::cli::memory_commands memc;
  swarm::cli::register_memory_commands(app, memc);
  swarm::cli::dashboard_command dashc;
  swarm::cli::register_dashboard_command(app, dashc);
  swarm::cli::gc_command gcc;
  swarm::cli::register_gc_command(app, gcc);
  swarm::cli::doctor_command docc;
  swarm::cli::register_doctor_command(app, docc);
  swarm::cli::guard_commands guardc;
  swarm::cli::register_guard_commands(app, guardc);
  swarm::cli::mcp_command mcpc;
  swarm::cli::register_mcp_command(app, mcpc);

  common_flags rpf;
  bool verify = false;
  auto* replay = app.add_subcommand("replay", "rebuild projections from the journal");
  replay
      ->add_flag("--verify", verify, "compare the rebuilt projections with the live ones")
      ->required();
  add_common(replay, rpf);

  swarm::cli::bind_config_env(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "swarm: " << e.what() << "\n"
              << "Run 'swarm --help' (or 'swarm COMMAND --help') for usage.\n";
    return 2;
  }

  using namespace swarm::cli;
  // init writes the config, so a broken one must not stop it.
  if (auto code = run_init_command(ic)) return *code;
  std::vector<swarm::quality_check> quality;
  if (auto code = apply_config_file(app, config_path, quality)) return *code;
  rf.run.quality_checks = quality;
  servec.run.quality_checks = quality;
  if (run->parsed()) return run_command(rf);
  if (auto code = run_serve_command(servec)) return *code;
  if (status->parsed())
    return print_result(call(sf, "status", {}, false), sf.json_out, print_status);
  if (tasks->parsed() && !task_id.empty()) return swarm::cli::show_task(tf, task_id);
  if (tasks->parsed()) {
    json::object args{{"ready", ready_only}};
    if (!task_id.empty()) args["id"] = task_id;
    return print_result(call(tf, "tasks", std::move(args), false), tf.json_out,
                        task_id.empty() ? print_tasks : print_task);
  }
  if (load->parsed()) {
    swarm::plan_options o;
    o.prefix = load_prefix;
    if (load->count("--max-depth") > 0) o.max_depth = load_max_depth;
    auto args = swarm::cli::args_of(o);
    args["path"] = std::filesystem::absolute(load_path).string();
    return print_result(call(lf, "plan.load", std::move(args), true), lf.json_out,
                        print_load);
  }
  if (claim->parsed())
    return print_result(call(cf, "task.claim", {{"agent", agent_name}}, true),
                        cf.json_out, print_claim);
  if (complete->parsed() || failc->parsed()) {
    bool ok = complete->parsed();
    json::object args{{"id", report_id},
                      {"agent", agent_name},
                      {"attempt", attempt},
                      {ok ? "result" : "reason", report_text}};
    return print_result(
        call(cf, ok ? "task.complete" : "task.fail", std::move(args), true), cf.json_out,
        print_task);
  }
  if (ready->parsed())
    return print_result(call(rdf, "ready", {{"sort", ready_sort}}, false), rdf.json_out,
                        print_tasks);
  if (graph->parsed() && graph_groups > 0)
    return print_result(call(gf, "graph.summary", {{"max_groups", graph_groups}}, false),
                        gf.json_out, print_graph_summary);
  if (graph->parsed())
    return print_result(call(gf, "graph", {}, false), gf.json_out, print_graph);
  if (agents->parsed())
    return print_result(call(af, "agents", {}, false), af.json_out, print_agents);
  if (quality_baseline->parsed()) {
    json::object args{{"checks", boost::json::value_from(quality)},
                      {"workdir", std::filesystem::absolute(baseline_of.workdir.empty()
                                                                ? std::string{"."}
                                                                : baseline_of.workdir)
                                      .lexically_normal()
                                      .string()},
                      {"integration_branch", baseline_of.integration_branch},
                      {"merge_strategy", baseline_of.merge_strategy},
                      {"keep_failed", baseline_of.keep_failed}};
    return print_result(call(qbf, "quality.baseline", std::move(args), true), qbf.json_out,
                        print_quality_baseline);
  }
  if (quality_cmd->parsed())
    return print_result(call(qf, "quality", {{"limit", quality_limit}}, false), qf.json_out,
                        print_quality);
  if (agent_register->parsed()) {
    json::object args{{"skills", json::value_from(agent_skills)}};
    if (!agent_arg.empty()) args["name"] = agent_arg;
    if (!agent_model.empty()) args["model"] = agent_model;
    return print_result(call(agf, "agent.register", std::move(args), true), agf.json_out,
                        print_agent);
  }
  if (agent_heartbeat->parsed())
    return print_result(call(agf, "agent.heartbeat", {{"name", agent_arg}}, true),
                        agf.json_out, print_agent);
  if (agent_set_state->parsed())
    return print_result(
        call(agf, "agent.state", {{"name", agent_arg}, {"state", agent_state}}, true),
        agf.json_out, print_agent);
  if (auto code = run_task_commands(tc)) return *code;
  if (auto code = run_mail_commands(mc)) return *code;
  if (auto code = run_reservation_commands(resc)) return *code;
  if (auto code = run_memory_commands(memc)) return *code;
  if (auto code = run_dashboard_command(dashc)) return *code;
  if (auto code = run_gc_command(gcc)) return *code;
  if (auto code = run_doctor_command(docc)) return *code;
  if (auto code = run_guard_commands(guardc)) return *code;
  if (auto code = run_mcp_command(mcpc)) return *code;
  if (replay->parsed()) {
    auto r = swarm::verify_replay(rpf.db);
    if (!r) return fail(r.error());
    if (rpf.json_out)
      std::cout << json::serialize(json::value_from(*r)) << "\n";
    else if (r->match)
      std::cout << "replay: " << r->events << " events rebuild the projections exactly ("
                << r->rows_compared << " rows compared)\n";
    if (!r->match) {
      std::cerr << "swarm: replay differs from the live projections: " << r->difference
                << " [replay_mismatch]\n";
      return 1;
    }
    return 0;
  }
  return 2;
}
