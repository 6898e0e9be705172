#pragma once
// How a `swarm` command reaches an engine: flags every command shares, one request of
// the command protocol sent to the running engine's control socket or, when none
// runs, executed by an engine opened in-process on the database.

#include <swarm/json.hpp>
#include <swarm/swarm.hpp>

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct common_flags {
  std::string db = ".swarm/swarm.db";
  std::string socket;
  bool json_out = false;
  int64_t heartbeat_ms = 0; // 0: the default; when set, an engine started for the command
                            // treats agents silent for two such intervals as stale
  // The memory embedder of an engine started for the command (options::embedder);
  // empty: the one the database uses.
  std::string embedder, embedder_model, embedder_key_env;

  options to_options() const {
    options o;
    o.db_path = db;
    o.control_socket = socket;
    if (heartbeat_ms > 0) o.heartbeat = std::chrono::milliseconds{heartbeat_ms};
    o.embedder = embedder;
    if (!embedder_model.empty()) o.embedder_model = embedder_model;
    o.embedder_key_env = embedder_key_env;
    return o;
  }
};

void add_common(CLI::App* cmd, common_flags& f, bool with_json = true);
// --embedder, --embedder-model, --embedder-key-env.
void add_embedder_flags(CLI::App* cmd, common_flags& f);

// Prints "swarm: <message> [<code>]" on stderr; returns the exit code.
int fail(const error& e);

// The way to an engine for a series of requests: the running engine's control socket
// while one answers there, else an engine opened in-process on the database on the
// first request that finds none, kept (and used for every later request) until the
// link is destroyed. Opened read-only unless `changes_state`; with `serve_socket` the
// in-process engine serves the control socket too, so that other `swarm` commands
// reach it while it lives. Used from one thread.
class engine_link {
public:
  engine_link(const common_flags& f, bool changes_state, bool serve_socket = false);
  ~engine_link();
  engine_link(const engine_link&) = delete;
  engine_link& operator=(const engine_link&) = delete;

  // One request line in, its reply line out; the error when no engine can be reached.
  // The request goes with a credential (README "Identity") unless it carries one:
  // $SWARM_AGENT_TOKEN when set; else, to a running engine, the operator token
  // (operator_token, made beside the database when missing); an engine of this
  // process trusts a request without one.
  expected<std::string> send(const std::string& request_json);

  // Whether requests go to an engine of this process.
  bool in_process() const { return local_ != nullptr; }

private:
  // The request with the credential `send` adds, or as it is.
  expected<std::string> with_credential(const std::string& request_json, bool remote);

  options opts_;
  std::string socket_;
  std::string operator_token_; // read on first use, then kept
  bool changes_state_;
  bool serve_socket_;
  std::unique_ptr<engine> local_;
};

// Runs one command through `link` (several commands share one in-process engine).
expected<boost::json::value> call(engine_link& link, const std::string& op,
                                  boost::json::object args);

// Runs one command through the running engine, or an in-process one when none runs
// (opened read-only unless `changes_state`).
expected<boost::json::value> call(const common_flags& f, const std::string& op,
                                  boost::json::object args, bool changes_state);

// Prints a result as JSON or through `human`; returns the exit code.
int print_result(const expected<boost::json::value>& r, bool json_out,
                 void (*human)(const boost::json::value&));

// A request value (<swarm/json.hpp>) as command arguments: its JSON shape.
// An enum flag (--category, --kind, --type...) goes to the engine in the user's words,
// so a name it does not know is refused by the engine's one message, with or without a
// running engine. Empty words leave the field as built.
void pass_name(boost::json::object& args, const char* key, const std::string& words);

template <class T> boost::json::object args_of(const T& request) {
  return boost::json::value_from(request).as_object();
}

// Says on stderr that a reply did not have the shape this build reads.
void report_bad_reply(const error& e);

// A reply (or a part of one) as the value it carries; nullopt, said on stderr, when it
// does not read as one.
template <class T> std::optional<T> reply_as(const boost::json::value& v) {
  auto r = from_json<T>(v);
  if (r) return std::move(*r);
  report_bad_reply(r.error());
  return std::nullopt;
}
// The array `key` of a reply, each element read as T.
template <class T>
std::optional<std::vector<T>> reply_list(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  const auto* a = o != nullptr ? o->if_contains(key) : nullptr;
  if (a == nullptr || !a->is_array()) {
    report_bad_reply({errc::bad_request, std::string{"no array '"} + key + "'"});
    return std::nullopt;
  }
  std::vector<T> out;
  for (const auto& x : a->get_array()) {
    auto one = reply_as<T>(x);
    if (!one) return std::nullopt;
    out.push_back(std::move(*one));
  }
  return out;
}

// Prints "swarm: <message>" on stderr; returns 2 (bad usage).
int usage(const std::string& message);

// Writes `text` beside `path` and renames it over `path`, so a reader never sees half a
// file; `mode`, when given, is set before the rename. errc::io_error naming the file.
expected<bool> replace_file(const std::filesystem::path& path, const std::string& text,
                            std::optional<std::filesystem::perms> mode = std::nullopt);

// "500ms", "90s", "30m", "2h" or plain seconds; nullopt when unreadable.
std::optional<int64_t> parse_duration_ms(const std::string& text);

// A field of a JSON object as text (a string as is, anything else serialised); "" when
// missing or null.
std::string text_of(const boost::json::value& v, const char* key);
// An integer field; nullopt when missing or not a number.
std::optional<int64_t> int_of(const boost::json::value& v, const char* key);

// Milliseconds from now until `expires`; 0 once it is past.
int64_t ms_until(timestamp expires);

// A moment for people, in UTC: "2026-12-06 17:45:00".
std::string utc_text(timestamp t);

// A duration for people: "45m12s", "2h05m", "9s", "0s" (negative: "0s").
std::string duration_text(int64_t ms);

} // namespace swarm::cli
