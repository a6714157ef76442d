// --mac-address and interface names: what the kernel accepts for a
// container's network interface, checked before anything is created.
#include <cctype>
#include <string>

#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad_mac(std::string_view value, std::string_view why) {
  return Error("invalid value \"" + std::string(value) +
               "\" for flag --mac-address: " + std::string(why));
}

}  // namespace

std::array<unsigned char, 6> mac_bytes(std::string_view value) {
  std::array<unsigned char, 6> mac{};
  bool ok = value.size() == 17;
  for (std::size_t i = 0; ok && i < mac.size(); ++i) {
    int hi = hex_digit(value[3 * i]), lo = hex_digit(value[3 * i + 1]);
    ok = hi >= 0 && lo >= 0 && (i == 5 || value[3 * i + 2] == ':');
    mac[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  if (!ok) throw bad_mac(value, "use six hex pairs separated by ':', e.g. 02:42:ac:11:00:02");
  return mac;
}

std::string parse_mac_address(std::string_view value) {
  std::array<unsigned char, 6> mac = mac_bytes(value);
  if (mac[0] & 1)
    throw bad_mac(value,
                  "a multicast address (odd first octet) cannot be an interface's; use an even "
                  "first octet, e.g. 02");
  if (mac == std::array<unsigned char, 6>{})
    throw bad_mac(value, "the zero address cannot be an interface's");
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string parse_interface_name(std::string_view value) {
  bool ok = !value.empty() && value.size() <= 15 && value != "." && value != "..";
  for (char c : value)
    ok = ok && c != '/' && c != ':' && !std::isspace(static_cast<unsigned char>(c)) &&
         std::isprint(static_cast<unsigned char>(c));
  if (!ok)
    throw Error("invalid interface name \"" + std::string(value) +
                "\": use 1 to 15 characters without '/', ':' or spaces, not '.' or '..'");
  if (value == "lo")
    throw Error("invalid interface name \"lo\": it is the container's loopback; use another name");
  return std::string(value);
}

}  // namespace lit::runtime
