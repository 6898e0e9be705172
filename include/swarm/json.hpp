#pragma once
// The JSON shape of every public type, written once as Boost.JSON conversions.
//
// These are the shapes of the command protocol (engine::execute, the control socket),
// of `swarm ... --json` output, and of whatever else carries swarm's values as JSON
// (the HTTP API, MCP and NATS reuse them). Optional: <swarm/swarm.hpp> does not include
// this header, and a program that does needs Boost.JSON (1.81 or later) itself —
// include path and `Boost::json` at link time.
//
//   boost::json::value v = boost::json::value_from(some_task);   // encode
//   swarm::expected<swarm::task> t = swarm::from_json<swarm::task>(v); // decode
//
// Decoding reports a bad field as a value: errc::bad_request naming it ("argument
// 'attempt' must be a non-negative integer"), the message the command protocol
// answers with. boost::json::try_value_to<T> and value_to<T> work too; they carry only
// an error code (and value_to throws it, as Boost's own conversions do).
//
// The shapes:
// * Keys are the field names; times are integers with the unit in the key (`_us`,
//   `_ms`). A missing or null key decodes as the field's default; a key the type does
//   not know is ignored by from_json (the command protocol refuses an argument its op
//   does not read, see actors/control/dispatch_support.hpp).
// * A value holding another is flat: a task carries its spec's keys; task_change and
//   claimed_task the task's; mail_copy the message's; reservation_grant and
//   reservation_conflict the reservation's (the conflict's "path" is the checked path
//   or our pattern); lease_grant the lease's; memory_added and memory_hit the record's.
// * Derived keys are written, never read: task_counts "total"; agent_status and lease
//   "id" (the name); claimed_task "claimed" (true); reservation and lease
//   "expires_in_ms" (0 once expired), memory_record "expires_in_ms" (only when it
//   expires), both left at encoding time by the system clock.
// * Where the protocol's argument names differ from the field names, the request types
//   use the protocol's: new_task and task_update "estimate" (minutes), inbox_filter
//   "urgent", memory_query "query" (its text), task_query "q" (its text) and "ready";
//   reserve_request also reads one "pattern" beside "patterns".
// * task_page "next_cursor" is null on the last page; task_attempt "finished_us" is 0
//   while it runs. model_usage "cost_usd" and "model" are absent when unset (no cost
//   reported; a sum), task_attempt "usage" when its CLI reported none, status_report and
//   run_summary "budget" without a budget; model_usage writes "total_tokens".
// * task "priority" is "P0".."P4" (new_task and task_update: the digit). mail_message
//   "payload" is the payload parsed (an object; {} when empty, the text itself when it
//   is not JSON), mail_draft's the text. memory_stats nests "index": {path, size,
//   state}; status_report nests "run": {state, session}; run_summary and progress
//   call elapsed_seconds "seconds". Absent task_update fields are absent keys.
// * Required when decoding: mail_draft "from", memory_draft "content", new_task
//   "title", reserve_request and release_request "agent".

#include <swarm/engine.hpp>
#include <swarm/error.hpp>
#include <swarm/export.hpp>
#include <swarm/types.hpp>

#include <boost/json/conversion.hpp>
#include <boost/json/fwd.hpp>
#include <boost/json/system_error.hpp>
#include <boost/json/value.hpp>
#include <boost/system/errc.hpp>

#include <string>
#include <utility>

namespace swarm {

using json_value = boost::json::value;
using json_from = boost::json::value_from_tag;
template <class T> using json_to = boost::json::value_to_tag<T>;

// Per type: encoding, boost::json::value_from(x), and decoding, from_json<T>(v) below
// (the tag picks the overload).

// ---- tasks

SWARM_API void tag_invoke(const json_from&, json_value&, task_state);
SWARM_API expected<task_state> from_json(json_to<task_state>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, dependency_kind);
SWARM_API expected<dependency_kind> from_json(json_to<dependency_kind>,
                                              const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_spec&);
SWARM_API expected<task_spec> from_json(json_to<task_spec>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task&);
SWARM_API expected<task> from_json(json_to<task>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_change&);
SWARM_API expected<task_change> from_json(json_to<task_change>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_counts&);
SWARM_API expected<task_counts> from_json(json_to<task_counts>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const claimed_task&);
SWARM_API expected<claimed_task> from_json(json_to<claimed_task>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const new_task&);
SWARM_API expected<new_task> from_json(json_to<new_task>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_update&);
SWARM_API expected<task_update> from_json(json_to<task_update>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_query&);
SWARM_API expected<task_query> from_json(json_to<task_query>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_page&);
SWARM_API expected<task_page> from_json(json_to<task_page>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_attempt&);
SWARM_API expected<task_attempt> from_json(json_to<task_attempt>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const task_attempts&);
SWARM_API expected<task_attempts> from_json(json_to<task_attempts>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const plan_report&);
SWARM_API expected<plan_report> from_json(json_to<plan_report>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const plan_options&);
SWARM_API expected<plan_options> from_json(json_to<plan_options>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const graph_report::row&);
SWARM_API expected<graph_report::row> from_json(json_to<graph_report::row>,
                                                const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const graph_report&);
SWARM_API expected<graph_report> from_json(json_to<graph_report>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const graph_summary::group&);
SWARM_API expected<graph_summary::group> from_json(json_to<graph_summary::group>,
                                                   const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const graph_summary::link&);
SWARM_API expected<graph_summary::link> from_json(json_to<graph_summary::link>,
                                                  const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const graph_summary&);
SWARM_API expected<graph_summary> from_json(json_to<graph_summary>, const json_value&);

// ---- agents, runs and status

SWARM_API void tag_invoke(const json_from&, json_value&, const model_usage&);
SWARM_API expected<model_usage> from_json(json_to<model_usage>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const run_budget&);
SWARM_API expected<run_budget> from_json(json_to<run_budget>, const json_value&);

SWARM_API void tag_invoke(const json_from&, json_value&, const agent_status&);
SWARM_API expected<agent_status> from_json(json_to<agent_status>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const status_report&);
SWARM_API expected<status_report> from_json(json_to<status_report>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const progress&);
SWARM_API expected<progress> from_json(json_to<progress>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const run_summary&);
SWARM_API expected<run_summary> from_json(json_to<run_summary>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const runs_gc&);
SWARM_API expected<runs_gc> from_json(json_to<runs_gc>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const runs_collected&);
SWARM_API expected<runs_collected> from_json(json_to<runs_collected>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const replay_report&);
SWARM_API expected<replay_report> from_json(json_to<replay_report>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const doctor_check&);
SWARM_API expected<doctor_check> from_json(json_to<doctor_check>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const doctor_report&);
SWARM_API expected<doctor_report> from_json(json_to<doctor_report>, const json_value&);

// ---- agent mail

SWARM_API void tag_invoke(const json_from&, json_value&, const mail_message&);
SWARM_API expected<mail_message> from_json(json_to<mail_message>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const mail_copy&);
SWARM_API expected<mail_copy> from_json(json_to<mail_copy>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const mail_draft&);
SWARM_API expected<mail_draft> from_json(json_to<mail_draft>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const mail_thread_summary&);
SWARM_API expected<mail_thread_summary> from_json(json_to<mail_thread_summary>,
                                                  const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const inbox_filter&);
SWARM_API expected<inbox_filter> from_json(json_to<inbox_filter>, const json_value&);

// ---- reservations and leases

SWARM_API void tag_invoke(const json_from&, json_value&, const reservation&);
SWARM_API expected<reservation> from_json(json_to<reservation>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const reservation_conflict&);
SWARM_API expected<reservation_conflict> from_json(json_to<reservation_conflict>,
                                                   const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const reservation_grant&);
SWARM_API expected<reservation_grant> from_json(json_to<reservation_grant>,
                                                const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const reserve_request&);
SWARM_API expected<reserve_request> from_json(json_to<reserve_request>,
                                              const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const release_request&);
SWARM_API expected<release_request> from_json(json_to<release_request>,
                                              const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const reservation_overlap&);
SWARM_API expected<reservation_overlap> from_json(json_to<reservation_overlap>,
                                                  const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const lease&);
SWARM_API expected<lease> from_json(json_to<lease>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const lease_grant&);
SWARM_API expected<lease_grant> from_json(json_to<lease_grant>, const json_value&);

// ---- memory

SWARM_API void tag_invoke(const json_from&, json_value&, const memory_record&);
SWARM_API expected<memory_record> from_json(json_to<memory_record>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const memory_draft&);
SWARM_API expected<memory_draft> from_json(json_to<memory_draft>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const memory_added&);
SWARM_API expected<memory_added> from_json(json_to<memory_added>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const memory_query&);
SWARM_API expected<memory_query> from_json(json_to<memory_query>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const memory_hit&);
SWARM_API expected<memory_hit> from_json(json_to<memory_hit>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const memory_stats&);
SWARM_API expected<memory_stats> from_json(json_to<memory_stats>, const json_value&);

// ---- the journal and metrics. A journal_entry's "body" is the stored body parsed (an
// object); journal_entry_json writes the same shape with the stored text spliced in.

SWARM_API void tag_invoke(const json_from&, json_value&, const journal_entry&);
SWARM_API expected<journal_entry> from_json(json_to<journal_entry>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const journal_page&);
SWARM_API expected<journal_page> from_json(json_to<journal_page>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const labelled_count&);
SWARM_API expected<labelled_count> from_json(json_to<labelled_count>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const histogram_bucket&);
SWARM_API expected<histogram_bucket> from_json(json_to<histogram_bucket>,
                                               const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const latency_histogram&);
SWARM_API expected<latency_histogram> from_json(json_to<latency_histogram>,
                                                const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const quality_check&);
SWARM_API expected<quality_check> from_json(json_to<quality_check>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const quality_figure&);
SWARM_API expected<quality_figure> from_json(json_to<quality_figure>, const json_value&);
SWARM_API void tag_invoke(const json_from&, json_value&, const engine_metrics&);
SWARM_API expected<engine_metrics> from_json(json_to<engine_metrics>, const json_value&);
// The JSON text of an entry on one line, its body spliced verbatim (no re-encoding).
SWARM_API std::string journal_entry_json(const journal_entry& e);

// ---- errors: {"code": "not_found", "message": "..."}. An error decodes only through
// Boost (there is no expected<error>); an unknown code is invalid_argument.

SWARM_API void tag_invoke(const json_from&, json_value&, const error&);
SWARM_API boost::json::result<error>
tag_invoke(const boost::json::try_value_to_tag<error>&, const json_value&);

// The value `v` holds, or errc::bad_request naming the first bad field.
template <class T> expected<T> from_json(const json_value& v) {
  return from_json(json_to<T>{}, v);
}

// boost::json::try_value_to<T> (and value_to<T>) for every type above: from_json with
// the message reduced to an error code (invalid_argument).
template <class T,
          class = decltype(from_json(json_to<T>{}, std::declval<const json_value&>()))>
boost::json::result<T> tag_invoke(const boost::json::try_value_to_tag<T>&,
                                  const json_value& v) {
  auto decoded = from_json(json_to<T>{}, v);
  if (!decoded)
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  return std::move(*decoded);
}

} // namespace swarm
