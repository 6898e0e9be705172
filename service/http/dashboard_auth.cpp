#include "service/http/dashboard_auth.hpp"

#include "service/http/http_translate.hpp"
#include "persistence/credentials.hpp"

namespace swarm::http {

namespace {

// 32 random bytes, as for the operator token.
constexpr size_t secret_bytes = 32;

std::string_view trimmed(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = trimmed(header.substr(0, semi));
    header =
        semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trimmed(pair.substr(0, eq)) != name) continue;
    auto value = trimmed(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string session_cookie(std::string_view secret) {
  return std::string{session_cookie_name} + "=" + std::string{secret} +
         "; HttpOnly; SameSite=Strict; Path=/";
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    auto one = trimmed(if_none_match.substr(0, comma));
    if_none_match = comma == std::string_view::npos ? std::string_view{}
                                                    : if_none_match.substr(comma + 1);
    if (one.rfind("W/", 0) == 0) one.remove_prefix(2);
    if (one == "*" || (!one.empty() && one == etag)) return true;
  }
  return false;
}

expected<std::string> dashboard_logins::fresh_code() {
  auto code = random_hex(secret_bytes);
  if (!code) return code.error();
  std::lock_guard<std::mutex> lock{m_};
  code_ = *code;
  return code;
}

expected<std::string> dashboard_logins::redeem(std::string_view code) {
  auto secret = random_hex(secret_bytes);
  if (!secret) return secret.error();
  std::lock_guard<std::mutex> lock{m_};
  if (code_.empty() || !same_secret(code, code_))
    return make_error(errc::unauthorized,
                      "this dashboard link is used or wrong: each link opens once. Run "
                      "`swarm dashboard` (or start `swarm serve` again) for a fresh one");
  code_.clear();
  if (sessions_.size() >= max_sessions) sessions_.pop_front();
  sessions_.push_back(*secret);
  return secret;
}

bool dashboard_logins::is_session(std::string_view secret) const {
  if (secret.empty()) return false;
  std::lock_guard<std::mutex> lock{m_};
  bool found = false;
  // Every session is compared, so the time says nothing about which one is near.
  for (const auto& s : sessions_)
    found = same_secret(secret, s) || found;
  return found;
}

} // namespace swarm::http
