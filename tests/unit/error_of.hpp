#pragma once
// The message of the lit::Error a call throws, or "" when it throws none:
// tests assert the exact one-line error a user would read.
#include <functional>
#include <string>

#include "runtime/util/error.hpp"

namespace lit::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lit::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace lit::testing
