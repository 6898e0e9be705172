#include "service/http/dashboard_routes.hpp"

#include "service/http/web_assets.hpp"

namespace swarm::http {

namespace {

constexpr const char* page_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

void harden(httplib::Response& res) {
  res.set_header("Content-Security-Policy", page_policy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

// The asset, or 304 when the browser's copy is current. Cache-Control no-cache: the
// names stay the same across builds, so the browser asks again, and the ETag makes
// that cheap.
void send_asset(const httplib::Request& req, httplib::Response& res, const web_asset& a) {
  harden(res);
  res.set_header("ETag", a.etag);
  res.set_header("Cache-Control", "no-cache");
  if (etag_matches(req.get_header_value("If-None-Match"), a.etag)) {
    res.status = 304;
    return;
  }
  // Straight from the embedded bytes. (A response with a body httplib compresses for
  // the browser, with brotli at its slowest setting — tens of milliseconds per asset
  // on every first load; one from a provider of known length is sent as it is.)
  res.set_content_provider(a.size, a.content_type,
                           [&a](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(
                                 reinterpret_cast<const char*>(a.data) + offset, length);
                           });
}

void not_found(httplib::Response& res) {
  harden(res);
  res.status = 404;
  res.set_content("no such asset\n", "text/plain; charset=utf-8");
}

void refuse_login(httplib::Response& res, const error& e) {
  harden(res);
  res.status = 401;
  res.set_header("Cache-Control", "no-store");
  std::string page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>swarm: "
                     "sign-in refused</title></head><body><h1>swarm dashboard</h1><p>";
  page += e.message; // ours: no markup in it
  page += "</p></body></html>\n";
  res.set_content(page, "text/html; charset=utf-8");
}

} // namespace

const web_asset* find_web_asset(std::string_view name) noexcept {
  for (const auto& a : web_assets())
    if (name == a.name) return &a;
  return nullptr;
}

void install_dashboard_routes(httplib::Server& server, dashboard_logins& logins) {
  server.Get("/", [](const httplib::Request& req, httplib::Response& res) {
    if (const auto* page = find_web_asset("index.html"))
      return send_asset(req, res, *page);
    not_found(res);
  });
  server.Get(R"(/assets/([A-Za-z0-9._-]+))",
             [](const httplib::Request& req, httplib::Response& res) {
               const auto* a = find_web_asset(req.matches[1].str());
               if (a == nullptr || std::string_view{a->name} == "index.html")
                 return not_found(res);
               send_asset(req, res, *a);
             });
  server.Get("/login", [&logins](const httplib::Request& req, httplib::Response& res) {
    auto session = logins.redeem(req.get_param_value("code"));
    if (!session) return refuse_login(res, session.error());
    res.status = 303;
    res.set_header("Set-Cookie", session_cookie(*session));
    res.set_header("Location", "/");
    res.set_header("Cache-Control", "no-store");
    res.set_header("Referrer-Policy", "no-referrer");
  });
}

bool has_dashboard_session(const httplib::Request& req, const dashboard_logins& logins) {
  const std::string header = req.get_header_value("Cookie"); // the view below points in
  auto secret = cookie_value(header, session_cookie_name);
  return secret && logins.is_session(*secret);
}

} // namespace swarm::http
