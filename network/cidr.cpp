#include "network/cidr.hpp"

#include <charconv>

#include "runtime/util/error.hpp"

namespace lit::network {
namespace {

Error invalid(std::string_view flag, std::string_view value, std::string_view why) {
  return Error("invalid value \"" + std::string(value) + "\" for flag " + std::string(flag) + ": " +
               std::string(why));
}

// One decimal octet 0..255 without a leading zero (which inet_aton would read as octal).
std::optional<std::uint32_t> parse_octet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > 255) return std::nullopt;
  return v;
}

std::optional<unsigned> parse_prefix(std::string_view s) {
  if (s.empty() || s.size() > 2 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > 32) return std::nullopt;
  return v;
}

std::uint32_t mask_of(unsigned prefix) {
  return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
}

}  // namespace

std::optional<Ipv4> Ipv4::try_parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto octet = parse_octet(text.substr(0, dot));
    if (!octet) return std::nullopt;
    value = value << 8 | *octet;
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return Ipv4(value);
}

Ipv4 Ipv4::parse(std::string_view text, std::string_view flag) {
  if (auto a = try_parse(text)) return *a;
  throw invalid(flag, text, "not an IPv4 address (expected a.b.c.d, e.g. 10.90.0.5)");
}

std::string Ipv4::to_string() const {
  return std::to_string(value_ >> 24) + "." + std::to_string(value_ >> 16 & 255) + "." +
         std::to_string(value_ >> 8 & 255) + "." + std::to_string(value_ & 255);
}

Cidr::Cidr(Ipv4 base, unsigned prefix) : base_(base), prefix_(prefix) {
  if (prefix > 32 || (base.value() & ~mask_of(prefix)) != 0)
    throw Error("invalid network " + base.to_string() + "/" + std::to_string(prefix) +
                ": host bits are set");
}

std::optional<Cidr> Cidr::try_parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto base = Ipv4::try_parse(text.substr(0, slash));
  auto prefix = parse_prefix(text.substr(slash + 1));
  if (!base || !prefix || (base->value() & ~mask_of(*prefix)) != 0) return std::nullopt;
  return Cidr(*base, *prefix);
}

Cidr Cidr::parse(std::string_view text, std::string_view flag) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    throw invalid(flag, text,
                  "not a subnet in CIDR notation (expected a.b.c.d/N, e.g. 10.90.0.0/24)");
  auto base = Ipv4::try_parse(text.substr(0, slash));
  if (!base)
    throw invalid(flag, text,
                  "\"" + std::string(text.substr(0, slash)) + "\" is not an IPv4 address");
  auto prefix = parse_prefix(text.substr(slash + 1));
  if (!prefix) throw invalid(flag, text, "the prefix length must be a number from 0 to 32");
  std::uint32_t net = base->value() & mask_of(*prefix);
  if (net != base->value())
    throw invalid(flag, text,
                  "host bits are set; did you mean " + Ipv4(net).to_string() + "/" +
                      std::to_string(*prefix) + "?");
  return Cidr(*base, *prefix);
}

std::string Cidr::to_string() const { return base_.to_string() + "/" + std::to_string(prefix_); }

}  // namespace lit::network
