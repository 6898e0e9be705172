#pragma once
// What every benchmark program shares: failing loudly, reading `--flag VALUE`
// arguments, and latency percentiles. Header-only; main's thread.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace bench {

// Prints "PROGRAM: what" on stderr and exits 1.
[[noreturn]] inline void die(const std::string& program, const std::string& what) {
  std::cerr << program << ": " << what << "\n";
  std::exit(1);
}

// Walks argv flag by flag: `while (a.next()) if (a.is("--n")) o.n = a.number(); ...`.
class args {
public:
  args(int argc, char** argv, std::string program)
      : argc_(argc), argv_(argv), program_(std::move(program)) {}

  // Moves to the next flag; false when none is left.
  bool next() {
    if (++i_ >= argc_) return false;
    flag_ = argv_[i_];
    return true;
  }
  bool is(const char* name) const { return flag_ == name; }
  // The current flag's value.
  std::string value() {
    if (i_ + 1 >= argc_) die(program_, flag_ + " needs a value");
    return argv_[++i_];
  }
  size_t number() {
    const std::string v = value();
    try {
      return std::stoull(v);
    } catch (const std::exception&) {
      die(program_, flag_ + " needs a number, not '" + v + "'");
    }
  }
  [[noreturn]] void unknown() const { die(program_, "unknown argument '" + flag_ + "'"); }

private:
  int argc_;
  char** argv_;
  std::string program_;
  int i_ = 0;
  std::string flag_;
};

struct percentiles {
  double p50 = 0, p99 = 0;
};

// The 50th and 99th percentiles of `v` (in v's unit); zeros when empty.
inline percentiles summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1,
                      static_cast<size_t>(q * static_cast<double>(v.size())))];
  };
  return {at(0.50), at(0.99)};
}

} // namespace bench
