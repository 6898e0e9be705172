#include "service/http/http_translate.hpp"

#include "src/utf8.hpp"

#include <swarm/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <cctype>

namespace swarm::http {

namespace json = boost::json;

int status_of(errc code) noexcept {
  switch (code) {
  case errc::bad_request:
  case errc::unknown_op:
    return 400;
  case errc::unauthorized:
    return 401;
  case errc::forbidden:
    return 403;
  case errc::not_found:
    return 404;
  case errc::not_claimant:
  case errc::invalid_state:
  case errc::refused:
  case errc::database_locked:
  case errc::merge_conflict:
    return 409;
  case errc::invalid_plan:
    return 422;
  default:
    return 500;
  }
}

std::optional<std::string_view> bearer_token(std::string_view header) noexcept {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return std::nullopt;
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

bool same_secret(std::string_view a, std::string_view b) noexcept {
  // Every byte of the longer one is looked at, whatever differs first.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

response error_response(const error& e) {
  return {status_of(e.code),
          json::serialize(json::object{
              {"id", nullptr}, {"ok", false}, {"error", json::value_from(e)}})};
}

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

json::value as_arg(const std::string& text, arg_kind kind) {
  if (kind == arg_kind::count && all_digits(text)) return std::stoll(text);
  if (kind == arg_kind::flag && (text == "1" || text == "true")) return true;
  if (kind == arg_kind::flag && (text == "0" || text == "false")) return false;
  return json::string(text);
}

std::string allowed_names(const std::vector<query_arg>& allowed) {
  std::string names;
  for (const auto& a : allowed)
    names += (names.empty() ? "" : ", ") + std::string{a.name};
  return names.empty() ? "none" : names;
}

} // namespace

expected<command_call> command_request(std::string_view op, const query& q,
                                       const std::vector<query_arg>& allowed,
                                       const query& fixed) {
  json::object args;
  for (const auto& [name, value] : fixed)
    args[name] = value;
  for (const auto& [name, value] : q) {
    const std::string& key = name; // a lambda may not capture a structured binding (C++17)
    auto it = std::find_if(allowed.begin(), allowed.end(),
                           [&](const query_arg& a) { return key == a.name; });
    if (it == allowed.end())
      return make_error(errc::bad_request, "unknown query parameter '" + name +
                                               "'; this resource takes " +
                                               allowed_names(allowed));
    const std::string arg = it->arg != nullptr ? it->arg : name;
    if (args.contains(arg))
      return make_error(errc::bad_request,
                        "query parameter '" + name + "' is given more than once");
    args[arg] = as_arg(value, it->kind);
  }
  return command_call{std::string{op}, std::move(args)};
}

namespace {

// The body as an object, or errc::bad_request saying what is wrong with it.
expected<json::object> body_object(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec)
    return make_error(errc::bad_request, "the body is not JSON (" + ec.message() +
                                             "); send a JSON object of the arguments");
  if (!v.is_object())
    return make_error(errc::bad_request,
                      "the body must be a JSON object of the arguments");
  return std::move(v.get_object());
}

command_call request_of(std::string_view op, json::object args) {
  return command_call{std::string{op}, std::move(args)};
}

} // namespace

expected<command_call> body_request(std::string_view op, const std::string& body,
                                    const query& fixed) {
  auto args = body_object(body);
  if (!args) return args.error();
  for (const auto& [name, value] : fixed) {
    if (args->contains(name))
      return make_error(errc::bad_request,
                        "the body must not hold '" + name + "': it comes from the path");
    (*args)[name] = value;
  }
  return request_of(op, std::move(*args));
}

expected<command_call> patch_task_request(const std::string& id,
                                          const std::string& body) {
  auto args = body_object(body);
  if (!args) return args.error();
  if (args->contains("id"))
    return make_error(errc::bad_request,
                      "the body must not hold 'id': it comes from the path");
  // The one field that picks the op, and what may come beside it.
  auto alone = [&](const char* key,
                   std::initializer_list<const char*> beside) -> expected<void> {
    for (const auto& kv : *args) {
      if (kv.key() == key) continue;
      if (std::find_if(beside.begin(), beside.end(),
                       [&](const char* b) { return kv.key() == b; }) == beside.end())
        return make_error(errc::bad_request,
                          "'" + std::string{key} + "' cannot be combined with '" +
                              std::string{kv.key()} + "'; send one change at a time");
    }
    return expected<void>{};
  };
  if (args->contains("state")) {
    if (auto ok = alone("state", {"reason"}); !ok) return ok.error();
    (*args)["id"] = id;
    return request_of("task.move", std::move(*args));
  }
  if (auto* until = args->if_contains("deferred_until_us")) {
    if (auto ok = alone("deferred_until_us", {}); !ok) return ok.error();
    return request_of("task.defer", json::object{{"id", id}, {"until_us", *until}});
  }
  (*args)["id"] = id;
  return request_of("task.update", std::move(*args));
}

std::string command_call::text() const {
  return json::serialize(json::object{{"op", op}, {"args", args}});
}

response from_result(const expected<json::value>& result) {
  if (!result) return error_response(result.error());
  std::string body = json::serialize(*result);
  repair_utf8(body); // as the command protocol's replies (dispatcher.cpp)
  return {200, std::move(body)};
}

response from_reply(const std::string& reply, bool whole_reply) {
  json::error_code ec;
  auto v = json::parse(reply, ec);
  const auto* o = !ec ? v.if_object() : nullptr;
  const auto* ok = o != nullptr ? o->if_contains("ok") : nullptr;
  if (ok == nullptr || !ok->is_bool())
    return error_response({errc::internal, "the engine's reply is not a command reply"});
  if (!ok->get_bool()) {
    errc code = errc::internal;
    if (const auto* err = o->if_contains("error"))
      if (auto e = json::try_value_to<error>(*err)) code = e->code;
    return {status_of(code), reply};
  }
  if (whole_reply) return {200, reply};
  const auto* result = o->if_contains("result");
  return {200, json::serialize(result != nullptr ? *result : json::value{})};
}

} // namespace swarm::http
