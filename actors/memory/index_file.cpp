#include "actors/memory/index_file.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace swarm::memory {

namespace {

namespace json = boost::json;

std::string meta_path(const std::string& path) { return path + ".meta"; }

// How the file holds each point; a file of another encoding (or of none: the float
// vectors earlier versions wrote) is rebuilt.
constexpr const char* point_encoding = "int8-scaled";

struct index_meta {
  std::string embedder;
  uint64_t dim = 0;
  std::string encoding;
};

std::optional<index_meta> read_meta(const std::string& path) {
  std::ifstream in{meta_path(path)};
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& o = v.get_object();
  auto* e = o.if_contains("embedder");
  auto* d = o.if_contains("dim");
  if (e == nullptr || !e->is_string() || d == nullptr || !d->is_int64()) return std::nullopt;
  auto* enc = o.if_contains("encoding");
  return index_meta{std::string{e->get_string()}, static_cast<uint64_t>(d->get_int64()),
                    enc != nullptr && enc->is_string() ? std::string{enc->get_string()}
                                                        : std::string{"float32"}};
}

// Adds the stored vectors of `wanted` (every live one when null) to the index, in
// batches on two threads.
expected<uint64_t> add_stored(vector_index& index, size_t dim,
                              const std::set<uint64_t>& live, const vector_source& stored,
                              const std::set<uint64_t>* wanted) {
  uint64_t added = 0;
  std::vector<uint64_t> labels;
  std::vector<std::vector<float>> vectors;
  std::optional<error> bad;
  auto flush = [&] {
    if (labels.empty()) return;
    if (auto r = index.bulk_insert(labels, vectors); !r && !bad) bad = r.error();
    added += labels.size();
    labels.clear();
    vectors.clear();
  };
  auto r = stored([&](uint64_t num, std::vector<float> v) {
    if (live.count(num) == 0) return; // expired or forgotten
    if (wanted != nullptr && wanted->count(num) == 0) return;
    if (v.size() != dim) return;
    labels.push_back(num);
    vectors.push_back(std::move(v));
    if (labels.size() >= 4096) flush();
  });
  flush();
  if (!r) return r.error();
  if (bad) return *bad;
  return added;
}

} // namespace

std::string index_path(const std::string& db_path) { return db_path + ".hnsw"; }

expected<opened_index> open_index_file(const std::string& path, const vector_kind& kind,
                                       const std::set<uint64_t>& live,
                                       const vector_source& stored, bool vectors_changed) {
  opened_index out;
  const size_t dim = kind.dim;
  auto meta = read_meta(path);
  if (!vectors_changed && meta && meta->embedder == kind.embedder && meta->dim == dim &&
      meta->encoding == point_encoding) {
    auto loaded = vector_index::load(path, dim);
    if (loaded) {
      out.index = std::move(*loaded);
      std::set<uint64_t> missing;
      for (auto num : live)
        if (!out.index->contains(num)) missing.insert(num);
      uint64_t removed = 0;
      for (auto label : out.index->labels())
        if (live.count(label) == 0) {
          out.index->remove(label);
          ++removed;
        }
      if (missing.empty() && removed == 0) {
        out.state = "loaded";
        return out;
      }
      auto added = add_stored(*out.index, dim, live, stored, &missing);
      if (!added) return added.error();
      spdlog::info("memory index {} repaired: {} point(s) added, {} removed", path, *added,
                   removed);
      out.state = "repaired";
      out.changed = *added + removed;
      return out;
    }
    if (loaded.error().code != errc::not_found)
      spdlog::warn("memory index {} unreadable ({}); rebuilding it", path,
                   loaded.error().message);
  }
  out.index = std::make_unique<vector_index>(dim, std::max<size_t>(1024, live.size()),
                                             vector_index::default_m,
                                             vector_index::default_ef_construction,
                                             std::filesystem::path{path}.parent_path().string());
  if (live.empty()) {
    out.state = "empty";
    return out;
  }
  auto added = add_stored(*out.index, dim, live, stored, nullptr);
  if (!added) return added.error();
  spdlog::info("memory index {} rebuilt from the database: {} point(s)", path, *added);
  out.state = "rebuilt";
  out.changed = *added;
  return out;
}

expected<void> save_index_file(const std::string& path, const vector_kind& kind,
                               const vector_index& index) {
  if (auto r = index.save(path); !r) return r;
  const auto tmp = meta_path(path) + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << json::serialize(json::object{{"embedder", kind.embedder},
                                        {"dim", static_cast<int64_t>(kind.dim)},
                                        {"encoding", point_encoding},
                                        {"points", index.size()}});
    if (!out) return make_error(errc::io_error, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read |
                                        std::filesystem::perms::owner_write, ec);
  std::filesystem::rename(tmp, meta_path(path), ec);
  if (ec)
    return make_error(errc::io_error, "cannot write " + meta_path(path) + ": " + ec.message());
  return {};
}

expected<index_file_state> inspect_index_file(const std::string& path,
                                              const vector_kind& kind,
                                              const std::set<uint64_t>& live,
                                              const vector_source& stored) {
  index_file_state out;
  std::error_code ec;
  auto meta = read_meta(path);
  out.present = meta.has_value() && std::filesystem::exists(path, ec);
  if (!out.present) {
    out.problem = "there is no index file";
    return out;
  }
  if (meta->embedder != kind.embedder || meta->dim != kind.dim) {
    out.problem = "it holds vectors of " + meta->embedder + " (" +
                  std::to_string(meta->dim) + " dimensions), the memories use " +
                  kind.embedder + " (" + std::to_string(kind.dim) + ")";
    return out;
  }
  if (meta->encoding != point_encoding) {
    out.problem = "it holds points encoded as " + meta->encoding + ", this swarm reads " +
                  point_encoding;
    return out;
  }
  auto loaded = vector_index::load(path, kind.dim);
  if (!loaded) {
    out.problem = loaded.error().message;
    return out;
  }
  out.usable = true;
  for (auto label : (*loaded)->labels()) {
    ++out.points;
    if (live.count(label) == 0) ++out.extra;
  }
  for (auto num : live)
    if (!(*loaded)->contains(num)) ++out.missing;
  auto compared = stored([&](uint64_t num, std::vector<float> v) {
    if (live.count(num) == 0 || !(*loaded)->contains(num)) return;
    if (!(*loaded)->holds(num, v)) ++out.differ;
  });
  if (!compared) return compared.error();
  return out;
}

} // namespace swarm::memory
