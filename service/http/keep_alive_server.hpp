#pragma once
// httplib's server with our own connection loop: the same routing and request handling
// (httplib::Server::process_request), read and written through a socket stream that
// serves a keep-alive request in two system calls, a recv and a sendmsg (httplib's own
// stream makes seven or more: a poll before every read and every write, two sends, and
// a look up of both addresses each request).
//
// What it changes, per connection (one worker thread each, as in httplib):
// - Waiting for the next request is a blocking recv() that returns with its bytes, in
//   50 ms slices (a receive timeout) that notice a stopped server; httplib polls 10 ms,
//   sleeps 1 ms, and polls again.
// - Reads within a request go through a 16 KiB buffer, a non-blocking recv first and
//   poll() only when the peer has not sent yet (httplib's read timeout).
// - A response's head is held and sent with the first write of its body in one sendmsg(),
//   so a small answer is one segment and wakes the client once (httplib writes head and
//   body apart: two sends, two wake-ups, on TCP_NODELAY two packets). Held bytes are
//   sent before any read or wait, and when the request is over, so nothing waits on
//   them: a 100-continue goes out before the body is read. A streamed response's head
//   goes out with its first chunk (an event stream writes one at once).
// - Writes block at most the write timeout (SO_SNDTIMEO); a failed write ends the
//   connection.
//
// Everything else — routes, handlers, limits, timeouts, the pool, stop() — is httplib's.

#include <httplib.h>

namespace swarm::http {

class keep_alive_server final : public httplib::Server {
private:
  // httplib calls this on a worker for each accepted connection: serve its requests
  // until it closes, the keep-alive limits end it, or the server stops; then close it.
  bool process_and_close_socket(socket_t sock) override;
};

} // namespace swarm::http
