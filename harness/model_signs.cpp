// The watch every CLI adapter runs over its model's output (detail::watch_for_signs):
// lines are cut from the byte stream, the adapter says which words on a line are the
// CLI's own, and those are tested against its signs of an unreachable service.
#include "harness/model_adapter.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

namespace swarm::harness::detail {

namespace {

// An unfinished line longer than this is judged as it is and dropped: no sign is that
// long, and a model printing megabytes without a newline must not grow memory.
constexpr size_t max_line = 64 * 1024;

bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [&](char a, char b) { return lower(a) == lower(b); });
  return it != hay.end();
}

struct sign_watch {
  std::string cli;
  std::vector<unavailable_sign> signs;
  std::vector<uint32_t> seen; // per sign
  cli_words words;
  std::string partial[2]; // stdout, stderr: the unfinished last line

  // "" or the answer for one complete line.
  std::string judge(bool is_stderr, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string said = words(is_stderr, line);
    if (said.empty()) return {};
    for (size_t i = 0; i < signs.size(); ++i)
      if (contains_nocase(said, signs[i].text) &&
          ++seen[i] >= std::max(1u, signs[i].repeats))
        return cli + ": " + one_line(said, 300);
    return {};
  }

  std::string feed(bool is_stderr, std::string_view bytes) {
    std::string& rest = partial[is_stderr ? 1 : 0];
    while (!bytes.empty()) {
      auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) {
        rest.append(bytes);
        if (rest.size() < max_line) return {};
        std::string line = std::move(rest);
        rest.clear();
        return judge(is_stderr, line);
      }
      std::string answer;
      if (rest.empty()) {
        answer = judge(is_stderr, bytes.substr(0, nl));
      } else {
        rest.append(bytes.substr(0, nl));
        answer = judge(is_stderr, rest);
        rest.clear();
      }
      if (!answer.empty()) return answer;
      bytes.remove_prefix(nl + 1);
    }
    return {};
  }
};

} // namespace

output_watch watch_for_signs(std::string cli, std::vector<unavailable_sign> signs,
                             cli_words words) {
  auto w = std::make_shared<sign_watch>();
  w->cli = std::move(cli);
  w->seen.assign(signs.size(), 0);
  w->signs = std::move(signs);
  w->words = std::move(words);
  return
      [w](bool is_stderr, std::string_view bytes) { return w->feed(is_stderr, bytes); };
}

} // namespace swarm::harness::detail
