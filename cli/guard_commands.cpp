#include "cli/guard_commands.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace swarm::cli {

namespace {

// The line that tells our hook from anyone else's; never change it, or uninstall stops
// recognising hooks installed by older versions.
constexpr const char* hook_marker = "# installed by swarm hook install";
constexpr const char* chained_name = "pre-commit.swarm-chained";

// Present even as a dangling symlink.
bool present(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() != fs::file_type::not_found && !ec;
}

bool is_ours(const fs::path& hook) {
  std::ifstream in{hook, std::ios::binary};
  std::string line;
  while (std::getline(in, line))
    if (line == hook_marker) return true;
  return false;
}

// A git call on the repository --repo names, with the flag in its messages: the
// directory is checked here, and "not in a work tree" says how to pick another.
template <class T>
expected<T> in_repo(const std::string& repo,
                    expected<T> (*git_call)(const std::string&)) {
  std::error_code ec;
  if (!fs::is_directory(repo, ec))
    return make_error(errc::not_found, "--repo " + repo + " is not a directory");
  auto r = git_call(repo);
  if (!r && r.error().code == errc::not_found)
    return make_error(errc::not_found,
                      r.error().message + "; run in one or pass --repo DIR");
  return r;
}

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

std::string hook_script(const fs::path& binary, const std::string& mode,
                        const fs::path& db) {
  return std::string{"#!/bin/sh\n"} + hook_marker +
         "\n"
         "# Refuses (block) or warns about (warn) a commit that touches a path another\n"
         "# agent reserved exclusively with `swarm reserve`. Commit anyway, once:\n"
         "#   SWARM_GUARD_BYPASS=1 git commit ...\n"
         "# `swarm hook uninstall` removes this hook and restores the one it replaced.\n"
         "chained=\"$(dirname \"$0\")/" +
         chained_name +
         "\"\n"
         "if [ -x \"$chained\" ]; then\n"
         "  \"$chained\" \"$@\" || exit $?\n"
         "fi\n"
         "exec " +
         sh_quote(binary.string()) + " check-reservations --staged --mode " + mode +
         " --db " + sh_quote(db.string()) + "\n";
}

int install_hook(const guard_commands& gc) {
  auto hooks_dir = in_repo(gc.repo, git_hooks_dir);
  if (!hooks_dir) return fail(hooks_dir.error());
  auto h = install_pre_commit_hook(*hooks_dir, gc.mode, gc.common.db);
  if (!h) return fail(h.error());
  if (gc.common.json_out) {
    std::cout << json::serialize(json::object{{"id", h->hook},
                                              {"hook", h->hook},
                                              {"mode", h->mode},
                                              {"chained", h->chained},
                                              {"db", h->db},
                                              {"binary", h->binary}})
              << "\n";
    return 0;
  }
  std::cout << "installed the swarm pre-commit hook at " << h->hook << " (mode "
            << h->mode << ", database " << h->db << ")"
            << (h->chained ? "; it runs the hook it replaced first" : "") << "\n";
  return 0;
}

int uninstall_hook(const guard_commands& gc) {
  auto hooks_dir = in_repo(gc.repo, git_hooks_dir);
  if (!hooks_dir) return fail(hooks_dir.error());
  const fs::path hooks{*hooks_dir};
  const auto hook = hooks / "pre-commit", chained = hooks / chained_name;
  if (present(hook) && !is_ours(hook))
    return fail(make_error(errc::refused, hook.string() + " is not swarm's hook (no '" +
                                              hook_marker + "' line); left as it is"));
  std::error_code ec;
  const bool removed = present(hook);
  if (removed) fs::remove(hook, ec);
  if (ec)
    return fail(make_error(errc::io_error,
                           "cannot remove " + hook.string() + ": " + ec.message()));
  const bool restored = present(chained);
  if (restored) fs::rename(chained, hook, ec);
  if (ec)
    return fail(make_error(errc::io_error, "cannot move " + chained.string() +
                                               " back to " + hook.string() + ": " +
                                               ec.message()));
  if (gc.common.json_out) {
    std::cout << json::serialize(json::object{
                     {"id", hook.string()}, {"removed", removed}, {"restored", restored}})
              << "\n";
    return 0;
  }
  if (!removed && !restored)
    std::cout << "no swarm pre-commit hook at " << hook.string() << "; nothing to do\n";
  else
    std::cout << (removed ? "removed the swarm pre-commit hook from " : "restored ")
              << hook.string()
              << (removed && restored ? "; restored the hook it replaced" : "") << "\n";
  return 0;
}

// "src/a.py is reserved by bob (pattern src/**, edit, task sw-1a2b.1) — expires in
// 45m12s"
std::string describe(const reservation_conflict& c) {
  const auto& r = c.held;
  std::string s =
      c.path + " is reserved by " + r.agent + " (pattern " + r.pattern + ", " + to_string(r.type);
  if (!r.exclusive) s += ", shared";
  if (!r.task.empty()) s += ", task " + r.task;
  s += ") — expires in " + duration_text(ms_until(r.expires));
  if (!r.reason.empty()) s += "; reason: " + r.reason;
  if (c.holder_stale)
    s += "; " + r.agent + " has stopped heartbeating, the reservation may be abandoned";
  return s;
}

void print_options(const std::vector<reservation_conflict>& conflicts,
                   const std::string& agent) {
  std::set<std::string> seen;
  std::string holders;
  for (const auto& c : conflicts)
    if (seen.insert(c.held.agent).second)
      holders += (holders.empty() ? "" : ",") + c.held.agent;
  std::cerr << "Options:\n"
            << "  - wait until the reservation expires, or until " << holders
            << " releases it\n"
            << "  - coordinate with the holder: swarm mail send --from "
            << (agent.empty() ? "YOU" : agent) << " --to " << holders
            << " --subject '...' --body '...'\n"
            << "  - commit anyway, this once: SWARM_GUARD_BYPASS=1 git commit ...\n";
}

int check_reservations(const guard_commands& gc) {
  const common_flags& f = gc.common;
  const bool block = gc.mode == "block";
  // Nothing checked, nothing held: the reply shape for the early exits.
  auto nothing = [&](size_t checked, const char* note) {
    if (f.json_out) {
      json::object o{{"checked", checked},
                     {"conflicts", json::array{}},
                     {"mode", gc.mode},
                     {"blocked", false}};
      if (note != nullptr) o["note"] = note;
      std::cout << json::serialize(o) << "\n";
    }
    return 0;
  };
  if (const char* bypass = std::getenv("SWARM_GUARD_BYPASS");
      bypass != nullptr && std::string{bypass} == "1") {
    std::cerr << "swarm: SWARM_GUARD_BYPASS=1: reservation check skipped\n";
    return nothing(0, "bypassed");
  }
  std::string agent = gc.agent;
  if (agent.empty())
    if (const char* env = std::getenv("SWARM_AGENT"); env != nullptr) agent = env;
  if (agent.empty())
    std::cerr << "swarm: no agent given (--agent or SWARM_AGENT): every holder of a "
                 "reservation counts as another agent\n";

  std::vector<std::string> paths;
  std::set<std::string> seen;
  auto add = [&](const std::string& p) {
    if (seen.insert(p).second) paths.push_back(p);
  };
  if (gc.staged) {
    auto staged = in_repo(gc.repo, git_staged_paths);
    if (!staged) return fail(staged.error());
    for (const auto& p : *staged)
      add(p);
  }
  for (const auto& p : gc.paths)
    add(p);
  if (paths.empty()) {
    if (!f.json_out) std::cout << "nothing to check: no staged changes and no PATH\n";
    return nothing(0, "nothing to check");
  }
  if (f.socket.empty() && !fs::exists(f.db)) {
    std::cerr << "swarm: no swarm database at " << f.db << ": nothing is reserved\n";
    return nothing(paths.size(), "no database");
  }

  auto reply = call(
      f, "reservation.check",
      {{"agent", agent}, {"paths", json::value_from(paths)}, {"exclusive", gc.exclusive}},
      /*changes_state=*/false);
  if (!reply) {
    // Block mode fails closed; warn mode never stops a commit, not even on an error.
    const int code = fail(reply.error());
    if (block) {
      std::cerr << "swarm: the reservation check failed, so the commit is refused; "
                   "SWARM_GUARD_BYPASS=1 git commit ... skips it\n";
      return code;
    }
    return 0;
  }
  const auto conflicts = reply_list<reservation_conflict>(*reply, "conflicts")
                             .value_or(std::vector<reservation_conflict>{});
  const bool blocked = block && !conflicts.empty();
  if (f.json_out) {
    json::object o = reply->is_object() ? reply->get_object() : json::object{};
    o["mode"] = gc.mode;
    o["blocked"] = blocked;
    std::cout << json::serialize(o) << "\n";
    return blocked ? 1 : 0;
  }
  std::ostream& out = block ? std::cerr : std::cout;
  for (const auto& c : conflicts)
    out << (block ? "BLOCKED: " : "WARNING: ") << describe(c) << "\n";
  if (conflicts.empty())
    std::cout << "checked "
              << int_of(*reply, "checked").value_or(static_cast<int64_t>(paths.size()))
              << " path(s): none reserved by another agent\n";
  else if (blocked)
    print_options(conflicts, agent);
  return blocked ? 1 : 0;
}

} // namespace

void register_guard_commands(CLI::App& app, guard_commands& gc) {
  auto* hook = app.add_subcommand(
      "hook", "git pre-commit hook that checks commits against file reservations");
  hook->require_subcommand(1);
  gc.install = hook->add_subcommand(
      "install", "install the hook (an existing pre-commit hook is kept and run first)");
  gc.uninstall =
      hook->add_subcommand("uninstall", "remove the hook; restore the one it replaced");
  gc.check = app.add_subcommand("check-reservations",
                                "fail when another agent reserved one of these paths");
  for (auto* c : {gc.install, gc.check})
    c->add_option("--mode", gc.mode, "block: refuse the commit; warn: only print")
        ->capture_default_str()
        ->check(CLI::IsMember({"block", "warn"}));
  for (auto* c : {gc.install, gc.uninstall, gc.check})
    c->add_option("--repo", gc.repo, "a directory in the git repository")
        ->capture_default_str();
  gc.install
      ->add_option("--db", gc.common.db, "database the hook checks (stored absolute)")
      ->capture_default_str();
  for (auto* c : {gc.install, gc.uninstall})
    c->add_flag("--json", gc.common.json_out, "print JSON");
  gc.check->add_option("paths", gc.paths, "repository-relative paths to check");
  gc.check->add_flag("--staged", gc.staged,
                     "check the changes staged for commit (a rename: both names)");
  gc.check->add_option("--agent", gc.agent, "who commits (default: $SWARM_AGENT)");
  gc.check->add_flag("--exclusive", gc.exclusive,
                     "check for exclusive use: shared reservations of others count too");
  add_common(gc.check, gc.common);
}

expected<installed_hook> install_pre_commit_hook(const std::string& hooks_dir,
                                                 const std::string& mode,
                                                 const std::string& db_path) {
  const fs::path hooks{hooks_dir};
  std::error_code ec;
  // The hook runs this very binary, found before anything is moved.
  const auto binary = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return make_error(errc::io_error,
                      "cannot find this swarm binary (/proc/self/exe): " + ec.message());
  fs::create_directories(hooks, ec);
  if (ec)
    return make_error(errc::io_error, "cannot create the hooks directory " +
                                          hooks.string() + ": " + ec.message());
  const auto hook = hooks / "pre-commit", chained = hooks / chained_name;
  if (present(hook) && !is_ours(hook)) {
    if (present(chained))
      return make_error(errc::refused, hook.string() + " is not swarm's hook and " +
                                           chained.string() +
                                           " exists already; move one of them aside and "
                                           "install again");
    fs::rename(hook, chained, ec); // keeps the hook's mode bits
    if (ec)
      return make_error(errc::io_error, "cannot move " + hook.string() + " to " +
                                            chained.string() + ": " + ec.message());
  }
  const auto db = fs::absolute(db_path).lexically_normal();
  // Renamed over the old one: git never runs half a hook.
  using fs::perms;
  const auto executable = perms::owner_all | perms::group_read | perms::group_exec |
                          perms::others_read | perms::others_exec;
  if (auto w = replace_file(hook, hook_script(binary, mode, db), executable); !w)
    return w.error();
  return installed_hook{hook.string(), db.string(), binary.string(), mode,
                        present(chained)};
}

std::optional<int> run_guard_commands(const guard_commands& gc) {
  if (gc.install->parsed()) return install_hook(gc);
  if (gc.uninstall->parsed()) return uninstall_hook(gc);
  if (gc.check->parsed()) return check_reservations(gc);
  return std::nullopt;
}

} // namespace swarm::cli
