#include "cli/serve_command.hpp"

#include "cli/config.hpp"
#include "cli/output.hpp"
#include "cli/stop_signals.hpp"

#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>

namespace swarm::cli {

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

// Blocks until the first SIGINT or SIGTERM; returns it.
int wait_for_stop(stop_signals& signals) {
  std::mutex m;
  std::condition_variable cv;
  int got = 0;
  signals.on_first([&](int sig) {
    std::lock_guard<std::mutex> lock{m};
    got = sig;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock{m};
  cv.wait(lock, [&] { return got != 0; });
  return got;
}

// Serves until a signal; nothing runs but what clients ask.
int serve_until_signal(std::unique_ptr<engine>& e, stop_signals& signals) {
  const int sig = wait_for_stop(signals);
  std::cerr << "swarm: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": stopping — the HTTP API and the control socket close, then the engine. "
               "A second signal stops at once.\n";
  e.reset();
  return 0;
}

// Runs the agents until a signal stops them gracefully; then closes the engine and says
// what went back to ready and how to go on.
int serve_with_agents(std::unique_ptr<engine>& e, stop_signals& signals,
                      const serve_command& sc, const agent_options& agent) {
  auto names = e->add_agents(sc.run.agents, agent);
  if (!names) return fail(names.error());
  std::cout << names->size() << " agent(s) running " << agent.model
            << " take tasks as they become ready: `swarm load PLAN` or `swarm task add` "
               "gives them work"
            << std::endl;
  stop_run_on_signal(signals, *e, sc.run.kill_grace,
                     "; then the HTTP API and the control socket close");
  auto summary = e->run_until_stopped();
  // The engine goes: a late first signal has nothing to stop.
  signals.on_first([](int) {});
  e.reset();
  if (!summary) return fail(summary.error());
  print_summary(*summary);
  if (!summary->stopped) {
    std::cerr << "swarm: every agent ended on its own (the log above says why); serving "
                 "stopped\n";
    return 1;
  }
  std::string resume = "swarm serve --agents " + std::to_string(sc.run.agents);
  const auto& model = sc.run.model;
  if (model != "mock")
    resume += " --model " + (model.find(' ') != model.npos ? "'" + model + "'" : model);
  print_stopped(*summary, resume + " (or swarm run PLAN)");
  return 0;
}

} // namespace

void add_listen_flag(CLI::App* cmd, std::string& listen) {
  cmd->add_option("--listen", listen,
                  "HTTP address HOST:PORT (port 0: any free one); loopback keeps the "
                  "API on this machine")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (parse_listen(text)) return {};
            return "takes HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:7420";
          },
          "HOST:PORT"));
}

void register_serve_command(CLI::App& app, serve_command& sc) {
  sc.cmd = app.add_subcommand("serve",
                              "keep the engine running: control socket and HTTP API, and "
                              "with --agents agents that take work as it comes; until "
                              "Ctrl-C");
  add_listen_flag(sc.cmd, sc.listen);
  add_run_flags(sc.cmd, sc.run, 0, 0);
  add_common(sc.cmd, sc.common, false);
  add_embedder_flags(sc.cmd, sc.common);
}

expected<std::string> serve_http_api(engine& e, const std::string& listen) {
  const auto address = parse_listen(listen);
  if (!address)
    return make_error(errc::bad_request,
                      "--listen takes HOST:PORT, e.g. 127.0.0.1:7420, not '" + listen +
                          "'");
  const auto& [host, port] = *address;
  if (!is_loopback(host))
    std::cerr << "swarm: warning: listening on " << listen
              << ", not loopback: anyone who can reach it and has the token controls "
                 "this swarm, over plain HTTP\n";
  auto http = e.serve_http(host, port);
  if (!http) return http.error();
  std::cout << "serving http://" << *http << " (token in "
            << operator_token_path(e.opts()) << "); Ctrl-C stops" << std::endl;
  if (auto link = e.dashboard_link())
    std::cout << "dashboard: " << *link << std::endl;
  else
    std::cerr << "swarm: warning: no dashboard link: " << link.error().message << "\n";
  return http;
}

std::optional<int> run_serve_command(const serve_command& sc) {
  if (sc.cmd == nullptr || !sc.cmd->parsed()) return std::nullopt;
  auto setup = run_setup_of(sc.run, sc.common);
  if (!setup) return usage(setup.error().message);
  // The engine makes .swarm/ private (0700). The signals are blocked before the
  // engine starts its threads, so that only the watcher takes them.
  stop_signals signals;
  auto engine = engine::open(setup->opts);
  if (!engine) return fail(engine.error());
  if (auto s = (*engine)->serve_control_socket(); !s) return fail(s.error());
  if (auto http = serve_http_api(**engine, sc.listen); !http) return fail(http.error());
  if (sc.run.agents == 0) return serve_until_signal(*engine, signals);
  return serve_with_agents(*engine, signals, sc, setup->agent);
}

} // namespace swarm::cli
