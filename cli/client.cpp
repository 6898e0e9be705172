#include "cli/client.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace json = boost::json;

namespace swarm::cli {

namespace {
// Parses a protocol reply into its result or its error.
swarm::expected<json::value> unpack_reply(const std::string& line) {
  json::error_code ec;
  auto v = json::parse(line, ec);
  if (ec || !v.is_object())
    return swarm::make_error(
        swarm::errc::internal,
        "unreadable reply from the engine (" + std::string{ec ? ec.message() : "not an object"} +
            "): " + (line.size() > 200 ? line.substr(0, 200) + "..." : line));
  auto& o = v.get_object();
  if (auto* ok = o.if_contains("ok"); ok != nullptr && ok->is_bool() && ok->get_bool())
    return o.contains("result") ? o.at("result") : json::value{};
  swarm::error err{swarm::errc::internal, "the engine refused without a reason"};
  if (auto* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    auto& eo = e->get_object();
    if (auto* c = eo.if_contains("code"); c != nullptr && c->is_string())
      err.code =
          swarm::parse_errc(std::string{c->get_string()}).value_or(swarm::errc::internal);
    if (auto* m = eo.if_contains("message"); m != nullptr && m->is_string())
      err.message = std::string{m->get_string()};
  }
  return err;
}

} // namespace

void add_common(CLI::App* cmd, common_flags& f, bool with_json) {
  cmd->add_option("--db", f.db, "database path")->capture_default_str();
  cmd->add_option("--socket", f.socket,
                  "control socket path (default: beside the database)");
  if (with_json) cmd->add_flag("--json", f.json_out, "print JSON");
}

void add_embedder_flags(CLI::App* cmd, common_flags& f) {
  cmd->add_option("--embedder", f.embedder,
                  "how memories are embedded: builtin, builtin:<dim>, command:<cmd>, or an "
                  "OpenAI-compatible URL; stored in the database (a change re-embeds)");
  cmd->add_option("--embedder-model", f.embedder_model, "HTTP embedder: the model name");
  cmd->add_option("--embedder-key-env", f.embedder_key_env,
                  "HTTP embedder: the variable holding the API key (default "
                  "SWARM_EMBEDDER_API_KEY, then OPENAI_API_KEY)");
}

void report_bad_reply(const error& e) {
  std::cerr << "swarm: the engine's reply does not read as expected (" << e.message
            << "); is it a different swarm version?\n";
}

int usage(const std::string& message) {
  std::cerr << "swarm: " << message << "\n";
  return 2;
}

void pass_name(boost::json::object& args, const char* key, const std::string& words) {
  if (!words.empty()) args[key] = words;
}

expected<bool> replace_file(const std::filesystem::path& path, const std::string& text,
                            std::optional<std::filesystem::perms> mode) {
  namespace fs = std::filesystem;
  const fs::path tmp{path.string() + ".swarm-new"};
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out << text;
    out.close();
    if (!out)
      return make_error(errc::io_error,
                        "cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  if (mode) fs::permissions(tmp, *mode, ec);
  if (!ec) fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return make_error(errc::io_error, "cannot write " + path.string() + ": " + ec.message());
  }
  return true;
}

int fail(const swarm::error& e) {
  std::cerr << "swarm: " << e.message << " [" << swarm::to_string(e.code) << "]\n";
  return swarm::exit_code(e.code);
}

engine_link::engine_link(const common_flags& f, bool changes_state, bool serve_socket)
    : opts_(f.to_options()), socket_(swarm::control_socket_path(opts_)),
      changes_state_(changes_state), serve_socket_(serve_socket) {
  opts_.inspect_only = !changes_state;
}

engine_link::~engine_link() = default;

expected<std::string> engine_link::with_credential(const std::string& request,
                                                   bool remote) {
  const char* agent_token = std::getenv("SWARM_AGENT_TOKEN");
  const bool has_agent_token = agent_token != nullptr && *agent_token != '\0';
  if (!remote && !has_agent_token) return request;
  json::error_code ec;
  auto v = json::parse(request, ec);
  // Not a request object: the engine answers that, whatever the credential.
  if (ec || !v.is_object() || v.get_object().contains("token")) return request;
  if (has_agent_token) {
    v.get_object()["token"] = agent_token;
  } else {
    if (operator_token_.empty()) {
      auto token = swarm::operator_token(opts_);
      if (!token) return token.error();
      operator_token_ = std::move(*token);
    }
    v.get_object()["token"] = operator_token_;
  }
  return json::serialize(v);
}

expected<std::string> engine_link::send(const std::string& plain) {
  if (local_) {
    auto request = with_credential(plain, false);
    if (!request) return request.error();
    return local_->execute(*request);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    // No socket, no engine to send a credential to (and no token file made for none).
    auto request = with_credential(plain, std::filesystem::exists(socket_));
    if (!request) return request.error();
    auto remote = swarm::call_control_socket(socket_, *request);
    if (remote || remote.error().code != swarm::errc::engine_unavailable) return remote;
    if (!changes_state_ && !std::filesystem::exists(opts_.db_path))
      return swarm::make_error(
          swarm::errc::not_found,
          "no swarm database at " + opts_.db_path +
              "; run `swarm run PLAN` or `swarm load PLAN` first, or "
              "pass --db");
    auto local = swarm::engine::open(opts_);
    if (local) {
      local_ = std::move(*local);
      if (serve_socket_)
        if (auto s = local_->serve_control_socket(); !s)
          std::cerr << "swarm: warning: no control socket (" << s.error().message
                    << "); other swarm commands wait until this one ends\n";
      auto in_process = with_credential(plain, false);
      if (!in_process) return in_process.error();
      return local_->execute(*in_process);
    }
    // Another engine holds the database but does not answer on the socket yet (it is
    // starting, or it is another one-shot command): try again for a moment.
    if (local.error().code != swarm::errc::database_locked ||
        std::chrono::steady_clock::now() > deadline)
      return local.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

expected<json::value> call(engine_link& link, const std::string& op, json::object args) {
  auto request =
      json::serialize(json::object{{"id", 1}, {"op", op}, {"args", std::move(args)}});
  auto reply = link.send(request);
  if (!reply) return reply.error();
  return unpack_reply(*reply);
}

// Runs one command through the running engine, or an in-process one when none runs.
expected<json::value> call(const common_flags& f, const std::string& op,
                           json::object args, bool changes_state) {
  engine_link link{f, changes_state};
  return call(link, op, std::move(args));
}

int print_result(const swarm::expected<json::value>& r, bool json_out,
                 void (*human)(const json::value&)) {
  if (!r) return fail(r.error());
  if (json_out)
    std::cout << json::serialize(*r) << "\n";
  else
    human(*r);
  return 0;
}

// "500ms", "90s", "30m", "2h" or plain seconds; nullopt when unreadable.
std::optional<int64_t> parse_duration_ms(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto unit = text.substr(used);
  double scale = unit == "ms"                  ? 1
                 : unit == "s" || unit.empty() ? 1e3
                 : unit == "m"                 ? 6e4
                 : unit == "h"                 ? 3.6e6
                                               : -1;
  if (scale < 0 || value < 0) return std::nullopt;
  return static_cast<int64_t>(value * scale);
}

std::string text_of(const json::value& v, const char* key) {
  const auto* x = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  if (x == nullptr || x->is_null()) return {};
  return x->is_string() ? std::string{x->get_string()} : json::serialize(*x);
}

std::optional<int64_t> int_of(const json::value& v, const char* key) {
  const auto* x = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  if (x == nullptr) return std::nullopt;
  if (x->is_int64()) return x->get_int64();
  if (x->is_uint64()) return static_cast<int64_t>(x->get_uint64());
  if (x->is_double()) return static_cast<int64_t>(x->get_double());
  return std::nullopt;
}

int64_t ms_until(timestamp expires) {
  using namespace std::chrono;
  const auto left = duration_cast<milliseconds>(expires - system_clock::now()).count();
  return left > 0 ? left : 0;
}

std::string utc_text(timestamp t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&secs));
  return buf;
}

std::string duration_text(int64_t ms) {
  const int64_t s = ms > 0 ? (ms + 999) / 1000 : 0;
  char buf[48];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  return buf;
}

} // namespace swarm::cli
