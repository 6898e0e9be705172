#pragma once
// swarm.toml: the project's settings for the `swarm` command. Owns the one list of
// config keys (table, name, the flag it stands for, its SWARM_* variable, default and
// comment), from which the parser, the file `swarm init` writes and the environment
// bindings are all derived — a key is spelled once, here in config.cpp.
//
// Precedence, for each flag of the command that was parsed: the command line, then the
// key's SWARM_* variable (CLI11 reads it, bound by bind_config_env), then swarm.toml,
// then the built-in default of the flag. A value from the file goes through the same
// CLI11 option as the flag would, so it lands in the same variable.
//
// Errors are values; the messages are the user's one line: "PATH:LINE: what is wrong —
// write what to write instead". Used from main's thread only.

#include <swarm/error.hpp>
#include <swarm/options.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace swarm::cli {

// The bounds the CLI checks for the run's counts; the config file checks the same.
constexpr int64_t max_agents = 4096;
constexpr int64_t max_attempts_limit = 100;

// The file `swarm init` writes and the command reads from the current directory.
constexpr const char* default_config_name = "swarm.toml";

enum class config_kind : uint8_t {
  integer,  // within [min, max]
  text,     // any string
  path,     // a string; relative ones are relative to the file's directory
  command,  // a string; with a '/', relative to the file's directory (else PATH)
  duration, // "500ms", "90s", "30m", "2h" (parse_duration_ms)
  strategy, // a claim strategy name (parse_claim_strategy)
  range_ms, // "MIN-MAX" or "N" milliseconds
  listen,   // "HOST:PORT"
  text_list, // an array of strings
  dollars    // a number >= 0 (an integer or a float): US dollars
};

struct config_key {
  const char* table;
  const char* name;
  const char* flag; // the option it feeds, on every command that has it
  const char* env;  // nullptr: no variable (a list of arguments does not fit in one)
  config_kind kind;
  const char* default_toml;      // as written in swarm.toml: 4, "30s", []
  const char* comment;           // one line, for the generated file
  const char* example = nullptr; // for "write ..." when the default shows too little
  int64_t min = 0, max = 0;      // integer keys
  // The commands it applies to when fewer than its table's ("run"); nullptr: the table's.
  const char* commands = nullptr;
};

// Every key, in the order the generated file shows them.
const std::vector<config_key>& config_keys();

// "HOST:PORT" (an IPv6 host in brackets, port 0-65535; 0: any free port) as its parts;
// nullopt otherwise.
std::optional<std::pair<std::string, uint16_t>> parse_listen(const std::string& text);

// One key set in a file: the flag's words, as if typed after the flag.
struct config_setting {
  const config_key* key = nullptr;
  std::vector<std::string> values;
  int64_t line = 0;
};

struct config {
  std::string path; // as named: "swarm.toml", or --config's argument
  std::vector<config_setting> settings;
  // [quality.<name>] tables, in the file's order: the quality gates of `swarm run` and
  // `swarm serve --agents` (they have no flags).
  std::vector<quality_check> quality;
};

// Parses swarm.toml text; `path` names it in messages and anchors relative paths.
// errc::bad_request with the one-line message on any unknown key, wrong type, bad
// value or TOML syntax error.
expected<config> parse_config(const std::string& text, const std::string& path);

// Reads the file `explicit_path` names (missing: an error), or default_config_name in
// the current directory (missing: nullopt, the defaults apply).
expected<std::optional<config>> load_config(const std::string& explicit_path);

// The commented swarm.toml `swarm init` writes: every key at its default.
std::string default_config_text();

// Binds each key's SWARM_* variable to the options named by its flag, on `app` and all
// its subcommands. REQUIRES: called before app.parse.
void bind_config_env(CLI::App& app);

// Sets the flags of `cmd` (and its parsed subcommands) that the command line and the
// environment left unset from `c`. REQUIRES: cmd was parsed.
expected<bool> apply_config(CLI::App& cmd, const config& c);

} // namespace swarm::cli
