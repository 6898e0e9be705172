#include "actors/task_queue/task_listing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace swarm {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// The node index a cursor names; nullopt for text no page wrote.
std::optional<size_t> cursor_index(const std::string& cursor, size_t size) {
  if (cursor.empty()) return size_t{0};
  size_t i = 0;
  const auto* end = cursor.data() + cursor.size();
  auto [p, ec] = std::from_chars(cursor.data(), end, i);
  if (ec != std::errc{} || p != end || i > size) return std::nullopt;
  return i;
}

} // namespace

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

expected<task_page> list_tasks(const task_graph& g, const task_query& q) {
  const auto from = cursor_index(q.cursor, g.size());
  if (!from)
    return make_error(errc::bad_request,
                      "cursor '" + q.cursor +
                          "' is not one a page gave; start without a cursor and pass "
                          "each page's next_cursor");
  auto matches = [&](const task& t) {
    if (q.ready_only && t.state != task_state::ready) return false;
    if (q.state && t.state != *q.state) return false;
    return contains_ignoring_case(t.spec.id, q.text) ||
           contains_ignoring_case(t.spec.title, q.text) ||
           contains_ignoring_case(t.spec.description, q.text);
  };
  task_page page;
  const size_t limit = q.limit ? *q.limit : g.size();
  for (task_index i = 0; i < g.size(); ++i) {
    const auto& t = g.at(i).t;
    if (!matches(t)) continue;
    ++page.total;
    if (i < *from) continue;
    if (page.tasks.size() < limit)
      page.tasks.push_back(t);
    else if (page.next_cursor.empty())
      page.next_cursor = std::to_string(i);
  }
  return page;
}

} // namespace swarm
