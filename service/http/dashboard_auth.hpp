#pragma once
// The dashboard's sign-in: a browser opens a one-time link (GET /login?code=CODE, from
// `swarm serve` or `swarm dashboard`) and gets a session secret as an HttpOnly,
// SameSite=Strict cookie, which the API then accepts like the operator token. Plus the
// header rules that go with it (cookies, ETags), as plain functions so they are
// tested directly.
//
// dashboard_logins holds the current one-time code (at most one; a fresh link replaces
// it, opening it consumes it) and the session secrets handed out, in memory only: a
// restarted server needs a fresh link. Thread-safe (one mutex); owned by http_server.

#include <swarm/error.hpp>

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace swarm::http {

// The cookie holding a dashboard session.
constexpr std::string_view session_cookie_name = "swarm_session";

// The value of cookie `name` in a "Cookie" header ("a=1; swarm_session=abc"); nullopt
// when it is not there. A value in double quotes is unquoted.
std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name) noexcept;

// The Set-Cookie value for a session: HttpOnly, SameSite=Strict, Path=/.
std::string session_cookie(std::string_view secret);

// Whether an "If-None-Match" header value names `etag` (quoted, as sent in ETag), or
// is "*". A weak validator (W/"...") matches its strong twin, as RFC 9110 says for
// If-None-Match.
bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

class dashboard_logins {
public:
  // A new one-time code, replacing the current one (errc::io_error when no random
  // bytes could be read).
  expected<std::string> fresh_code();
  // Consumes `code` when it is the current one and answers a new session secret;
  // errc::unauthorized for a wrong or used code (then nothing changes).
  expected<std::string> redeem(std::string_view code);
  // Whether `secret` is one of the sessions handed out (compared in constant time).
  bool is_session(std::string_view secret) const;

  // At most this many sessions are kept; the oldest is forgotten first.
  static constexpr size_t max_sessions = 64;

private:
  mutable std::mutex m_;
  std::string code_; // empty: none to redeem
  std::deque<std::string> sessions_;
};

} // namespace swarm::http
