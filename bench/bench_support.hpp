#pragma once
// What every benchmark program shares: failing loudly, reading `--flag VALUE`
// arguments, timing, and latency percentiles. Header-only; main's thread.

#include <algorithm>
#include <chrono>
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
// A bad argument prints "PROGRAM: what" and the usage line (when given) on stderr and
// exits 2.
class args {
public:
  args(int argc, char** argv, std::string program, std::string usage = {})
      : argc_(argc), argv_(argv), program_(std::move(program)), usage_(std::move(usage)) {}

  // Moves to the next flag; false when none is left.
  bool next() {
    if (++i_ >= argc_) return false;
    flag_ = argv_[i_];
    return true;
  }
  bool is(const char* name) const { return flag_ == name; }
  // The current flag's value.
  std::string value() {
    if (i_ + 1 >= argc_) bad(flag_ + " needs a value");
    return argv_[++i_];
  }
  // A whole non-negative number.
  size_t number() { return number_in(value()); }
  // A comma-separated list of them: "8,32,80".
  std::vector<size_t> numbers() {
    const std::string list = value();
    std::vector<size_t> out;
    for (size_t at = 0; at <= list.size();) {
      const size_t comma = std::min(list.find(',', at), list.size());
      out.push_back(number_in(list.substr(at, comma - at)));
      at = comma + 1;
    }
    return out;
  }
  [[noreturn]] void unknown() const { bad("unknown argument '" + flag_ + "'"); }
  [[noreturn]] void bad(const std::string& what) const {
    std::cerr << program_ << ": " << what << "\n";
    if (!usage_.empty()) std::cerr << "usage: " << program_ << " " << usage_ << "\n";
    std::exit(2);
  }

private:
  size_t number_in(const std::string& v) const {
    try {
      size_t used = 0;
      const auto n = std::stoull(v, &used);
      if (used == v.size() && v[0] != '-') return n;
    } catch (const std::exception&) {
    }
    bad(flag_ + " needs a number, not '" + v + "'");
  }

  int argc_;
  char** argv_;
  std::string program_;
  std::string usage_;
  int i_ = 0;
  std::string flag_;
};

using clock = std::chrono::steady_clock;

inline double seconds_since(clock::time_point t0) {
  return std::chrono::duration<double>(clock::now() - t0).count();
}
inline double millis_since(clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
}
inline double micros_since(clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(clock::now() - t0).count();
}

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
