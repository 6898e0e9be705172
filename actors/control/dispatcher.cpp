#include "actors/control/dispatcher.hpp"

#include "actors/control/acting_as.hpp"
#include "actors/control/dispatch_support.hpp"
#include "src/utf8.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <map>
#include <string_view>

namespace swarm {

namespace {

// Every area's table, by op.
const std::map<std::string_view, command_handler>& handlers() {
  static const auto table = [] {
    std::map<std::string_view, command_handler> all;
    for (const auto* area : {&task_commands(), &agent_commands(), &mail_commands(),
                             &reservation_commands(), &memory_commands()})
      for (const auto& c : *area)
        all.emplace(c.op, c.run);
    return all;
  }();
  return table;
}

// The command a handler on this thread is running: its op and which of its arguments
// were read (dispatch_support.hpp's refusal). Lives around the handler's call.
struct running_command;
thread_local const running_command* running = nullptr;

struct running_command {
  running_command(std::string_view name, const json::value& args) : op(name), log(args) {
    running = this;
  }
  ~running_command() { running = nullptr; }
  running_command(const running_command&) = delete;
  running_command& operator=(const running_command&) = delete;

  std::string_view op;
  field_log log;
  json::storage_ptr storage = json::make_shared_resource<json::monotonic_resource>();
};

} // namespace

json::storage_ptr reply_storage() {
  return running != nullptr ? running->storage : json::storage_ptr{};
}

namespace {

expected<json::value> call(command_handler handler, engine& e, std::string_view op,
                           const json::value& args) {
  const running_command command{op, args};
  return handler(e, args);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string reply_error(const json::value& id, const error& err) {
  return json::serialize(
      json::object{{"id", id}, {"ok", false}, {"error", json::value_from(err)}});
}

// Who the request's "token" says (its caller when it has none: `by_default`).
expected<requester> resolve(engine& e, const json::object& request,
                            const requester& by_default) {
  auto* token = request.if_contains("token");
  if (token == nullptr) return by_default;
  if (!token->is_string())
    return make_error(errc::bad_request, "\"token\" must be a string");
  auto who = e.identify(std::string{token->get_string()});
  if (!who) return who.error();
  return requester{*who};
}

std::string run(engine& e, const std::string& request_json, json::value& id,
                const requester& by_default) {
  json::error_code ec;
  auto req = json::parse(request_json, ec);
  if (ec || !req.is_object())
    return reply_error(id, {errc::bad_request, "the request is not a JSON object"});
  auto& o = req.get_object();
  if (auto* v = o.if_contains("id")) id = *v;
  auto* op = o.if_contains("op");
  if (op == nullptr || !op->is_string())
    return reply_error(id, {errc::bad_request, "the request has no \"op\" string"});
  static const json::value no_args = json::object{};
  const json::value* args = &no_args;
  if (auto* a = o.if_contains("args"); a != nullptr && !a->is_null()) {
    if (!a->is_object())
      return reply_error(id, {errc::bad_request, "\"args\" must be an object"});
    args = a;
  }
  for (const auto& kv : o)
    if (kv.key() != "id" && kv.key() != "op" && kv.key() != "args" &&
        kv.key() != "token")
      return reply_error(
          id, {errc::bad_request, "unknown key '" + std::string{kv.key()} +
                                      "' in the request; it takes id, op, args and token "
                                      "(the op's arguments go inside args)"});
  auto who = resolve(e, o, by_default);
  if (!who) return reply_error(id, who.error());
  auto result = run_command(e, op->get_string(), *args, *who);
  if (!result) return reply_error(id, result.error());
  // The envelope around the reply as text: the reply is not copied out of its arena.
  std::string out = "{\"id\":";
  out += json::serialize(id);
  out += ",\"ok\":true,\"result\":";
  out += json::serialize(*result);
  out += '}';
  repair_utf8(out); // a damaged row must not make the whole reply unreadable
  return out;
}

} // namespace

std::vector<std::string> command_ops() {
  std::vector<std::string> out;
  for (const auto& [op, run] : handlers())
    out.emplace_back(op);
  return out;
}

std::optional<error> refusal() {
  if (running == nullptr) return std::nullopt;
  const auto unread = running->log.unread();
  if (unread.empty()) return std::nullopt;
  const auto takes = running->log.asked();
  return error{errc::bad_request, "unknown argument '" + unread.front() + "' for op '" +
                                      std::string{running->op} + "'; " +
                                      (takes.empty() ? "it takes no arguments"
                                                     : "it takes: " + joined(takes))};
}

std::optional<error> refusal(const field_reader& r) {
  if (auto bad = refusal()) return bad;
  return r.problem();
}

expected<json::value> run_command(engine& e, std::string_view op, const json::value& args,
                                  const requester& who) {
  auto it = handlers().find(op);
  if (it == handlers().end())
    return make_error(errc::unknown_op, "unknown op '" + std::string{op} + "'");
  // Nothing of ours throws; this edge turns what a dependency might (an allocation
  // failure, a bug) into an error, so a transport never loses its connection to one.
  try {
    if (auto no = forbidden(e, op, args, who)) return *no;
    return call(it->second, e, op, args);
  } catch (const std::exception& ex) {
    return make_error(errc::internal, ex.what());
  }
}

std::string dispatch_command(engine& e, const std::string& request_json,
                             const requester& by_default) {
  json::value id = nullptr;
  // Nothing of ours throws; this edge turns what a dependency might (an allocation
  // failure, a bug) into a reply, so a transport never loses its connection to one.
  try {
    return run(e, request_json, id, by_default);
  } catch (const std::exception& ex) {
    return reply_error(id, {errc::internal, ex.what()});
  }
}

} // namespace swarm
