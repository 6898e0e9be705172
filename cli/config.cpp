#include "cli/config.hpp"

#include "cli/client.hpp"

#include <swarm/types.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace swarm::cli {

namespace {

struct config_table {
  const char* name;
  const char* commands; // the commands its keys apply to; nullptr: every command
  const char* comment;
};

// Keys of [run] also set `swarm serve --agents`; [serve]'s also `swarm run --serve`.
const std::vector<config_table>& config_tables() {
  static const std::vector<config_table> tables{
      {"engine", nullptr, "Every command that opens the database."},
      {"run", "run serve",
       "`swarm run` and `swarm serve --agents`: the agents, their model and their work "
       "loop."},
      {"serve", "serve run",
       "`swarm serve` (and `swarm run --serve`): the engine kept running, with its HTTP "
       "API."},
  };
  return tables;
}

const config_table* find_table(const std::string& name) {
  for (const auto& t : config_tables())
    if (name == t.name) return &t;
  return nullptr;
}

const config_key* find_key(const std::string& table, const std::string& name) {
  for (const auto& k : config_keys())
    if (table == k.table && name == k.name) return &k;
  return nullptr;
}

std::string key_names(const std::string& table) {
  std::string out;
  for (const auto& k : config_keys())
    if (table == k.table) out += (out.empty() ? "" : ", ") + std::string{k.name};
  return out;
}

std::string table_names() {
  std::string out;
  for (const auto& t : config_tables())
    out += (out.empty() ? "[" : ", [") + std::string{t.name} + "]";
  return out;
}

std::string strategy_names() {
  std::string out;
  // graph_prioritized is the last strategy (types.hpp numbers them from 1).
  for (int i = 1; i <= static_cast<int>(claim_strategy::graph_prioritized); ++i)
    out += (out.empty() ? "" : ", ") +
           std::string{to_string(static_cast<claim_strategy>(i))};
  return out;
}

error at_line(const std::string& path, int64_t line, const std::string& what) {
  return {errc::bad_request, path + ":" + std::to_string(line) + ": " + what};
}

// A value as the user wrote it, for "not ..." in messages.
std::string shown(const toml::node& n) {
  if (n.is_table()) return "a table";
  if (auto s = n.value_exact<std::string>()) {
    std::string out = "\"";
    for (char c : *s)
      out += c == '"' || c == '\\' ? std::string{'\\', c} : std::string(1, c);
    return out + "\"";
  }
  std::ostringstream os;
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

std::string what_is_expected(const config_key& k) {
  switch (k.kind) {
  case config_kind::integer:
    return "an integer from " + std::to_string(k.min) + " to " + std::to_string(k.max);
  case config_kind::text:
  case config_kind::path:
  case config_kind::command:
    return "a string";
  case config_kind::duration:
    return "a duration such as \"500ms\", \"90s\", \"30m\" or \"2h\"";
  case config_kind::strategy:
    return "one of " + strategy_names();
  case config_kind::range_ms:
    return "milliseconds \"MIN-MAX\" (MIN <= MAX) or \"N\"";
  case config_kind::listen:
    return "\"HOST:PORT\" with a port from 0 (any free one) to 65535";
  case config_kind::text_list:
    return "an array of strings";
  case config_kind::dollars:
    return "a number of US dollars, 0 or more, such as 5 or 12.50";
  }
  return "valid";
}

error bad_value(const std::string& path, const config_key& k, const toml::node& n) {
  return at_line(path, n.source().begin.line,
                 "'" + std::string{k.name} + "' must be " + what_is_expected(k) +
                     ", not " + shown(n) + " — write " + k.name + " = " +
                     (k.example != nullptr ? k.example : k.default_toml));
}

bool valid_range_ms(const std::string& s) {
  auto number = [](const std::string& t) {
    return !t.empty() && t.size() <= 9 && t.find_first_not_of("0123456789") == t.npos;
  };
  auto dash = s.find('-');
  if (dash == s.npos) return number(s);
  auto lo = s.substr(0, dash), hi = s.substr(dash + 1);
  return number(lo) && number(hi) && std::stol(lo) <= std::stol(hi);
}

// A relative path in the file is relative to the file, wherever swarm runs.
std::string anchored(const std::string& value, const std::string& config_path) {
  const auto dir = fs::path{config_path}.parent_path();
  if (value.empty() || dir.empty() || fs::path{value}.is_absolute()) return value;
  return (dir / value).lexically_normal().string();
}

// The words a flag would take for `n`; nullopt when `n` is not a valid value of `k`.
std::optional<std::vector<std::string>> words_of(const config_key& k, const toml::node& n,
                                                 const std::string& path) {
  if (k.kind == config_kind::integer) {
    auto i = n.value_exact<int64_t>();
    if (!i || *i < k.min || *i > k.max) return std::nullopt;
    return std::vector<std::string>{std::to_string(*i)};
  }
  if (k.kind == config_kind::dollars) {
    std::optional<double> d = n.value_exact<double>();
    if (auto i = n.value_exact<int64_t>()) d = static_cast<double>(*i);
    if (!d || !(*d >= 0)) return std::nullopt;
    std::ostringstream os;
    os << *d;
    return std::vector<std::string>{os.str()};
  }
  if (k.kind == config_kind::text_list) {
    const auto* a = n.as_array();
    if (a == nullptr || (!a->empty() && !a->is_homogeneous(toml::node_type::string)))
      return std::nullopt;
    std::vector<std::string> out;
    for (const auto& x : *a)
      out.push_back(*x.value_exact<std::string>());
    return out;
  }
  auto s = n.value_exact<std::string>();
  if (!s) return std::nullopt;
  switch (k.kind) {
  case config_kind::duration:
    if (!parse_duration_ms(*s)) return std::nullopt;
    break;
  case config_kind::strategy:
    if (!parse_claim_strategy(*s)) return std::nullopt;
    break;
  case config_kind::range_ms:
    if (!valid_range_ms(*s)) return std::nullopt;
    break;
  case config_kind::listen:
    if (!parse_listen(*s)) return std::nullopt;
    break;
  case config_kind::path:
    return std::vector<std::string>{anchored(*s, path)};
  case config_kind::command:
    if (s->find('/') != s->npos) return std::vector<std::string>{anchored(*s, path)};
    break;
  default:
    break;
  }
  return std::vector<std::string>{*s};
}

// Where a key found in the wrong place belongs, for the hint.
const config_key* key_named(const std::string& name) {
  for (const auto& k : config_keys())
    if (name == k.name) return &k;
  return nullptr;
}

error unknown_key(const std::string& path, int64_t line, const std::string& table,
                  const std::string& name) {
  const auto* elsewhere = key_named(name);
  if (elsewhere != nullptr)
    return at_line(path, line,
                   "'" + name + "' does not belong in [" + table +
                       "] — write it under [" + elsewhere->table + "]");
  return at_line(path, line,
                 "unknown key '" + name + "' in [" + table + "] — write one of " +
                     key_names(table));
}

// What sits at the top level and is not one of the tables.
error stray_top_level(const std::string& path, int64_t line, const std::string& name,
                      const toml::node& node) {
  if (node.is_array_of_tables() && find_table(name) != nullptr)
    return at_line(path, line,
                   "[[" + name + "]] makes a list of tables — write [" + name +
                       "], once");
  if (node.is_table())
    return at_line(path, line,
                   "unknown table [" + name + "] — write one of " + table_names());
  const auto* k = key_named(name);
  if (k != nullptr)
    return at_line(path, line,
                   "'" + name + "' must sit in a table — write it under [" + k->table +
                       "]");
  return at_line(path, line,
                 "unknown key '" + name + "' outside the tables — write one of " +
                     table_names());
}

// toml++ keeps a table's keys sorted, not in file order: of all the problems, the
// first line's is the one reported, as a reader going down the file would meet it.
struct first_problem {
  std::optional<int64_t> line;
  error e;
  void add(int64_t at, error what) {
    if (line && *line <= at) return;
    line = at;
    e = std::move(what);
  }
};

void read_table(const std::string& path, const std::string& table, const toml::table& t,
                config& out, first_problem& problem) {
  for (const auto& [key, node] : t) {
    const std::string name{key.str()};
    const auto* k = find_key(table, name);
    const int64_t line = key.source().begin.line;
    if (k == nullptr) {
      problem.add(line, unknown_key(path, line, table, name));
      continue;
    }
    auto words = words_of(*k, node, path);
    if (!words)
      problem.add(line, bad_value(path, *k, node));
    else
      out.settings.push_back({k, std::move(*words), line});
  }
}

// [quality.<name>] tables: the quality gates' checks, field by field (quality_check in
// <swarm/options.hpp>), each checked with the line of the key that is wrong.
constexpr const char* quality_fields =
    "command, format, junit, timeout, allowed_new_errors, allowed_new_warnings";

std::optional<error> read_check_field(const std::string& path, const std::string& name,
                                      const toml::node& node, quality_check& c) {
  const int64_t line = node.source().begin.line;
  auto wrong = [&](const std::string& what, const std::string& write) {
    return at_line(path, line, "'" + name + "' in [quality." + c.name + "] must be " + what +
                                   " — write " + name + " = " + write);
  };
  if (name == "command" || name == "format") {
    const auto* v = node.as_string();
    if (v == nullptr)
      return wrong("a string", name == "command" ? "\"make test\"" : "\"ctest\"");
    (name == "command" ? c.command : c.format) = v->get();
  } else if (name == "junit") {
    const auto* list = node.as_array();
    if (list == nullptr) return wrong("an array of strings", "[\"build/junit.xml\"]");
    c.junit.clear();
    for (const auto& item : *list) {
      const auto* v = item.as_string();
      if (v == nullptr) return wrong("an array of strings", "[\"build/junit.xml\"]");
      c.junit.push_back(v->get());
    }
  } else if (name == "timeout") {
    const auto* v = node.as_string();
    auto ms = v != nullptr ? parse_duration_ms(v->get()) : std::nullopt;
    if (!ms) return wrong("a duration such as \"90s\" or \"30m\"", "\"30m\"");
    c.timeout = std::chrono::milliseconds{*ms};
  } else if (name == "allowed_new_errors" || name == "allowed_new_warnings") {
    const auto* v = node.as_integer();
    if (v == nullptr || v->get() < 0 || v->get() > 1'000'000)
      return wrong("a count from 0 to 1000000", "0");
    (name == "allowed_new_errors" ? c.allowed_new_errors : c.allowed_new_warnings) =
        static_cast<uint32_t>(v->get());
  } else {
    return at_line(path, line,
                   "unknown key '" + name + "' in [quality." + c.name + "] — write one of " +
                       quality_fields);
  }
  return std::nullopt;
}

// The checks in the file's order (they run in it: a build before its tests); toml++
// keeps a table's keys sorted by name.
void read_quality(const std::string& path, const toml::table& t, config& out,
                  first_problem& problem) {
  std::vector<std::pair<int64_t, quality_check>> in_order;
  for (const auto& [key, node] : t) {
    const int64_t line = key.source().begin.line;
    quality_check c;
    c.name = std::string{key.str()};
    const auto* fields = node.as_table();
    if (fields == nullptr) {
      problem.add(line, at_line(path, line,
                                "'" + c.name + "' in [quality] must be a table of one check "
                                "— write [quality." + c.name + "] with command = \"...\""));
      continue;
    }
    bool ok = true;
    for (const auto& [field, value] : *fields)
      if (auto bad = read_check_field(path, std::string{field.str()}, value, c)) {
        problem.add(value.source().begin.line, *bad);
        ok = false;
      }
    if (!ok) continue;
    if (auto valid = validate(c); !valid)
      problem.add(line, at_line(path, line, valid.error().message));
    else
      in_order.emplace_back(line, std::move(c));
  }
  std::stable_sort(in_order.begin(), in_order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, c] : in_order)
    out.quality.push_back(std::move(c));
}

// The one place toml++ may throw (Debian builds it with exceptions).
expected<toml::table> parse_toml(const std::string& text, const std::string& path) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return at_line(path, e.source().begin.line,
                   std::string{e.description()} + " — write valid TOML (toml.io)");
  }
}

bool env_set(const config_key& k) {
  const char* v = k.env != nullptr ? std::getenv(k.env) : nullptr;
  return v != nullptr && *v != '\0'; // CLI11 also ignores an empty variable
}

bool applies_to(const config_key& k, const std::string& command) {
  const auto* t = find_table(k.table);
  const char* commands = k.commands != nullptr ? k.commands
                         : t != nullptr        ? t->commands
                                               : nullptr;
  if (commands == nullptr) return true;
  std::istringstream names{commands};
  std::string n;
  while (names >> n)
    if (n == command) return true;
  return false;
}

// The command's own name: a subcommand's name, "" for the app itself.
std::string name_of(const CLI::App& cmd) {
  return cmd.get_parent() != nullptr ? cmd.get_name() : std::string{};
}

expected<bool> apply_setting(CLI::App& cmd, const config_setting& s,
                             const std::string& path) {
  const auto& k = *s.key;
  auto* opt = cmd.get_option_no_throw(k.flag);
  if (opt == nullptr || !applies_to(k, name_of(cmd))) return true;
  if (opt->count() > 0 || env_set(k) || s.values.empty()) return true;
  try {
    opt->add_result(s.values);
    opt->run_callback();
  } catch (const CLI::Error& e) {
    return at_line(path, s.line,
                   std::string{k.name} + ": " + e.what() + " — write " + k.name + " = " +
                       (k.example != nullptr ? k.example : k.default_toml));
  }
  return true;
}

} // namespace

const std::vector<config_key>& config_keys() {
  using k = config_kind;
  static const std::vector<config_key> keys{
      {"engine", "db", "--db", "SWARM_DB", k::path, "\".swarm/swarm.db\"",
       "the database: journal and state"},
      {"engine", "heartbeat", "--heartbeat", "SWARM_HEARTBEAT", k::duration, "\"30s\"",
       "agents' heartbeat interval; silent for two intervals is stale"},
      // `swarm serve` runs agents only when asked on its command line.
      {"run", "agents", "--agents", "SWARM_AGENTS", k::integer, "4",
       "how many agents `swarm run` starts (`swarm serve` only with --agents)", nullptr,
       1, max_agents, "run"},
      {"run", "model", "--model", "SWARM_MODEL", k::text, "\"mock\"",
       "what agents run: mock, claude, codex, gemini or command:<template>"},
      {"run", "model_bin", "--model-bin", "SWARM_MODEL_BIN", k::command, "\"\"",
       "the model CLI; empty: found on PATH by the model's name", "\"/usr/bin/claude\""},
      {"run", "model_name", "--model-name", "SWARM_MODEL_NAME", k::text, "\"\"",
       "model name passed to the model CLI; empty: its own default", "\"opus\""},
      {"run", "model_args", "--model-arg", nullptr, k::text_list, "[]",
       "extra arguments for the model CLI", "[\"--verbose\"]"},
      {"run", "permissions", "--permissions", "SWARM_PERMISSIONS", k::text, "\"workdir\"",
       "what claude, codex and gemini may do: workdir, none or full (sandbox only)"},
      {"run", "skills", "--skills", "SWARM_SKILLS", k::text_list, "[]",
       "the agents' skills; none: generalists that take any task", "[\"cpp\", \"sql\"]"},
      {"run", "strategy", "--strategy", "SWARM_STRATEGY", k::strategy, "\"best-fit\"",
       "which ready task an agent gets:"}, // the names follow, from the library
      {"run", "max_attempts", "--max-attempts", "SWARM_MAX_ATTEMPTS", k::integer, "3",
       "attempts before a task fails for good", nullptr, 1, max_attempts_limit},
      {"run", "timeout", "--timeout", "SWARM_TIMEOUT", k::duration, "\"30m\"",
       "per attempt: the model is stopped after this"},
      {"run", "kill_grace", "--kill-grace", "SWARM_KILL_GRACE", k::duration, "\"5s\"",
       "a stopped model gets SIGTERM, then SIGKILL after this"},
      {"run", "stall_timeout", "--stall-timeout", "SWARM_STALL_TIMEOUT", k::duration,
       "\"10m\"", "per attempt: a model that writes nothing this long is stopped"},
      {"run", "unavailable_backoff", "--unavailable-backoff", "SWARM_UNAVAILABLE_BACKOFF",
       k::duration, "\"30s\"",
       "a model that cannot reach its service pauses claims this long, doubling"},
      {"run", "retry_backoff", "--retry-backoff", "SWARM_RETRY_BACKOFF", k::duration,
       "\"1s\"", "wait before retrying a failed attempt, doubling per attempt"},
      {"run", "budget_usd", "--budget-usd", "SWARM_BUDGET_USD", k::dollars, "0",
       "claim nothing new once a run spent this (US dollars as claude reports); 0: no "
       "limit",
       "5.00"},
      {"run", "isolation", "--isolation", "SWARM_ISOLATION", k::text, "\"shared\"",
       "where each attempt works: shared, or worktree (a git worktree per attempt, "
       "merged by one queue)", "\"worktree\""},
      {"run", "integration_branch", "--integration-branch", "SWARM_INTEGRATION_BRANCH",
       k::text, "\"\"", "worktree: the branch work merges into; empty: the one checked out",
       "\"main\"", 0, 0, "run serve baseline"},
      {"run", "merge_strategy", "--merge-strategy", "SWARM_MERGE_STRATEGY", k::text,
       "\"rebase\"", "worktree: rebase (linear history) or merge (a merge commit per task)",
       "\"merge\"", 0, 0, "run serve baseline"},
      {"run", "keep_runs", "--keep-runs", "SWARM_KEEP_RUNS", k::integer, "1000",
       "run directories (.swarm/runs/<task>/) of finished tasks kept, the newest; 0: all",
       nullptr, 0, 100000000},
      {"run", "keep_failed", "--keep-failed", "SWARM_KEEP_FAILED", k::integer, "10",
       "worktree: failed attempts' worktrees kept for inspection; 0: none", nullptr, 0,
       100000, "run serve baseline"},
      {"run", "work_ms", "--work-ms", "SWARM_WORK_MS", k::range_ms, "\"20-120\"",
       "mock model only: each attempt works MIN-MAX milliseconds"},
      {"serve", "listen", "--listen", "SWARM_LISTEN", k::listen, "\"127.0.0.1:7420\"",
       "the HTTP address; loopback keeps the API on this machine"},
  };
  return keys;
}

std::optional<std::pair<std::string, uint16_t>> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == text.npos || colon == 0) return std::nullopt;
  auto host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.find_first_of(" \t") != host.npos) return std::nullopt;
  if (host.front() == '[' && host.back() != ']') return std::nullopt;
  if (host.front() != '[' && host.find(':') != host.npos) return std::nullopt;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != port.npos)
    return std::nullopt;
  auto n = std::stol(port);
  if (n > 65535) return std::nullopt;
  return std::pair{host, static_cast<uint16_t>(n)};
}

expected<config> parse_config(const std::string& text, const std::string& path) {
  auto doc = parse_toml(text, path);
  if (!doc) return doc.error();
  config out{path, {}, {}};
  first_problem problem;
  for (const auto& [key, node] : *doc) {
    const std::string name{key.str()};
    const int64_t line = key.source().begin.line;
    if (name == "quality" && node.is_table())
      read_quality(path, *node.as_table(), out, problem);
    else if (!node.is_table() || find_table(name) == nullptr)
      problem.add(line, stray_top_level(path, line, name, node));
    else
      read_table(path, name, *node.as_table(), out, problem);
  }
  if (problem.line) return problem.e;
  return out;
}

expected<std::optional<config>> load_config(const std::string& explicit_path) {
  const std::string path = explicit_path.empty() ? default_config_name : explicit_path;
  std::error_code ec;
  if (explicit_path.empty() && !fs::exists(path, ec)) return std::optional<config>{};
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    return make_error(errc::bad_request,
                      path + ": cannot read this config file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto c = parse_config(text.str(), path);
  if (!c) return c.error();
  return std::optional<config>{std::move(*c)};
}

std::string default_config_text() {
  std::string out =
      "# swarm.toml: this project's settings for the `swarm` command, written by\n"
      "# `swarm init`. Every key is shown at its default; change what you need.\n"
      "# Precedence: command-line flags, then SWARM_* environment variables, then this\n"
      "# file, then the built-in defaults. Relative paths are relative to this file.\n"
      "# An unknown key or a bad value is refused, naming its line and the fix.\n";
  for (const auto& t : config_tables()) {
    out += std::string{"\n# "} + t.comment + "\n[" + t.name + "]\n";
    for (const auto& k : config_keys()) {
      if (std::string{k.table} != t.name) continue;
      out += std::string{"# "} + k.comment +
             (k.kind == config_kind::strategy ? " " + strategy_names() : "") + " (" +
             k.flag + (k.env != nullptr ? std::string{", "} + k.env : "") + ")\n";
      out += std::string{k.name} + " = " + k.default_toml + "\n";
    }
  }
  out += "\n# Quality gates (with isolation = \"worktree\"): each [quality.<name>] table is a\n"
         "# check run in every task's worktree once its model succeeded, in this order; a\n"
         "# task that makes one worse than the baseline (taken at start on the integration\n"
         "# branch) fails as quality_failure and is not merged. Keys: command (sh -c), format\n"
         "# (exit, junit, ctest, pytest, tap, eslint, gcc, clang, tsc), junit (its report\n"
         "# files), timeout (\"30m\"), allowed_new_errors, allowed_new_warnings (0).\n"
         "# [quality.build]\n"
         "# command = \"cmake --build build\"\n"
         "# format = \"gcc\"\n"
         "# [quality.test]\n"
         "# command = \"ctest --test-dir build\"\n"
         "# format = \"ctest\"\n";
  return out;
}

void bind_config_env(CLI::App& app) {
  for (const auto& k : config_keys()) {
    if (k.env == nullptr || !applies_to(k, name_of(app))) continue;
    if (auto* opt = app.get_option_no_throw(k.flag); opt != nullptr) opt->envname(k.env);
  }
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
    bind_config_env(*sub);
}

expected<bool> apply_config(CLI::App& cmd, const config& c) {
  for (const auto& s : c.settings)
    if (auto r = apply_setting(cmd, s, c.path); !r) return r;
  for (auto* sub : cmd.get_subcommands())
    if (auto r = apply_config(*sub, c); !r) return r;
  return true;
}

} // namespace swarm::cli
