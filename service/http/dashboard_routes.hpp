#pragma once
// The dashboard's routes on the HTTP server, none behind the API's auth check (they
// hold no secret): GET / (the page), GET /assets/<name> (the embedded assets, with
// ETag and If-None-Match -> 304) and GET /login?code=CODE (a one-time link becomes a
// session cookie, 303 to /). The page is sent with a strict Content-Security-Policy:
// its own scripts and styles only, no inline script, nothing from elsewhere.
// Installed once by http_server before it listens; the handlers run on httplib's
// workers and share only `logins` (thread-safe).

#include "service/http/dashboard_auth.hpp"

#include <httplib.h>

namespace swarm::http {

void install_dashboard_routes(httplib::Server& server, dashboard_logins& logins);

// Whether the request carries the cookie of a session `logins` handed out.
bool has_dashboard_session(const httplib::Request& req, const dashboard_logins& logins);

} // namespace swarm::http
