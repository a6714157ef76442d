// For lit's small static helpers (lit-shim, lit-dns): an uncaught exception
// aborts without libstdc++'s verbose handler, which prints the exception's
// type through the C++ demangler and so links ~40 kB of it into a binary that
// stays resident (a page of code mapped is RSS). They catch what they throw;
// this only decides how little a bug costs in memory.
#include <cstdlib>

namespace __gnu_cxx {

// NOLINTNEXTLINE(bugprone-reserved-identifier): the name libstdc++ calls
[[noreturn]] void __verbose_terminate_handler() { std::abort(); }

}  // namespace __gnu_cxx
