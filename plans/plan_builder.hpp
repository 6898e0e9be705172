#pragma once
// Internal to plans/: what the Markdown and JSON front-ends share. A front-end turns
// its text into a raw_plan — tasks in document order (every parent before its
// children, each subtree contiguous), annotation values already parsed, dependencies
// still as written — and hands it to build_plan, which assigns ids, resolves and
// checks dependencies and reports every problem at once. Plain C++; no state.

#include "plans/plan_loader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::plans::detail {

// Which syntax a plan was written in; decides how places and hints are spelled.
enum class plan_syntax { markdown, json };

// Problems found in a plan, reported together in document order.
class problem_list {
public:
  // `order` sorts problems into document order (a line for Markdown, a task's
  // index + 1 for JSON); problems with equal order keep the order they were added.
  void add(uint64_t order, std::string message);
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  // One problem per line, in document order, at most `max_reported`.
  error to_error() const;

  static constexpr size_t max_reported = 50;

private:
  std::vector<std::pair<uint64_t, std::string>> items_;
};

// A dependency as the plan wrote it: a title or an id.
struct raw_ref {
  std::string text;
  uint32_t line = 0;  // Markdown: the line of its "depends:"; JSON: the task's line
  int32_t index = -1; // JSON: position in a "depends" array; -1 for a single string
};

struct raw_task {
  std::string title;
  std::string description;
  int32_t parent = -1;   // index into raw_plan::tasks; -1 for a root
  uint32_t position = 0; // 0-based among the parent's children (or among the roots)
  uint32_t line = 0;     // where the task is declared; 0 when unknown
  std::vector<raw_ref> depends;
  std::vector<std::string> skills; // lowercased, deduplicated
  std::vector<std::string> files;
  int priority = default_priority;
  uint32_t estimate_minutes = 0;
  bool has_priority = false;
  bool has_estimate = false;
};

struct raw_plan {
  plan_syntax syntax = plan_syntax::markdown;
  std::string source;          // names the text in messages: "plan.md"
  std::string prefix;          // id prefix for roots
  unsigned max_depth = 0;      // task levels allowed, a root being 1; 0: no limit
  bool json_top_array = false; // JSON paths start "[i]" rather than "tasks[i]"
  std::vector<raw_task> tasks;
  problem_list problems; // found by the front-end
};

// Assigns ids, resolves dependencies, checks them and the plan's depth, and returns
// the plan — or every problem found (the front-end's and its own) as errc::invalid_plan.
expected<plan> build_plan(raw_plan raw);

// ---- places and messages

// "plan.md:12" / "plan.json:14: tasks[0].children[1]" (+ "." + field when given).
std::string task_where(const raw_plan& p, size_t task, std::string_view field = {});
// Where a dependency was written.
std::string ref_where(const raw_plan& p, size_t task, const raw_ref& ref);
// The sort key of problems about a task (see problem_list::add).
uint64_t task_order(const raw_plan& p, size_t task, uint32_t line = 0);
// "tasks[0].children[1]" (or "[0].children[1]" for a top-level array).
std::string json_path(const raw_plan& p, size_t task);

// ---- annotations: "depends", "skills", "priority", "files", "estimate"

enum class annotation { depends, skills, priority, files, estimate };

// The annotation a key names (case-insensitive), if any.
std::optional<annotation> parse_annotation_key(std::string_view key);
const char* to_string(annotation a);

// Splits "key: value" when key names an annotation; the value is trimmed.
std::optional<std::pair<annotation, std::string_view>>
split_annotation_line(std::string_view line);

// Applies a value written as text (a Markdown line, or a JSON string). Bad values
// become problems at `where`, sorted by `order`. `index` is the JSON array index of
// a single list element (-1 when `value` is a comma-separated list).
void apply_annotation(raw_plan& p, size_t task, annotation key, std::string_view value,
                      uint32_t line, int32_t index = -1);
// Applies a JSON integer ("priority": 1, "estimate": 90).
void apply_annotation_number(raw_plan& p, size_t task, annotation key, int64_t value,
                             uint32_t line);

// ---- ids

constexpr unsigned min_root_id_length = 4;
constexpr unsigned max_root_id_length = 16; // every digit of a 64-bit hash

// Hex digits of a root id in a plan of `roots` roots: the fewest (at least
// min_root_id_length, at most max_root_id_length) for which the birthday bound
// n(n-1)/2 / 16^L on some two roots colliding is at most 1%. Grows with the root
// count only, so the same plan always gets the same ids.
unsigned root_id_length(size_t roots);

// MurmurHash3's fmix64 finaliser. FNV-1a (src/hash.hpp) alone barely mixes the last bytes
// into the high bits, so "Task 1" and "Task 2" (or occurrences 0 and 1) would share the
// leading hex digits an id shows; the finaliser spreads every bit over all of them.
uint64_t mix64(uint64_t h);
// All 16 hex digits of mix64(fnv1a_64(normalised title + '\x1f' + occurrence)).
std::string root_hash_hex(std::string_view normalised_title, unsigned occurrence);
// For hashes in document order, the shortest prefix of each (at least `min_length`
// digits) that no earlier one took. Deterministic: a root's id depends only on the
// roots before it.
std::vector<std::string> unique_prefixes(const std::vector<std::string>& hex,
                                         unsigned min_length = min_root_id_length);
// Ids for a plan's roots, given their normalised titles in document order; hashes
// are cut to root_id_length(titles.size()) digits, or longer on a collision.
std::vector<std::string> assign_root_ids(std::string_view prefix,
                                         const std::vector<std::string_view>& titles);

// ---- text helpers

std::string_view trim(std::string_view s);
// Without a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view text);
// Trimmed, inner whitespace collapsed to one space, ASCII lowercased.
std::string normalise_title(std::string_view title);
// Splits on commas outside double quotes and {braces}; trims; drops empty items and
// the quotes around a quoted item.
std::vector<std::string> split_list(std::string_view value);
// "P1", "p1", "1" -> 1; nullopt unless 0..4.
std::optional<int> parse_priority(std::string_view text);
// "30m", "2h", "1d" (a working day: 8h), "1h30m", "1.5h", "90" (minutes).
std::optional<uint32_t> parse_estimate(std::string_view text);
// A valid id prefix: a lowercase letter, then lowercase letters, digits or '_'.
bool valid_prefix(std::string_view prefix);
// Levenshtein distance, for "did you mean" hints on short names.
size_t edit_distance(std::string_view a, std::string_view b);
// 1-based line and column (in characters, not bytes) of byte `offset` in `text`.
std::pair<size_t, size_t> line_column(std::string_view text, size_t offset);

} // namespace swarm::plans::detail
