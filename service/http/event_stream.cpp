#include "service/http/event_stream.hpp"

#include "persistence/journal_feed.hpp"

#include <swarm/json.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <optional>
#include <thread>

namespace swarm::http {

namespace {

// Streams open now, across servers: what max_streams bounds.
std::atomic<size_t> open_streams{0};

// How many events one provider call writes: a burst goes out in pieces, so the socket
// is checked between them.
constexpr size_t events_per_write = 512;
// How long a stream that caught up waits before it reads again (adds at most this to
// its lag; saves the writer's CPU from one wake-up per stream per commit).
constexpr auto gather = std::chrono::milliseconds(5);
// The longest a provider call blocks on the feed.
constexpr auto wait_slice = std::chrono::seconds(1);

std::optional<int64_t> sequence_number(const std::string& text) {
  int64_t n = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || p != end || n < 0) return std::nullopt;
  return n;
}

// `json`: journal_entry_json(e), one line (the serializer writes no newlines).
void append_frame(std::string& out, const journal_entry& e, const std::string& json) {
  out += "id: ";
  out += std::to_string(e.seq);
  out += "\nevent: ";
  out += e.kind;
  out += "\ndata: ";
  out += json;
  out += "\n\n";
}

// One stream's cursor; the provider (a copyable std::function) shares it.
struct stream_state {
  std::shared_ptr<persistence::journal_feed> feed;
  int64_t cursor = 0;
  // As if the last write were a keep-alive ago: a stream with nothing to replay writes
  // its comment at once, and its head goes out with it (keep_alive_server.hpp sends a
  // response's head with its first bytes), so the client sees the stream open.
  std::chrono::steady_clock::time_point last_write =
      std::chrono::steady_clock::now() - keep_alive;
  stream_state(std::shared_ptr<persistence::journal_feed> f, int64_t from)
      : feed(std::move(f)), cursor(from) {
    ++open_streams;
  }
  ~stream_state() { --open_streams; }
  stream_state(const stream_state&) = delete;
  stream_state& operator=(const stream_state&) = delete;

  // One provider call: write what is committed after the cursor, else wait for it (or
  // write a keep-alive). False ends the stream.
  bool step(httplib::DataSink& sink) {
    int64_t last = 0;
    auto events = feed->read_shared(cursor, events_per_write, last);
    if (!events || feed->closed()) return finish(sink);
    if (!events->empty()) {
      std::string out;
      for (const auto& e : *events)
        append_frame(out, e->entry(), e->json());
      if (!sink.write(out.data(), out.size())) return false;
      cursor = events->back()->entry().seq;
      last_write = std::chrono::steady_clock::now();
      // Caught up: let the next commits gather for a moment, so a busy journal wakes
      // each stream a few hundred times a second, not once per commit.
      if (events->size() < events_per_write) std::this_thread::sleep_for(gather);
      return true;
    }
    const auto silent = std::chrono::steady_clock::now() - last_write;
    if (silent >= keep_alive) {
      static const std::string comment = ": keep-alive\n\n";
      if (!sink.write(comment.data(), comment.size())) return false;
      last_write = std::chrono::steady_clock::now();
      return true;
    }
    auto wait =
        std::min<std::chrono::steady_clock::duration>(wait_slice, keep_alive - silent);
    if (feed->wait_for(cursor,
                       std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                           std::chrono::milliseconds(1)) ==
        persistence::journal_feed::wake::closed)
      return finish(sink);
    return true;
  }

  static bool finish(httplib::DataSink& sink) {
    sink.done();
    return true;
  }
};

} // namespace

std::string sse_frame(const journal_entry& e) {
  std::string out;
  append_frame(out, e, journal_entry_json(e));
  return out;
}

expected<int64_t> stream_start(const httplib::Request& req, int64_t last_seq) {
  for (const auto& [name, value] : req.params)
    if (name != "since")
      return make_error(errc::bad_request, "unknown query parameter '" + name +
                                               "'; GET /api/stream takes only since=SEQ");
  if (req.has_header("Last-Event-ID")) {
    auto seq = sequence_number(req.get_header_value("Last-Event-ID"));
    if (!seq)
      return make_error(errc::bad_request,
                        "header 'Last-Event-ID' must be the seq (id:) of an event");
    return *seq;
  }
  if (req.has_param("since")) {
    if (req.get_param_value_count("since") > 1)
      return make_error(errc::bad_request, "query parameter 'since' is given twice");
    auto seq = sequence_number(req.get_param_value("since"));
    if (!seq)
      return make_error(errc::bad_request,
                        "query parameter 'since' must be a sequence number, 0 or more");
    return *seq;
  }
  return last_seq;
}

expected<void> start_stream(const httplib::Request& req, httplib::Response& res,
                            std::shared_ptr<persistence::journal_feed> feed) {
  auto from = stream_start(req, feed->last_seq());
  if (!from) return from.error();
  if (open_streams.load() >= max_streams)
    return make_error(errc::refused, "this server already streams to " +
                                         std::to_string(max_streams) +
                                         " subscribers; close one and connect again");
  auto state = std::make_shared<stream_state>(std::move(feed), *from);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [state](size_t, httplib::DataSink& sink) { return state->step(sink); });
  return {};
}

} // namespace swarm::http
