#include "persistence/db_lock.hpp"

#include "persistence/database.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace json = boost::json;

namespace swarm::persistence {

namespace {

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

lock_holder read_holder(int fd) {
  lock_holder h;
  char buf[512];
  auto n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return h;
  json::error_code ec;
  auto v = json::parse(json::string_view{buf, static_cast<size_t>(n)}, ec);
  if (ec || !v.is_object())
    return h;
  auto& o = v.get_object();
  if (auto* p = o.if_contains("pid"); p && p->is_int64())
    h.pid = static_cast<long>(p->get_int64());
  if (auto* p = o.if_contains("host"); p && p->is_string())
    h.host = std::string{p->get_string()};
  if (auto* p = o.if_contains("since"); p && p->is_string())
    h.since = std::string{p->get_string()};
  return h;
}

} // namespace

std::string lock_path(const std::string& db_path) { return db_path + ".lock"; }

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0)
    return "unknown";
  return buf;
}

db_lock::db_lock(db_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

db_lock& db_lock::operator=(db_lock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

db_lock::~db_lock() { release(); }

void db_lock::release() {
  if (fd_ >= 0) {
    // Clear the record first so a reader never sees a released lock's old holder.
    if (ftruncate(fd_, 0) != 0) {
      // Nothing to do: the lock itself is released by close below.
    }
    flock(fd_, LOCK_UN);
    close(fd_);
    fd_ = -1;
  }
}

expected<db_lock> db_lock::acquire(const std::string& db_path) {
  auto path = lock_path(db_path);
  (void)make_database_dir(db_path); // a failure shows as the open's below
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_error,
                      "cannot open lock file " + path + ": " + std::strerror(errno));
  (void)::fchmod(fd, 0600); // whatever the umask left, or an older swarm made
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    auto h = read_holder(fd);
    close(fd);
    if (err != EWOULDBLOCK)
      return make_error(errc::io_error, "cannot lock " + path + ": " + std::strerror(err));
    std::string who = h.pid != 0 ? "pid " + std::to_string(h.pid) + " on host '" + h.host +
                                     "' since " + h.since
                                 : "another process (holder not yet recorded)";
    return make_error(errc::database_locked,
                      db_path + " is held by another swarm engine (" + who +
                        "); stop that engine, or run commands while it runs — they "
                        "reach it through its control socket");
  }
  json::object rec{{"pid", static_cast<int64_t>(getpid())},
                   {"host", hostname()},
                   {"since", iso_now()}};
  auto text = json::serialize(rec);
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    int err = errno;
    close(fd);
    return make_error(errc::io_error,
                      "cannot record the lock holder in " + path + ": " + std::strerror(err));
  }
  return db_lock{fd};
}

lock_holder db_lock::holder(const std::string& db_path) {
  int fd = ::open(lock_path(db_path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return {};
  lock_holder h;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0)
    h = read_holder(fd); // someone holds it exclusively
  else
    flock(fd, LOCK_UN);
  close(fd);
  return h;
}

} // namespace swarm::persistence
