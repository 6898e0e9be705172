// The journal's format on disk: the JSON keys of every event body, each spelled once
// (in its `fields` function, in the order it is stored) for both writing and reading.
// persisted — never rename a key, never change its type, never reorder.
//
// Reading is strict about types everywhere. It is strict about presence for the task
// bodies (a missing key has always made a row corrupt) and lenient for the others (a
// missing key reads as the default, as the projections always took it).

#include "persistence/event_codec.hpp"
#include "persistence/events.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <optional>
#include <utility>

namespace json = boost::json;

namespace swarm::persistence {

// ---- the engine and plans

template <class F> void fields(F& f, engine_started& e) {
  f("session", e.session);
  f("pid", e.pid);
  f("host", e.host);
  f("version", e.version);
}

template <class F> void fields(F& f, plan_loaded& e) {
  f("path", e.path);
  f("added", e.added);
  f("present", e.present);
}

// ---- tasks

template <class F> void fields(F& f, task_created_body& e) {
  auto& s = e.spec;
  f.required("id", s.id);
  f.required("parent", s.parent);
  f.required("title", s.title);
  f.required("description", s.description);
  f.required("depends", s.depends);
  f("related", s.related); // journals before schema 4 have neither
  f("discovered_from", s.discovered_from);
  f.required("skills", s.skills);
  f.required("priority", s.priority);
  f.required("files", s.files);
  f.required("estimate_minutes", s.estimate_minutes);
  f.required("source", s.source);
  f.required("leaf", e.leaf);
}

template <class F> void fields(F& f, task_update_body& e) {
  f.required("id", e.id);
  f.required("state", e.state);
  f.required("attempts", e.attempts);
  f.required("agent", e.agent);
  f.required("lease_expires_us", e.lease_expires_us);
  f.required("result", e.result);
  f.unless_default("session", e.session);
  f.unless_default("failure", e.failure);
  f.unless_default("claim_token", e.claim_token); // journals before schema 7 have none
}

template <class F> void fields(F& f, task_updated& e) {
  f("id", e.id);
  f("title", e.title);
  f("description", e.description);
  f("priority", e.priority);
  f("skills", e.skills);
  f("files", e.files);
  f("estimate_minutes", e.estimate_minutes);
}

template <class F> void fields(F& f, task_deferred& e) {
  f("id", e.id);
  f("until_us", e.until_us);
}

template <class F> void fields(F& f, dep_added& e) {
  f("task", e.task);
  f("depends_on", e.depends_on);
  f("kind", e.kind);
}

template <class F> void fields(F& f, dep_removed& e) {
  f("task", e.task);
  f("depends_on", e.depends_on);
}

// ---- agents, runs and model subprocesses

template <class F> void fields(F& f, agent_registered& e) {
  f("name", e.name);
  f("session", e.session);
  f("model", e.model);
  f("skills", e.skills);
  // Written only when set, so a body without a token reads and writes as it always did.
  std::optional<std::string> hash;
  if (!e.token_hash.empty()) hash = e.token_hash;
  f("token_hash", hash);
  if (hash) e.token_hash = *hash;
}

template <class F> void fields(F& f, agent_stopped& e) {
  f("name", e.name);
  f("reason", e.reason);
}

template <class F> void fields(F& f, agent_heartbeat& e) {
  f("name", e.name);
}

template <class F> void fields(F& f, agent_state_changed& e) {
  f("name", e.name);
  f("state", e.state);
  f("task", e.task);
}

template <class F> void fields(F& f, run_started& e) {
  f("run", e.run);
  f("agents", e.agents);
}

template <class F> void fields(F& f, run_totals& e) {
  f("completed", e.completed);
  f("failed", e.failed);
  f("blocked", e.blocked);
  f("total", e.total);
  f("seconds", e.seconds);
}

template <class F> void fields(F& f, run_finished& e) {
  f("run", e.run);
  f("outcome", e.outcome);
  f("summary", e.summary);
}

template <class F> void fields(F& f, run_budget_reached& e) {
  f("run", e.run);
  f("limit_usd", e.limit_usd);
  f("spent_usd", e.spent_usd);
}

template <class F> void fields(F& f, quality_snapshot& e) {
  f("task", e.task);
  f("attempt", e.attempt);
  f("agent", e.agent);
  f("baseline", e.baseline);
  f("commit", e.commit);
  f("regressions", e.regressions);
  f("snapshot", e.snapshot);
  f("worse", e.worse);
}

template <class F> void fields(F& f, quality_baseline& e) {
  f("integration", e.integration);
  f("commit", e.commit);
  f("by", e.by);
  f("adopted", e.adopted);
  f("checks", e.checks);
  f("snapshot", e.snapshot);
}

template <class F> void fields(F& f, model_started& e) {
  f("task", e.task);
  f("attempt", e.attempt);
  f("agent", e.agent);
  f("session", e.session);
  f("pid", e.pid);
  f("start_ticks", e.start_ticks);
  f("run_dir", e.run_dir);
  f("command", e.command);
}

// One model run's usage (model.finished's "usage"); `runs` is not stored (one run).
template <class F> void fields(F& f, model_usage& u) {
  f("input_tokens", u.input_tokens);
  f("output_tokens", u.output_tokens);
  f("cache_read_tokens", u.cache_read_tokens);
  f("cache_write_tokens", u.cache_write_tokens);
  f("cost_usd", u.cost_usd);
  f("model", u.model);
}

template <class F> void fields(F& f, model_finished& e) {
  f("task", e.task);
  f("attempt", e.attempt);
  f("exit_code", e.exit_code);
  f("signal", e.signal);
  f("timed_out", e.timed_out);
  f("duration_ms", e.duration_ms);
  f("stdout_bytes", e.stdout_bytes);
  f("stderr_bytes", e.stderr_bytes);
  f("stdout_truncated", e.stdout_truncated);
  f("stderr_truncated", e.stderr_truncated);
  f("outcome", e.outcome);
  f("usage", e.usage);
}

// ---- mail

template <class F> void fields(F& f, mail_sent& e) {
  f("id", e.id);
  f("type", e.type);
  f("category", e.category);
  f("from", e.from);
  f("to", e.to);
  f("cc", e.cc);
  f("bcc", e.bcc);
  f("broadcast", e.broadcast);
  f("thread", e.thread);
  f("subject", e.subject);
  f("body", e.body);
  f("payload", e.payload);
  f("importance", e.importance);
  f("ack_required", e.ack_required);
  f("in_reply_to", e.in_reply_to);
  // A broadcast stored once (schema 11); absent for every other message.
  f.unless_default("audience", e.audience);
  f.unless_default("joined", e.joined);
}

// mail.read and mail.acked
template <class F> void fields(F& f, mail_copy_marked& e) {
  f("message", e.message);
  f("recipient", e.recipient);
}

template <class F> void fields(F& f, mail_followed& e) {
  f("agent", e.agent);
  f("on", e.on);
}

// ---- reservations and leases

template <class F> void fields(F& f, reservation_granted& e) {
  f("id", e.id);
  f("num", e.num);
  f("agent", e.agent);
  f("task", e.task);
  f("pattern", e.pattern);
  f("type", e.type);
  f("exclusive", e.exclusive);
  f("reason", e.reason);
  f("created_us", e.created_us);
  f("expires_us", e.expires_us);
}

template <class F> void fields(F& f, reservation_renewed& e) {
  f("id", e.id);
  f("expires_us", e.expires_us);
}

template <class F> void fields(F& f, reservation_released& e) {
  f("id", e.id);
  f("by", e.by);
  f("reason", e.reason);
}

// lease.acquired and lease.renewed
template <class F> void fields(F& f, lease_fields& e) {
  f("name", e.name);
  f("holder", e.holder);
  f("token", e.token);
  f("expires_us", e.expires_us);
}

template <class F> void fields(F& f, lease_released& e) {
  fields(f, static_cast<lease_fields&>(e));
  f("by", e.by);
  f("reason", e.reason);
}

// ---- memory

template <class F> void fields(F& f, memory_added& e) {
  f("num", e.num);
  f("id", e.id);
  f("kind", e.kind);
  f("type", e.type);
  f("content", e.content);
  f("tags", e.tags);
  f("agent", e.agent);
  f("task", e.task);
  f("importance", e.importance);
  f("expires_us", e.expires_us);
  f("embedder", e.embedder);
  f("dim", e.dim);
  f("vector", e.vector);
}

template <class F> void fields(F& f, memory_forgotten& e) {
  f("id", e.id);
  f("num", e.num);
  f("by", e.by);
  f("reason", e.reason);
}

template <class F> void fields(F& f, memory_reinforced& e) {
  f("id", e.id);
  f("num", e.num);
  f("importance", e.importance);
  f("tags", e.tags);
}

template <class F> void fields(F& f, memory_accessed& e) {
  f("nums", e.nums);
}

template <class F> void fields(F& f, memory_reembedded& e) {
  f("id", e.id);
  f("num", e.num);
  f("embedder", e.embedder);
  f("dim", e.dim);
  f("vector", e.vector);
}

template <class F> void fields(F& f, memory_embedder& e) {
  f("spec", e.spec);
  f("model", e.model);
  f("key_env", e.key_env);
  f("name", e.name);
  f("dim", e.dim);
}

// ---- encoding and decoding

namespace {

template <class Body> std::string encode(const Body& b) {
  json_writer w;
  fields(w, const_cast<Body&>(b)); // the writer only reads
  return std::move(w).finish();
}

// Reads a body of type Body into `out`; the problem found, or "".
using decoder = std::string (*)(const json::object&, event_body& out);

template <class Body> std::string decode_into(const json::object& o, event_body& out) {
  Body b;
  json_reader r{o};
  fields(r, b);
  if (r.problem().empty()) out = std::move(b);
  return r.problem();
}

template <class Body> void add_decoder(std::array<decoder, event_kind_limit>& table) {
  if constexpr (std::is_same_v<Body, task_update_body>) {
    for (size_t k = 1; k < event_kind_limit; ++k)
      if (is_task_update(static_cast<event_kind>(k)))
        table[k] = &decode_into<task_update_body>;
  } else {
    table[static_cast<size_t>(Body::journal_kind)] = &decode_into<Body>;
  }
}

template <size_t... I>
std::array<decoder, event_kind_limit> make_decoders(std::index_sequence<I...>) {
  std::array<decoder, event_kind_limit> table{};
  (add_decoder<std::variant_alternative_t<I, event_body>>(table), ...);
  return table;
}

// The body struct of each kind, by its number.
const std::array<decoder, event_kind_limit>& decoders() {
  static const auto table =
      make_decoders(std::make_index_sequence<std::variant_size_v<event_body>>{});
  return table;
}

} // namespace

std::string encode_body(const event_body& b) {
  return std::visit([](const auto& body) { return encode(body); }, b);
}

std::string encode_body(const event& e) {
  return e.json.empty() ? encode_body(e.body) : e.json;
}

std::string encode_json(const run_totals& t) {
  return encode(t);
}

expected<event> decode_event(std::string_view kind, int64_t ts_us, std::string_view body,
                             int64_t seq) {
  auto fail = [&](const std::string& what) {
    return make_error(errc::storage_error, "journal event #" + std::to_string(seq) +
                                               " (" + std::string{kind} + "): " + what);
  };
  auto k = parse_event_kind(kind);
  if (!k) return fail("unknown event kind; was it written by a newer swarm?");
  auto decode = decoders()[static_cast<size_t>(*k)];
  if (decode == nullptr) return fail("no body type for this kind");
  json::error_code ec;
  auto v = json::parse(json::string_view{body.data(), body.size()}, ec);
  if (ec || !v.is_object()) return fail("body is not a JSON object");
  event e{*k, ts_us, {}, {}};
  if (auto problem = decode(v.get_object(), e.body); !problem.empty())
    return fail(problem);
  return e;
}

} // namespace swarm::persistence
