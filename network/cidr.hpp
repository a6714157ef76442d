#pragma once
// IPv4 addresses and CIDR blocks as values: parsed strictly (no octal, no
// shorthand like "10.1"), formatted canonically, compared and tested for overlap.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lit::network {

class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(std::uint32_t host_order) : value_(host_order) {}

  // A dotted quad ("10.90.0.1"), or nullopt.
  static std::optional<Ipv4> try_parse(std::string_view text);
  // As try_parse, but throws `invalid value "X" for flag --ip: not an IPv4 address ...`.
  static Ipv4 parse(std::string_view text, std::string_view flag);

  constexpr std::uint32_t value() const { return value_; }
  std::string to_string() const;
  auto operator<=>(const Ipv4&) const = default;

 private:
  std::uint32_t value_ = 0;
};

// A network: base address with no host bits set, and a prefix length 0..32.
class Cidr {
 public:
  constexpr Cidr() = default;
  // Throws when base has host bits set for this prefix (a programming error here).
  Cidr(Ipv4 base, unsigned prefix);

  // "10.90.0.0/24", or nullopt (also when host bits are set).
  static std::optional<Cidr> try_parse(std::string_view text);
  // Throws `invalid value "X" for flag --subnet: ...`, naming what is wrong
  // (suggesting "10.90.0.0/24" for "10.90.0.7/24").
  static Cidr parse(std::string_view text, std::string_view flag);

  Ipv4 network() const { return base_; }
  unsigned prefix() const { return prefix_; }
  std::uint32_t mask() const { return prefix_ == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_); }
  Ipv4 broadcast() const { return Ipv4(base_.value() | ~mask()); }
  std::uint64_t size() const { return std::uint64_t{1} << (32 - prefix_); }

  bool contains(Ipv4 a) const { return (a.value() & mask()) == base_.value(); }
  bool overlaps(const Cidr& o) const { return contains(o.base_) || o.contains(base_); }

  std::string to_string() const;  // "10.90.0.0/24"
  auto operator<=>(const Cidr&) const = default;

 private:
  Ipv4 base_;
  unsigned prefix_ = 0;
};

}  // namespace lit::network
