#include "persistence/credentials.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace swarm {

namespace {

constexpr size_t token_bytes = 32;

error io_failure(const std::string& what, const std::string& path) {
  return make_error(errc::io_error, what + " " + path + ": " + std::strerror(errno));
}

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Makes the token file; false (errno EEXIST) when it already exists.
expected<bool> create_token_file(const std::string& path) {
  auto token = make_token();
  if (!token) return token.error();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return false;
  if (fd < 0) return io_failure("cannot create", path);
  // 0600 whatever the umask was (a umask can only take bits away; this is the rest).
  const bool ok =
      ::fchmod(fd, 0600) == 0 && write_all(fd, *token + "\n") && ::fsync(fd) == 0;
  if (!ok) {
    auto e = io_failure("cannot write", path);
    ::close(fd);
    ::unlink(path.c_str());
    return e;
  }
  ::close(fd);
  return true;
}

expected<std::string> read_token_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return io_failure("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto e = io_failure("cannot stat", path);
    ::close(fd);
    return e;
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return make_error(errc::refused,
                      path +
                          " may be read or written by group or others; the operator "
                          "token must be private — run: chmod 600 " +
                          path);
  }
  char buf[256];
  std::string text;
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < 4096)
    text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() < 32 || text.find_first_of(" \t\r\n") != std::string::npos)
    return make_error(errc::refused,
                      path + " holds no token (one line of at least 32 characters); "
                             "remove it and a new one is made");
  return text;
}

} // namespace

expected<std::string> random_hex(size_t bytes) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_failure("cannot open", "/dev/urandom");
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    auto n = ::read(fd, raw.data() + got, bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return io_failure("cannot read", "/dev/urandom");
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += digits[c >> 4];
    hex += digits[c & 0xf];
  }
  return hex;
}

expected<std::string> make_token() { return random_hex(token_bytes); }

std::string token_hash(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // One-shot EVP digest: no state kept; SHA-256 cannot fail on a memory buffer.
  EVP_Digest(token.data(), token.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0xf];
  }
  return hex;
}

expected<std::string> load_or_create_token(const std::string& path) {
  const auto dir = std::filesystem::path{path}.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (!ec)
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    if (ec)
      return make_error(errc::io_error,
                        "cannot create directory " + dir.string() + ": " + ec.message());
  }
  auto made = create_token_file(path);
  if (!made) return made.error();
  return read_token_file(path);
}

} // namespace swarm
