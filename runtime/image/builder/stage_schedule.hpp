#pragma once
// Independent stages build in parallel: each stage starts once the stages it
// needs are built, at most `parallel` at once (in threads). A plan where every
// stage needs the one before it runs in the calling thread, as before.
#include <cstddef>
#include <functional>
#include <vector>

namespace lit::image::builder {

// needs[i]: the positions (in the same list) stage i waits for.
// Whether any two stages may build at the same time.
bool has_independent_stages(const std::vector<std::vector<std::size_t>>& needs);

// Calls build(i) for every stage, each after its needs. The first failure
// stops further stages from starting and is rethrown once the running ones end.
void run_stages(const std::vector<std::vector<std::size_t>>& needs, std::size_t parallel,
                const std::function<void(std::size_t)>& build);

}  // namespace lit::image::builder
