#include "actors/mail_router/mail_query.hpp"

#include <cctype>

namespace swarm {

namespace {

// An FTS5 string literal: double quotes doubled.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

} // namespace

expected<mail_query> parse_mail_query(std::string_view text) {
  mail_query q;
  size_t i = 0;
  auto bad = [](std::string m) { return make_error(errc::bad_request, std::move(m)); };
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (i == text.size()) break;
    std::string field;
    size_t colon = i;
    while (colon < text.size() &&
           (std::isalpha(static_cast<unsigned char>(text[colon])) || text[colon] == '_'))
      ++colon;
    if (colon < text.size() && text[colon] == ':' && colon > i) {
      field.assign(text.substr(i, colon - i));
      for (auto& c : field)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      i = colon + 1;
      if (field != "subject" && field != "body" && field != "from" && field != "thread")
        return bad("unknown search field '" + field +
                   ":'; use subject:, body:, from: or thread:");
    }
    std::string term;
    if (i < text.size() && text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos)
        return bad("unclosed quote in the search query");
      term.assign(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const size_t start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
      term.assign(text.substr(start, i - start));
    }
    if (term.empty()) {
      if (!field.empty()) return bad("'" + field + ":' needs a value");
      continue;
    }
    if (field == "from") {
      q.from = term;
    } else if (field == "thread") {
      q.thread = term;
    } else {
      if (!q.match.empty()) q.match += " AND ";
      q.match += field.empty() ? quoted(term) : field + " : " + quoted(term);
    }
  }
  if (q.match.empty() && q.from.empty() && q.thread.empty())
    return bad("the search query is empty");
  return q;
}

} // namespace swarm
