#include "cli/init_command.hpp"

#include "cli/client.hpp"
#include "cli/config.hpp"
#include "cli/guard_commands.hpp"

#include <swarm/engine.hpp>

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace swarm::cli {

namespace {

struct next_step {
  const char* command;
  const char* why;
};

// What a new user runs next, in order: a served engine whose agents wait for work,
// watched in the browser, then work given to it from another terminal.
constexpr next_step next_steps[] = {
    {"swarm serve --agents 4",
     "run the engine and 4 agents; open the dashboard URL it prints"},
    {"swarm load plan.md", "in another terminal: load a plan; the agents start on it"},
    {"swarm status", "tasks, agents and the run, at any time"},
};

// What init made; `hook` empty when it was skipped, with the reason in `hook_skipped`.
struct init_result {
  fs::path config, dot_dir;
  std::string hook, hook_skipped;
  bool replaced = false;
};

expected<bool> make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (!ec && !fs::is_directory(dir, ec))
    return make_error(errc::refused, dir.string() + " exists and is not a directory");
  // Also when it existed: the database and the control socket live there.
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    return make_error(errc::io_error,
                      "cannot make " + dir.string() + ": " + ec.message());
  return true;
}

// Outside a repository (or without git) there is nothing to hook: said, not an error.
expected<bool> install_hook_if_in_git(const fs::path& root, init_result& r) {
  auto hooks = git_hooks_dir(root.string());
  if (!hooks) {
    r.hook_skipped = hooks.error().code == errc::not_found ? "not in a git repository"
                                                           : hooks.error().message;
    return true;
  }
  auto h = install_pre_commit_hook(*hooks, "block", (r.dot_dir / "swarm.db").string());
  if (!h) return h.error();
  r.hook = h->hook;
  return true;
}

expected<init_result> init_project(const init_command& ic) {
  const fs::path root = fs::absolute(ic.dir).lexically_normal();
  init_result r{root / default_config_name, root / ".swarm", {}, {}, false};
  std::error_code ec;
  r.replaced = fs::exists(r.config, ec);
  if (r.replaced && !ic.force)
    return make_error(errc::refused, r.config.string() +
                                         " exists already; run `swarm init --force` to "
                                         "overwrite it with the defaults");
  fs::create_directories(root, ec);
  if (ec)
    return make_error(errc::io_error,
                      "cannot make " + root.string() + ": " + ec.message());
  if (auto d = make_private_dir(r.dot_dir); !d) return d.error();
  if (auto h = install_hook_if_in_git(root, r); !h) return h.error();
  if (auto w = replace_file(r.config, default_config_text()); !w) return w.error();
  return r;
}

void print_json(const init_result& r) {
  json::array next;
  for (const auto& s : next_steps)
    next.emplace_back(s.command);
  json::object o{{"id", r.config.string()},
                 {"config", r.config.string()},
                 {"dir", r.dot_dir.string()},
                 {"hook", r.hook.empty() ? json::value{} : json::value(r.hook)},
                 {"replaced", r.replaced},
                 {"next", std::move(next)}};
  std::cout << json::serialize(o) << "\n";
}

void print_human(const init_result& r, const init_command& ic) {
  std::cout << (r.replaced ? "rewrote " : "wrote ") << r.config.string()
            << " (every setting at its default)\n"
            << "made " << r.dot_dir.string() << " (mode 0700)\n";
  if (!r.hook.empty())
    std::cout << "installed the swarm pre-commit hook at " << r.hook << "\n";
  else
    std::cout << "skipped the git pre-commit hook: " << r.hook_skipped
              << " (`swarm hook install` adds it later)\n";
  std::cout << (ic.dir == "." ? std::string{"next:\n"} : "next, in " + ic.dir + ":\n");
  for (const auto& s : next_steps)
    std::cout << "  " << std::left << std::setw(30) << s.command << " " << s.why << "\n";
}

} // namespace

void register_init_command(CLI::App& app, init_command& ic) {
  ic.cmd = app.add_subcommand(
      "init", "make this directory a swarm project: .swarm/, swarm.toml, the git hook");
  ic.cmd->add_option("--dir", ic.dir, "the project directory (made if missing)")
      ->capture_default_str();
  ic.cmd->add_flag("--force", ic.force, "overwrite an existing swarm.toml");
  ic.cmd->add_flag("--json", ic.json_out, "print JSON");
}

std::optional<int> run_init_command(const init_command& ic) {
  if (!ic.cmd->parsed()) return std::nullopt;
  auto r = init_project(ic);
  if (!r) return fail(r.error());
  if (ic.json_out)
    print_json(*r);
  else
    print_human(*r, ic);
  return 0;
}

} // namespace swarm::cli
