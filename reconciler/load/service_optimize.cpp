// optimize: lit's own key, on a service or at the top level (the default of
// every service): auto_memory_tune, memory_headroom, memory_ceiling,
// shrink_image, keep, verify.
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

Optimize normalize_optimize(const Node& n, const std::string& path, Optimize o) {
  if (n.is_null()) return o;
  expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "auto_memory_tune") {
      o.auto_memory_tune = as_bool(e.value, p);
    } else if (e.key == "memory_headroom") {
      // A ratio (0.25) or a percentage ("25%").
      double v = 0;
      if (e.value.is_scalar() && e.value.text.ends_with('%')) {
        Node number = e.value;
        number.text.pop_back();
        v = as_number(number, p) / 100;
      } else {
        v = as_number(e.value, p);
      }
      if (!(v >= 0 && v <= 10))
        fail(e.value, p, "expected a ratio from 0 to 10 (0.25) or a percentage (25%)");
      o.memory_headroom = v;
    } else if (e.key == "memory_ceiling") {
      std::int64_t b = as_bytes(e.value, p);
      if (b < 6 * 1024 * 1024) fail(e.value, p, "expected at least 6m (a memory limit's minimum)");
      o.memory_ceiling = b;
    } else if (e.key == "shrink_image") {
      o.shrink_image = as_bool(e.value, p);
    } else if (e.key == "keep") {
      o.keep = as_string_list(e.value, p);
      for (std::size_t i = 0; i < o.keep.size(); ++i)
        if (!o.keep[i].starts_with('/'))
          fail(e.value.is_seq() ? e.value.items[i] : e.value, idx(p, i),
               "expected an absolute path in the image, got '" + o.keep[i] + "'");
    } else if (e.key == "verify") {
      o.verify = as_command(e.value, p);
    } else if (!e.key.starts_with("x-")) {
      fail(e.key_loc, p,
           "unknown key (expected auto_memory_tune, memory_headroom, memory_ceiling, "
           "shrink_image, keep or verify)");
    }
  }
  return o;
}

}  // namespace lit::reconciler::load
