#pragma once
// The HTTP API's translation rules, as plain functions: error codes to HTTP statuses,
// the bearer credential, query parameters to a command's arguments, and a command
// reply to a response. No sockets and no httplib here (http_server.cpp applies them),
// so they are tested directly. Pure: any thread.
//
// Error bodies are the control socket's error reply, unchanged:
//   {"id": null, "ok": false, "error": {"code": "not_found", "message": "..."}}

#include <swarm/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::http {

struct response {
  int status = 200;
  std::string body; // JSON
};

// bad_request, unknown_op 400; unauthorized 401; not_found 404; not_claimant,
// invalid_state, refused, database_locked 409; invalid_plan 422; anything else 500.
int status_of(errc code) noexcept;

// The token of an "Authorization" header value "Bearer TOKEN" (scheme in any case);
// nullopt for another scheme, an empty token or no header.
std::optional<std::string_view> bearer_token(std::string_view header) noexcept;

// Whether the two are equal, in a time that depends on their lengths only, not on
// where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept;

// An error as its reply and status.
response error_response(const error& e);

// How a query parameter's text becomes an argument of the command.
enum class arg_kind : uint8_t {
  text,  // as it is
  count, // digits: a number (anything else is passed on as text, for the op to refuse)
  flag,  // 1/true, 0/false (anything else passed on as text)
};

struct query_arg {
  const char* name;
  arg_kind kind;
  const char* arg = nullptr; // the command's argument it becomes; nullptr: `name`
};

using query = std::vector<std::pair<std::string, std::string>>;

// One command for the engine: an op and its arguments.
struct command_call {
  std::string op;
  boost::json::object args;
  // As a command-protocol request line: {"op": op, "args": {...}}.
  std::string text() const;
};

// The command for a resource: `fixed` first (e.g. a
// task id from the path), then each parameter of `q` named in `allowed`. A parameter
// not in `allowed` or given twice is errc::bad_request naming it and the allowed ones.
expected<command_call> command_request(std::string_view op, const query& q,
                                       const std::vector<query_arg>& allowed,
                                       const query& fixed = {});

// The command `op` with a JSON body holding its arguments, `fixed` (e.g. the task id from
// the path) added. errc::bad_request when the body is not a JSON object, or repeats a
// fixed argument. Unknown arguments are the dispatcher's to refuse, as for every
// transport.
expected<command_call> body_request(std::string_view op, const std::string& body,
                                    const query& fixed = {});

// PATCH /api/tasks/{id}: the body picks the op. {"state": S, "reason"?} is task.move;
// {"deferred_until_us": N} is task.defer; anything else is task.update's fields. "state"
// or "deferred_until_us" beside other fields is errc::bad_request (one change at a
// time).
expected<command_call> patch_task_request(const std::string& id, const std::string& body);

// A dispatcher reply as a response: the whole reply (POST /api/command) or its result
// (the resources) with 200; an error reply as it is, with status_of its code. A reply
// that is not one (a bug) is an internal error.
response from_reply(const std::string& reply, bool whole_reply);

// A command's answer (dispatcher.hpp's run_command) as a response: its result with 200,
// or its error as error_response does.
response from_result(const expected<boost::json::value>& result);

} // namespace swarm::http
