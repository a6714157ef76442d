#pragma once
// One error type for all of lit: the failing operation, its target, errno where
// there is one, and a context chain added as the error travels up, so the user
// reads "run web-1: mount overlay on /run/lit/...: Invalid argument".
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

namespace lit {

class Error : public std::exception {
 public:
  // op: what was being done ("mount overlay"); target: on what ("/run/lit/x/merged").
  Error(std::string op, std::string target = {}, int err = 0, std::string hint = {});

  // An error from a failed system call: errno is captured by the caller. A
  // full file system (or quota) says what to do about it.
  static Error sys(std::string op, std::string target, int err) {
    Error e(std::move(op), std::move(target), err);
    if (err == ENOSPC || err == EDQUOT)
      e.with_hint(
          "the file system is full: free some space (lit system df shows what lit keeps; lit "
          "system prune removes what nothing uses) and try again");
    return e;
  }

  // Adds an outer layer of context ("run web-1") in front of the message.
  Error& context(std::string outer);
  Error& with_hint(std::string h) {
    hint_ = std::move(h);
    rebuild();
    return *this;
  }

  const std::string& op() const { return op_; }
  const std::string& target() const { return target_; }
  int err() const { return err_; }
  const std::string& hint() const { return hint_; }
  const std::vector<std::string>& context_chain() const { return context_; }

  // The one-line message, without the hint.
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  void rebuild();
  std::string op_, target_;
  int err_ = 0;
  std::string hint_;
  std::vector<std::string> context_;  // outermost first
  std::string what_;
};

// Throws lit::Error::sys(op, target, errno) when rc < 0; returns rc otherwise.
long check_sys(long rc, const std::string& op, const std::string& target = {});

}  // namespace lit
