#include "cli/serve_command.hpp"

#include "cli/config.hpp"
#include "cli/stop_signals.hpp"

#include <swarm/engine.hpp>

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

} // namespace

void register_serve_command(CLI::App& app, serve_command& sc) {
  sc.cmd = app.add_subcommand(
      "serve", "keep the engine running: control socket and HTTP API, until Ctrl-C");
  sc.cmd
      ->add_option("--listen", sc.listen,
                   "HTTP address HOST:PORT (port 0: any free one); loopback keeps the "
                   "API on this machine")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (parse_listen(text)) return {};
            return "takes HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:7420";
          },
          "HOST:PORT"));
  add_common(sc.cmd, sc.common, false);
}

std::optional<int> run_serve_command(const serve_command& sc) {
  if (sc.cmd == nullptr || !sc.cmd->parsed()) return std::nullopt;
  const auto address = parse_listen(sc.listen); // checked when parsed
  if (!address) return 2;
  const auto& [host, port] = *address;
  if (!is_loopback(host))
    std::cerr << "swarm: warning: listening on " << sc.listen
              << ", not loopback: anyone who can reach it and has the token controls "
                 "this swarm, over plain HTTP\n";
  const auto opts = sc.common.to_options(); // the engine makes .swarm/ private (0700)
  // Before the engine starts its threads, so that only the watcher takes the signals.
  stop_signals signals;
  auto engine = engine::open(opts);
  if (!engine) return fail(engine.error());
  if (auto s = (*engine)->serve_control_socket(); !s) return fail(s.error());
  auto http = (*engine)->serve_http(host, port);
  if (!http) return fail(http.error());
  std::cout << "serving http://" << *http << " (token in " << operator_token_path(opts)
            << "); Ctrl-C stops" << std::endl;
  if (auto link = (*engine)->dashboard_link())
    std::cout << "dashboard: " << *link << std::endl;
  else
    std::cerr << "swarm: warning: no dashboard link: " << link.error().message << "\n";
  const int sig = wait_for_stop(signals);
  std::cerr << "swarm: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": stopping — the HTTP API and the control socket close, then the engine. "
               "A second signal stops at once.\n";
  engine->reset();
  return 0;
}

} // namespace swarm::cli
