// The engine's run directories (<db directory>/runs/<task>/<attempt>/): retention of
// those of finished tasks, on demand (collect_runs, `swarm gc`), and at each run's start,
// as it goes (run.cpp) and at its end (options::keep_runs).
#include "actors/engine/engine_impl.hpp"

#include "persistence/journal_feed.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace swarm {

namespace {

namespace fs = std::filesystem;

struct run_dir {
  fs::path path;
  std::string task;
  fs::file_time_type written;
};

// Bytes under `dir` (regular files; links are not followed).
uint64_t bytes_under(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  return total;
}

bool finished(const std::string& state) {
  return state == "completed" || state == "failed" || state == "cancelled";
}

} // namespace

expected<runs_collected> engine::collect_runs(const runs_gc& r) {
  if (!r.keep && !r.older_than)
    return make_error(errc::bad_request,
                      "say what to keep: keep (the newest N finished tasks' run directories) "
                      "or older_than (remove those not written for that long), or both");
  auto& im = *impl_;
  std::error_code ec;
  const auto runs = fs::absolute(im.opts.db_path, ec).parent_path() / "runs";
  runs_collected out;
  out.dry_run = r.dry_run;
  if (!fs::is_directory(runs, ec)) return out;
  std::vector<fs::path> dirs;
  std::vector<std::string> tasks;
  for (fs::directory_iterator it{runs, ec}, end; !ec && it != end; it.increment(ec)) {
    if (it->is_symlink(ec) || !it->is_directory(ec)) continue;
    dirs.push_back(it->path());
    tasks.push_back(it->path().filename().string());
  }
  if (ec)
    return make_error(errc::io_error, "cannot list " + runs.string() + ": " + ec.message());
  auto states = im.feed->task_states(tasks);
  if (!states) return states.error();
  // Finished tasks' directories, the most recently written first; the rest are kept.
  std::vector<run_dir> done;
  for (size_t i = 0; i < dirs.size(); ++i) {
    const auto state = states->find(tasks[i]);
    if (state != states->end() && !finished(state->second)) {
      ++out.kept;
      continue;
    }
    done.push_back({dirs[i], tasks[i], fs::last_write_time(dirs[i], ec)});
  }
  std::sort(done.begin(), done.end(),
            [](const run_dir& a, const run_dir& b) { return a.written > b.written; });
  const auto now = fs::file_time_type::clock::now();
  for (size_t i = 0; i < done.size(); ++i) {
    const bool beyond_count = r.keep && i >= *r.keep;
    const bool too_old = r.older_than && now - done[i].written > *r.older_than;
    if (!beyond_count && !too_old) {
      ++out.kept;
      continue;
    }
    const auto bytes = bytes_under(done[i].path);
    if (!r.dry_run) {
      fs::remove_all(done[i].path, ec);
      if (ec)
        return make_error(errc::io_error,
                          "cannot remove " + done[i].path.string() + ": " + ec.message());
    }
    out.bytes_freed += bytes;
    out.removed.push_back(done[i].task);
  }
  std::sort(out.removed.begin(), out.removed.end());
  return out;
}

void engine::impl::retain_runs(engine& e) {
  if (opts.keep_runs == 0) return;
  runs_gc r;
  r.keep = opts.keep_runs;
  auto collected = e.collect_runs(r);
  if (!collected)
    spdlog::warn("run directories: {}", collected.error().message);
  else if (!collected->removed.empty())
    spdlog::info("removed the run directories of {} finished task(s) ({} KiB), keeping the "
                 "newest {} (keep_runs; swarm gc prunes on demand)",
                 collected->removed.size(), collected->bytes_freed / 1024, opts.keep_runs);
}

} // namespace swarm
