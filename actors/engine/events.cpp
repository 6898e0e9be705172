// The engine's journal API: committed events (from the journal feed, which falls back
// to the events table) and the numbers GET /metrics shows.

#include "actors/engine/engine_impl.hpp"

#include "persistence/journal_feed.hpp"
#include "quality/record.hpp"

#include <filesystem>
#include <map>

namespace swarm {

namespace {

// The largest page of events one call answers.
constexpr uint32_t max_events_page = 10000;

uint64_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

uint64_t count_of(const std::map<std::string, uint64_t>& kinds,
                  persistence::event_kind kind) {
  auto it = kinds.find(persistence::to_string(kind));
  return it == kinds.end() ? 0 : it->second;
}

} // namespace

expected<journal_page> engine::events(int64_t since, uint32_t limit) {
  if (since < 0)
    return make_error(errc::bad_request,
                      "argument 'since' must be a sequence number, 0 or more");
  if (limit > max_events_page)
    return make_error(errc::bad_request,
                      "argument 'limit' is over the maximum of " +
                          std::to_string(max_events_page) +
                          "; ask again with 'since' set to the last seq received");
  return impl_->feed->read(since, limit);
}

expected<std::vector<journal_entry>> engine::events_of(const std::string& kind,
                                                        uint32_t limit) {
  if (limit > max_events_page)
    return make_error(errc::bad_request, "argument 'limit' is over the maximum of " +
                                             std::to_string(max_events_page));
  return impl_->feed->read_kind(kind, limit);
}

expected<engine_metrics> engine::metrics() {
  auto s = status();
  if (!s)
    return s.error();
  auto active = reservations();
  if (!active)
    return active.error();
  const auto& feed = *impl_->feed;
  auto kinds = feed.kind_counts();
  if (!kinds)
    return kinds.error();
  auto outcomes = feed.model_outcomes();
  if (!outcomes)
    return outcomes.error();
  engine_metrics m;
  m.tasks = s->tasks;
  for (auto state : {agent_state::idle, agent_state::busy, agent_state::stuck,
                     agent_state::offline}) {
    uint64_t n = 0;
    for (const auto& a : s->agents)
      n += a.state == state ? 1 : 0;
    m.agents.push_back({to_string(state), n});
  }
  m.model_runs = std::move(*outcomes);
  m.claims_total = count_of(*kinds, persistence::event_kind::task_claimed);
  m.completions_total = count_of(*kinds, persistence::event_kind::task_completed);
  m.mail_messages_total = count_of(*kinds, persistence::event_kind::mail_sent);
  m.reservations_active = active->size();
  for (const auto& [kind, n] : *kinds)
    m.journal_events_total += n;
  m.journal_last_seq = feed.last_seq();
  m.journal_bytes = file_size_or_zero(impl_->opts.db_path) +
                    file_size_or_zero(impl_->opts.db_path + "-wal");
  m.commit_latency = feed.commit_latency();
  m.usage = s->usage;
  m.quality_snapshots_total = count_of(*kinds, persistence::event_kind::quality_snapshot);
  m.quality_baselines_total = count_of(*kinds, persistence::event_kind::quality_baseline);
  if (m.quality_snapshots_total + m.quality_baselines_total > 0) {
    auto regressed = feed.quality_regressed();
    if (!regressed) return regressed.error();
    m.quality_regressed_total = *regressed;
    auto baseline = feed.read_kind("quality.baseline", 1);
    if (!baseline) return baseline.error();
    auto latest = feed.read_kind("quality.snapshot", 1);
    if (!latest) return latest.error();
    m.quality = quality::figures(baseline->empty() ? nullptr : &baseline->back(),
                                 latest->empty() ? nullptr : &latest->back());
  }
  return m;
}

} // namespace swarm
