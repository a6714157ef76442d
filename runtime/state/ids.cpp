#include "runtime/state/ids.hpp"

#include <sys/random.h>
#include <sys/types.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

// ---- identity and time -----------------------------------------------------

std::string generate_id() {
  std::array<unsigned char, 32> buf{};
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::getrandom(buf.data() + got, buf.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    check_sys(n, "getrandom");
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char c : buf) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

bool is_generated_id(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string generate_name() {
  // A short selection of docker's namesgenerator lists.
  static constexpr std::array kLeft = {
      "admiring",   "adoring", "agitated", "amazing",    "angry",    "awesome",       "blissful",
      "bold",       "brave",   "charming", "clever",     "cool",     "compassionate", "dazzling",
      "determined", "eager",   "ecstatic", "elegant",    "epic",     "festive",       "focused",
      "friendly",   "funny",   "gallant",  "gifted",     "happy",    "hopeful",       "inspiring",
      "jolly",      "keen",    "kind",     "laughing",   "loving",   "lucid",         "magical",
      "modest",     "nice",    "nifty",    "optimistic", "peaceful", "pensive",       "priceless",
      "quirky",     "relaxed", "serene",   "sharp",      "stoic",    "sweet",         "tender",
      "trusting",   "upbeat",  "vibrant",  "vigilant",   "wizardly", "youthful",      "zealous",
      "zen"};
  static constexpr std::array kRight = {
      "albattani", "allen",    "archimedes", "babbage",  "bardeen",    "bell",    "blackwell",
      "bohr",      "curie",    "darwin",     "dijkstra", "einstein",   "euclid",  "euler",
      "faraday",   "fermat",   "fermi",      "feynman",  "franklin",   "galileo", "gauss",
      "goldberg",  "goodall",  "hamilton",   "hawking",  "heisenberg", "hopper",  "hypatia",
      "johnson",   "kepler",   "knuth",      "lamport",  "leakey",     "liskov",  "lovelace",
      "mayer",     "mccarthy", "meitner",    "mendel",   "morse",      "newton",  "noether",
      "pascal",    "pasteur",  "payne",      "perlman",  "pike",       "planck",  "ritchie",
      "shannon",   "sinoussi", "tesla",      "thompson", "torvalds",   "turing",  "wilson",
      "wright",    "yalow"};
  std::string id = generate_id();  // random bytes, reused as indexes
  unsigned a = static_cast<unsigned>(std::stoul(id.substr(0, 8), nullptr, 16));
  unsigned b = static_cast<unsigned>(std::stoul(id.substr(8, 8), nullptr, 16));
  return std::string(kLeft[a % kLeft.size()]) + "_" + kRight[b % kRight.size()];
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
            1000000000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ns));
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::int64_t ns = 0;
  if (!shim::parse_rfc3339(text, ns)) return std::nullopt;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

}  // namespace lit::runtime
