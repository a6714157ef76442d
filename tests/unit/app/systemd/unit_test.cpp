#include "app/systemd/unit.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

using namespace lit::app;
using lit::testing::error_of;
using namespace std::chrono_literals;

namespace {

UnitRequest shop() {
  UnitRequest r;
  r.name = "shop";
  r.lit = "/usr/local/bin/lit";
  r.root = "/var/lib/lit";
  r.run_root = "/run/lit";
  r.project_directory = "/srv/shop";
  r.files = {"/srv/shop/compose.yaml"};
  r.project_name = "shop";
  return r;
}

}  // namespace

TEST(SystemdUnit, RootUnitRunsAttachedUpAsANotifyServiceAndDownAfter) {
  EXPECT_EQ(render_unit(shop()),
            R"(# Written by `lit systemd install` for the project shop.
# `lit systemd uninstall --name shop` removes it.
[Unit]
Description=lit project shop (/srv/shop)
Wants=network-online.target
After=network-online.target local-fs.target
RequiresMountsFor=/srv/shop /var/lib/lit

[Service]
Type=notify
NotifyAccess=main
ExecStart=/usr/local/bin/lit --root /var/lib/lit --run-root /run/lit --project-directory /srv/shop -f /srv/shop/compose.yaml -p shop up --remove-orphans --no-color --wait-timeout 300
ExecStopPost=/usr/local/bin/lit --root /var/lib/lit --run-root /run/lit --project-directory /srv/shop -f /srv/shop/compose.yaml -p shop down
KillMode=mixed
SuccessExitStatus=130
TimeoutStartSec=360
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
)");
}

TEST(SystemdUnit, UserUnitWithWatchdogProfilesAndEnvFiles) {
  UnitRequest r = shop();
  r.user = true;
  r.watchdog = 30s;
  r.start_timeout = 60s;
  r.files.push_back("/srv/shop/override.yaml");
  r.profiles = {"debug"};
  r.env_files = {"/srv/shop/prod.env"};
  const std::string u = render_unit(r);
  EXPECT_NE(u.find("\nExecStart=/usr/local/bin/lit --root /var/lib/lit --run-root /run/lit "
                   "--project-directory /srv/shop -f /srv/shop/compose.yaml -f "
                   "/srv/shop/override.yaml -p shop --profile debug --env-file "
                   "/srv/shop/prod.env up --remove-orphans --no-color --wait-timeout 60\n"),
            std::string::npos)
      << u;
  EXPECT_NE(u.find("\nWatchdogSec=30\n"), std::string::npos) << u;
  EXPECT_NE(u.find("\nTimeoutStartSec=120\n"), std::string::npos) << u;
  EXPECT_NE(u.find("\nWantedBy=default.target\n"), std::string::npos) << u;
  EXPECT_EQ(u.find("network-online"), std::string::npos) << u;  // no such target for a user
}

TEST(SystemdUnit, WordsAreQuotedAndEscapedAsSystemdReadsThem) {
  EXPECT_EQ(systemd_word("/srv/shop"), "/srv/shop");
  EXPECT_EQ(systemd_word("/srv/my shop"), "\"/srv/my shop\"");
  EXPECT_EQ(systemd_word("100%"), "100%%");
  EXPECT_EQ(systemd_word("$HOME"), "$$HOME");
  EXPECT_EQ(systemd_word("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(systemd_word("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(systemd_word(""), "\"\"");
  EXPECT_EQ(systemd_word("it's"), "\"it's\"");
}

TEST(SystemdUnit, NamesTakeWhatSystemdTakes) {
  EXPECT_EQ(unit_file_name("shop"), "lit-shop.service");
  EXPECT_EQ(unit_file_name("shop_prod-2.a:b"), "lit-shop_prod-2.a:b.service");
  EXPECT_EQ(error_of([] { unit_file_name("my shop"); }),
            "flag --name my shop: a unit name takes letters, digits and _ - . : only");
  EXPECT_EQ(error_of([] { unit_file_name("a/b"); }),
            "flag --name a/b: a unit name takes letters, digits and _ - . : only");
  EXPECT_NE(error_of([] { unit_file_name(""); }), "");
}
