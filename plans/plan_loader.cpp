// load_plan_file: reads a plan and hands it to the Markdown or JSON front-end.

#include "plans/plan_builder.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace swarm::plans {

namespace {

bool ends_with_json(std::string_view path) {
  if (path.size() < 5) return false;
  std::string tail(path.substr(path.size() - 5));
  for (char& c : tail)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return tail == ".json";
}

bool starts_like_json(std::string_view text) {
  text = detail::strip_bom(text);
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (text[i] == '{' || text[i] == '[');
}

} // namespace

expected<plan> load_plan_file(const std::string& path, const load_options& opts) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found)
    return make_error(errc::not_found,
                      "plan file \"" + path + "\" does not exist — check the path");
  if (fs::is_directory(status))
    return make_error(errc::io_error,
                      "plan file \"" + path + "\" is a directory — give the plan's file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return make_error(errc::io_error, "cannot read plan file \"" + path +
                                          "\": " + std::strerror(err) +
                                          " — check its permissions");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return make_error(errc::io_error, "reading plan file \"" + path + "\" failed");
  std::string content = std::move(text).str();
  if (ends_with_json(path) || starts_like_json(content))
    return parse_json(content, path, opts);
  return parse_markdown(content, path, opts);
}

} // namespace swarm::plans
