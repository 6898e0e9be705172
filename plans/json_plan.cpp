// JSON plans, parsed with Boost.JSON:
//
//   {"prefix": "sw", "tasks": [{"title": "...", "description": "...",
//     "depends": ["..."], "skills": ["..."], "priority": "P1" | 1,
//     "files": ["..."], "estimate": "30m" | 30, "children": [...]}]}
//
// or just the array of tasks. depends, skills and files may also be one string with
// commas. Unknown fields are errors (a typo must not silently drop an annotation),
// and so is "id": ids are always derived from titles and positions, the same way as
// for Markdown plans, so every id is well-formed and a reload yields the same ids;
// "depends" refers to a task by its title (or by that derived id) instead.
//
// Boost.JSON's DOM keeps no positions, so task lines come from a scan of the text
// for '{' outside strings: the k-th '{' opens the k-th object of the DOM in
// pre-order. If the two counts differ (a duplicated key dropped an object), lines are
// left out and places are named by their path alone.

#include "plans/plan_builder.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace swarm::plans {

namespace {

namespace json = boost::json;
using detail::annotation;
using detail::raw_plan;

constexpr std::array<const char*, 8> task_fields = {"title",    "description", "depends",
                                                    "skills",   "priority",    "files",
                                                    "estimate", "children"};

// The line of every '{' outside strings, in text order. Skips uninteresting bytes
// in a tight loop: this runs over every byte of plans that may be tens of MB.
std::vector<uint32_t> object_lines(std::string_view text) {
  enum : uint8_t { plain, newline, brace, quote, backslash };
  static const auto classes = [] {
    std::array<uint8_t, 256> c{};
    c['\n'] = newline;
    c['{'] = brace;
    c['"'] = quote;
    c['\\'] = backslash;
    return c;
  }();
  std::vector<uint32_t> lines;
  uint32_t line = 1;
  bool in_string = false;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  for (; p < end; ++p) {
    switch (classes[*p]) {
    case plain:
      break;
    case newline:
      ++line;
      break;
    case brace:
      if (!in_string) lines.push_back(line);
      break;
    case quote:
      in_string = !in_string;
      break;
    case backslash:
      p += in_string && p + 1 < end; // an escaped character never ends the string
      break;
    }
  }
  return lines;
}

size_t count_objects(const json::value& v) {
  if (auto* o = v.if_object()) {
    size_t n = 1;
    for (const auto& kv : *o)
      n += count_objects(kv.value());
    return n;
  }
  if (auto* a = v.if_array()) {
    size_t n = 0;
    for (const auto& e : *a)
      n += count_objects(e);
    return n;
  }
  return 0;
}

const char* kind_of(const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    return "null";
  case json::kind::bool_:
    return "true/false";
  case json::kind::int64:
  case json::kind::uint64:
  case json::kind::double_:
    return "a number";
  case json::kind::string:
    return "a string";
  case json::kind::array:
    return "an array";
  case json::kind::object:
    return "an object";
  }
  return "a value";
}

// "unknown field "prority" (did you mean "priority"?) — allowed fields: ..."
template <size_t N>
std::string unknown_field(std::string_view key,
                          const std::array<const char*, N>& allowed) {
  std::string out = "unknown field \"" + std::string(key) + "\"";
  for (const char* name : allowed)
    if (key.size() > 2 && detail::edit_distance(key, name) <= 2) {
      out += std::string(" (did you mean \"") + name + "\"?)";
      break;
    }
  out += " — allowed fields: ";
  for (size_t i = 0; i < N; ++i)
    out += (i ? ", " : "") + std::string(allowed[i]);
  return out;
}

class json_reader {
public:
  json_reader(raw_plan& out, std::vector<uint32_t> lines)
      : out_(out), lines_(std::move(lines)) {
    out_.tasks.reserve(lines_.size()); // about one object per task
  }

  void read_root(const json::value& root) {
    if (count_objects(root) != lines_.size()) lines_.clear();
    if (auto* tasks = root.if_array()) {
      out_.json_top_array = true;
      read_tasks(*tasks, -1);
      return;
    }
    auto* obj = root.if_object();
    if (!obj) {
      out_.problems.add(0, out_.source + ": the top level is " + kind_of(root) +
                               " — write {\"tasks\": [{\"title\": \"...\"}]} or an "
                               "array of tasks");
      return;
    }
    next_object_line();
    bool has_tasks = false;
    for (const auto& kv : *obj) {
      auto where = out_.source + ": " + std::string(kv.key());
      if (kv.key() == "prefix") {
        if (auto* s = kv.value().if_string())
          out_.prefix = std::string(*s);
        else
          root_wrong_type(where, "a string", kv.value());
      } else if (kv.key() == "tasks") {
        has_tasks = true;
        if (auto* tasks = kv.value().if_array())
          read_tasks(*tasks, -1);
        else
          root_wrong_type(where, "an array of tasks", kv.value());
      } else {
        skip(kv.value());
        out_.problems.add(0, where + ": " +
                                 unknown_field(kv.key(), std::array<const char*, 2>{
                                                             "prefix", "tasks"}));
      }
    }
    if (!has_tasks)
      out_.problems.add(0, out_.source + ": missing \"tasks\" — write {\"tasks\": "
                                         "[{\"title\": \"...\"}]}");
  }

private:
  void root_wrong_type(const std::string& where, const char* expected,
                       const json::value& got) {
    skip(got);
    out_.problems.add(0, where + ": expected " + expected + ", got " + kind_of(got));
  }

  uint32_t next_object_line() { return seq_ < lines_.size() ? lines_[seq_++] : 0; }
  void skip(const json::value& v) { seq_ += lines_.empty() ? 0 : count_objects(v); }

  void read_tasks(const json::array& tasks, int32_t parent) {
    for (size_t i = 0; i < tasks.size(); ++i)
      read_task(tasks[i], parent, static_cast<uint32_t>(i));
  }

  void problem(size_t task, std::string_view field, const std::string& what) {
    out_.problems.add(detail::task_order(out_, task),
                      detail::task_where(out_, task, field) + ": " + what);
  }

  // Also steps over the objects inside `got`, keeping lines in step.
  void wrong_type(size_t task, std::string_view field, const char* expected,
                  const json::value& got) {
    skip(got);
    problem(task, field, std::string("expected ") + expected + ", got " + kind_of(got));
  }

  void read_task(const json::value& v, int32_t parent, uint32_t position) {
    size_t task = out_.tasks.size();
    out_.tasks.emplace_back();
    out_.tasks.back().parent = parent;
    out_.tasks.back().position = position;
    auto* obj = v.if_object();
    if (!obj) {
      wrong_type(task, {}, "a task object {\"title\": \"...\"}", v);
      return;
    }
    uint32_t line = next_object_line();
    out_.tasks[task].line = line;
    const json::value* title = nullptr;
    for (const auto& kv : *obj) {
      std::string_view key = kv.key();
      const json::value& value = kv.value();
      if (key == "title" || key == "description") {
        auto* s = value.if_string();
        if (key == "title") title = &value;
        if (!s) {
          wrong_type(task, key, "a string", value);
        } else if (key == "title") {
          out_.tasks[task].title = std::string(detail::trim(*s));
        } else {
          out_.tasks[task].description = std::string(detail::trim(*s));
        }
      } else if (key == "children") {
        if (auto* children = value.if_array())
          read_tasks(*children, static_cast<int32_t>(task));
        else
          wrong_type(task, key, "an array of tasks", value);
      } else if (key == "id") {
        skip(value);
        problem(task, key,
                "explicit ids are not supported — ids are derived from titles; remove "
                "\"id\" and refer to this task by its title in \"depends\"");
      } else if (auto a = detail::parse_annotation_key(key); a && key == to_string(*a)) {
        read_annotation(task, *a, value, line);
      } else {
        skip(value);
        problem(task, {}, unknown_field(key, task_fields));
      }
    }
    if (!title)
      problem(task, {}, "missing \"title\" — every task needs one");
    else if (title->is_string() && out_.tasks[task].title.empty())
      problem(task, "title", "is empty — every task needs a title");
  }

  void read_annotation(size_t task, annotation a, const json::value& value,
                       uint32_t line) {
    std::string_view key = to_string(a);
    if (a == annotation::priority || a == annotation::estimate) {
      if (auto* s = value.if_string())
        detail::apply_annotation(out_, task, a, *s, line);
      else if (value.is_int64())
        detail::apply_annotation_number(out_, task, a, value.get_int64(), line);
      else if (value.is_uint64())
        detail::apply_annotation_number(out_, task, a, INT64_MAX, line);
      else
        wrong_type(task, key,
                   a == annotation::priority ? "a string like \"P1\" or a number 0..4"
                                             : "a string like \"30m\" or a whole number "
                                               "of minutes",
                   value);
      return;
    }
    if (auto* s = value.if_string()) {
      detail::apply_annotation(out_, task, a, *s, line);
    } else if (auto* items = value.if_array()) {
      for (size_t i = 0; i < items->size(); ++i) {
        const auto& item = (*items)[i];
        if (auto* s = item.if_string()) {
          detail::apply_annotation(out_, task, a, *s, line, static_cast<int32_t>(i));
        } else {
          wrong_type(task, std::string(key) + "[" + std::to_string(i) + "]", "a string",
                     item);
        }
      }
    } else {
      wrong_type(task, key, "an array of strings or one comma-separated string", value);
    }
  }

  raw_plan& out_;
  std::vector<uint32_t> lines_; // empty when lines are unknown
  size_t seq_ = 0;              // objects of the DOM visited so far, in pre-order
};

// "plan.json:3:15: <what> — <hint>" for a parse error after `offset` bytes.
std::string syntax_problem(std::string_view source, std::string_view text, size_t offset,
                           const boost::system::error_code& ec) {
  auto [line, column] = detail::line_column(text, offset);
  std::string what;
  if (ec == json::error::incomplete)
    what =
        "the JSON ends too early — check for a missing closing bracket, brace or quote";
  else if (ec == json::error::extra_data)
    what = "unexpected text after the end of the JSON value — remove it, or wrap "
           "several tasks in one array";
  else if (ec == json::error::too_deep)
    what = "the JSON is nested too deeply — flatten the task hierarchy";
  else
    what = "invalid JSON (" + ec.message() +
           ") — check for a missing comma, quote or bracket at or just before this point";
  return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) +
         ": " + what;
}

} // namespace

expected<plan> parse_json(std::string_view text, std::string_view source,
                          const load_options& opts) {
  try {
    raw_plan raw;
    raw.syntax = detail::plan_syntax::json;
    raw.source = std::string(source);
    raw.prefix = opts.prefix;
    raw.max_depth = opts.max_depth;
    text = detail::strip_bom(text);

    json::monotonic_resource memory;
    json::parse_options parse_opts;
    parse_opts.max_depth = 1024; // the default 32 would allow only ~15 task levels
    json::stream_parser parser({}, parse_opts);
    parser.reset(&memory);
    boost::system::error_code ec;
    size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
      parser.finish(ec);
      consumed = text.size();
    }
    if (ec)
      return make_error(errc::invalid_plan, syntax_problem(source, text, consumed, ec));
    json::value root = parser.release();

    json_reader(raw, object_lines(text)).read_root(root);
    return detail::build_plan(std::move(raw));
  } catch (const std::exception& e) {
    return make_error(errc::internal,
                      std::string(source) + ": loading the plan failed: " + e.what());
  }
}

} // namespace swarm::plans
