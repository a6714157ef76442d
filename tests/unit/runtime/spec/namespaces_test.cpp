// --pid, --ipc, --uts as docker reads them, and back as a record writes them.
#include "runtime/spec/namespaces.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

TEST(NamespaceShares, IpcTakesNoneShareableHostAndAContainer) {
  EXPECT_EQ(parse_namespace_share(NamespaceKind::Ipc, "none").mode, NamespaceMode::None);
  EXPECT_EQ(parse_namespace_share(NamespaceKind::Ipc, "shareable").mode, NamespaceMode::Shareable);
  EXPECT_EQ(parse_namespace_share(NamespaceKind::Ipc, ""), NamespaceShare{});
  EXPECT_EQ(parse_namespace_share(NamespaceKind::Ipc, "private"), NamespaceShare{});
  EXPECT_EQ(parse_namespace_share(NamespaceKind::Ipc, "container:db"),
            (NamespaceShare{NamespaceMode::Container, "db"}));
  for (const char* text : {"none", "shareable", "host", "private", "container:db"})
    EXPECT_EQ(namespace_share_text(parse_namespace_share(NamespaceKind::Ipc, text)), text);
}

TEST(NamespaceShares, NoneIsOnlyAnIpcMode) {
  try {
    parse_namespace_share(NamespaceKind::Pid, "none");
    FAIL() << "pid: none was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--pid: invalid PID mode \"none\""), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_namespace_share(NamespaceKind::Uts, "none"), Error);
  try {
    parse_namespace_share(NamespaceKind::Ipc, "nothing");
    FAIL() << "ipc: nothing was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.hint(), "use private, shareable, none, host or container:NAME") << e.what();
  }
}

}  // namespace
}  // namespace lit::runtime
