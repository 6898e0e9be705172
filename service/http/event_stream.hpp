#pragma once
// GET /api/stream: the committed journal as Server-Sent Events, read from the journal
// feed (persistence/journal_feed.hpp) — never from the writer, so a slow subscriber
// cannot slow a commit.
//
//   id: <seq>\nevent: <kind>\ndata: <the event's JSON on one line>\n\n
//
// A stream starts after the Last-Event-ID header's seq, else after ?since=SEQ, else
// after the last committed event; it replays from the feed (the table when older than
// its ring) and then follows it, so a resumed subscriber gets exactly what it missed.
// ": keep-alive" at once when there is nothing to replay, then after every keep_alive of
// silence.
//
// Threads: the response's content provider runs on one httplib worker per stream; it
// blocks on the feed for at most a second at a time, so it notices a closed client
// (httplib checks the socket between calls), a stopping server and a closed feed soon.
// At most max_streams at once (refused beyond, so the worker pool keeps threads for the
// API); http_server sizes its pool for them.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace swarm::persistence {
class journal_feed;
}

namespace swarm::http {

constexpr size_t max_streams = 128;
constexpr auto keep_alive = std::chrono::seconds(15);

// One event as its SSE frame.
std::string sse_frame(const journal_entry& e);

// Where a stream starts: the seq of Last-Event-ID, else of ?since, else `last_seq`.
// errc::bad_request names a value that is not a sequence number, or a query parameter
// other than since.
expected<int64_t> stream_start(const httplib::Request& req, int64_t last_seq);

// Streams the feed into `res` from the request's start; errc::bad_request for a bad
// start, errc::refused with max_streams open.
expected<void> start_stream(const httplib::Request& req, httplib::Response& res,
                            std::shared_ptr<persistence::journal_feed> feed);

} // namespace swarm::http
