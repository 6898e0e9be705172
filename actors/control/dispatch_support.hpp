#pragma once
// Internal to actors/control: the shape of the command table and what its handlers
// share. Each area (tasks, agents, mail, reservations, memory) keeps its handlers —
// one named function per op — and its table in its own *_commands.cpp; the
// dispatcher (dispatcher.cpp) looks ops up in all of them.
//
// A handler reads all its arguments with field_reader or from_json<T> (a bad one is
// errc::bad_request naming the field), passes the gate — `if (auto bad = refusal(r))
// return *bad;` — calls the engine, and answers the value's JSON shape
// (<swarm/json.hpp>) or the engine's error. Nothing is thrown.
//
// Unknown arguments: while a handler runs, the dispatcher logs which of the request's
// argument names any reader asked for (field_log, src/json_fields.hpp); the gate
// refuses an argument nobody asked for before anything reaches the engine. The list of
// what an op takes is therefore what its handler reads, never a second list to keep in
// step. A handler reads everything before its gate (a name read later would be
// refused); a test sends every op an unknown argument.

#include "src/time_units.hpp"

#include <swarm/engine.hpp>
#include <swarm/json.hpp>

#include "src/json_fields.hpp"

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <optional>
#include <vector>

namespace swarm {

namespace json = boost::json;

// `args` is the request's "args" object ({} when it had none).
using command_handler = expected<json::value> (*)(engine& e, const json::value& args);

struct command {
  const char* op;
  command_handler run;
};

// The tables, one per area.
const std::vector<command>& task_commands();        // task_commands.cpp
const std::vector<command>& agent_commands();       // agent_commands.cpp
const std::vector<command>& mail_commands();        // mail_commands.cpp
const std::vector<command>& reservation_commands(); // reservation_commands.cpp
const std::vector<command>& memory_commands();      // memory_commands.cpp

// The gate before the engine: an argument of the request no reader asked for
// ("unknown argument 'x' for op 'task.add'; it takes: a, b"), else the first problem
// of the reader or the decoding. Unknown arguments come first: a misspelt name
// explains the missing one. Called on the dispatching thread while the handler runs.
std::optional<error> refusal(const field_reader& r);
std::optional<error> refusal(); // a handler that reads nothing
template <class T> std::optional<error> refusal(const expected<T>& decoded) {
  if (auto bad = refusal()) return bad;
  if (!decoded) return decoded.error();
  return std::nullopt;
}

// An object as a reply (it reaches expected<json::value> only through a json::value).
inline expected<json::value> answer(json::object o) {
  return json::value(std::move(o));
}

// Where the running command's reply is built: an arena (a monotonic resource) that the
// reply's value holds and frees whole when it is dropped, so a large answer costs no
// allocation per node and no walk to free it. Default storage outside a command.
json::storage_ptr reply_storage();

// An engine answer as a reply: its JSON shape, or its error.
template <class T> expected<json::value> reply(const expected<T>& r) {
  if (!r) return r.error();
  return json::value_from(*r, reply_storage());
}

} // namespace swarm
