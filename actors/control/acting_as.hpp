#pragma once
// Internal to actors/control: who a request may act as (README "Identity"). Each op
// that acts as an agent names that agent in its arguments; the table below lists,
// per op, those arguments. A request acting as X needs X's token or the operator
// token; otherwise it is errc::forbidden before anything reaches the engine.
// Checked by the dispatcher (dispatcher.cpp) on every transport's thread.

#include <swarm/engine.hpp>

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace swarm {

// Per op: the arguments naming the agent it acts as (when given). Ops missing here act
// as nobody (reads of shared state, the operator's commands) and take any caller the
// transport admits. ("force" on reservations and leases needs no more: the engine lets
// it take only what a stale agent held.)
const std::map<std::string_view, std::vector<const char*>>& acting_rules();

// Ops only the operator may run: dashboard.link mints a browser session that stands
// for the operator token; quality.baseline runs the checks' shell commands it is given;
// runs.gc removes run directories.
const std::vector<std::string_view>& operator_only();

// Ops that change the plan or state shared by every agent (loading plans, editing,
// cancelling, moving and re-linking tasks, cleaning reservations up, exporting mail to
// files): an agent's token may not run them, so a model cannot undo others' work. The
// operator token may, and so may a control-socket peer with no token (the socket is
// the operator's file, mode 0600, as for the ops that act as nobody).
const std::vector<std::string_view>& plan_edits();

// Ops that act as nobody, listed so that a new op must be put in one of the four
// tables (a test checks every op of command_ops() is in exactly one).
const std::vector<std::string_view>& acting_as_nobody();

// Why `who` (nullopt: a request with no credential on a transport that trusts none)
// may not run `op` with `args`, or nullopt when it may. agent.register of a name
// already registered acts as that agent (registering again replaces its token).
// memory.forget with an agent's token must name that agent in "by": a shared learning
// is forgotten only on the record of who did it.
std::optional<error> forbidden(engine& e, std::string_view op,
                               const boost::json::value& args,
                               const std::optional<caller>& who);

} // namespace swarm
