#include "runtime/util/error.hpp"

#include <cerrno>
#include <cstring>

namespace lit {

Error::Error(std::string op, std::string target, int err, std::string hint)
    : op_(std::move(op)), target_(std::move(target)), err_(err), hint_(std::move(hint)) {
  rebuild();
}

Error& Error::context(std::string outer) {
  context_.insert(context_.begin(), std::move(outer));
  rebuild();
  return *this;
}

void Error::rebuild() {
  std::string s;
  for (const auto& c : context_) {
    s += c;
    s += ": ";
  }
  s += op_;
  if (!target_.empty()) {
    s += " ";
    s += target_;
  }
  if (err_ != 0) {
    s += ": ";
    s += std::strerror(err_);
  }
  what_ = std::move(s);
}

long check_sys(long rc, const std::string& op, const std::string& target) {
  if (rc < 0) throw Error::sys(op, target, errno);
  return rc;
}

}  // namespace lit
