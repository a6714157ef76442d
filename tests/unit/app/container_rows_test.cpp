#include "app/views/container_rows.hpp"

#include <gtest/gtest.h>

#include "app/views/table.hpp"
#include "runtime/state/ids.hpp"

namespace lit::app {
namespace {

using namespace std::chrono_literals;

runtime::ContainerRecord web() {
  runtime::ContainerRecord r;
  r.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  r.name = "shop-web-1";
  r.image = "localhost/lit-test:latest";
  r.created = "2024-05-01T12:00:00.5Z";
  r.args = {"sleep", "600"};
  r.labels = {{"lit.service", "web"}, {"lit.project", "shop"}};
  r.networks.push_back({});
  r.networks.back().network = "shop_default";
  runtime::Mount data;
  data.type = "bind";
  data.source = "/var/lib/lit/volumes/shop_data/_data";
  data.destination = "/data";
  runtime::Mount conf;
  conf.type = "bind";
  conf.source = "/srv/app/config/very-long-name.conf";
  r.spec.mounts = {data, conf};
  return r;
}

runtime::ContainerState running() {
  runtime::ContainerState st;
  st.status = runtime::ContainerStatus::Running;
  st.started_at = "2024-05-01T12:00:01Z";
  st.ports = {{"", 8088, 80, runtime::Proto::Tcp}};
  return st;
}

// Created 30.5 seconds before, started 30 seconds before.
std::chrono::system_clock::time_point now() {
  return *runtime::parse_rfc3339("2024-05-01T12:00:31Z");
}

TEST(ContainerRows, ComposePsRowHasComposeFields) {
  auto r = web();
  auto st = running();
  FormatRow row = compose_ps_row({r, st, {"9000", "53/udp"}, now()}, "shop", "web");
  nlohmann::ordered_json want = {
      {"Command", "\"sleep 600\""},
      {"CreatedAt", "2024-05-01 12:00:00 +0000 UTC"},
      {"ExitCode", 0},
      {"Health", ""},
      {"ID", "0123456789ab"},
      {"Image", "localhost/lit-test:latest"},
      {"Labels", "lit.project=shop,lit.service=web"},
      {"LocalVolumes", "1"},
      {"Mounts", "shop_data,/srv/app/confi…"},
      {"Name", "shop-web-1"},
      {"Names", "shop-web-1"},
      {"Networks", "shop_default"},
      {"Ports", "53/udp, 9000/tcp, 0.0.0.0:8088->80/tcp"},
      {"Project", "shop"},
      {"Publishers",
       {{{"URL", ""}, {"TargetPort", 53}, {"PublishedPort", 0}, {"Protocol", "udp"}},
        {{"URL", "0.0.0.0"}, {"TargetPort", 80}, {"PublishedPort", 8088}, {"Protocol", "tcp"}},
        {{"URL", ""}, {"TargetPort", 9000}, {"PublishedPort", 0}, {"Protocol", "tcp"}}}},
      {"RunningFor", "30 seconds ago"},
      {"Service", "web"},
      {"Size", "0B"},
      {"State", "running"},
      {"Status", "Up 30 seconds"}};
  EXPECT_EQ(row.fields.dump(), want.dump());
  EXPECT_EQ(row.labels.at("lit.service"), "web");
}

TEST(ContainerRows, StoppedContainersShowNoPorts) {
  auto r = web();
  auto st = running();
  st.status = runtime::ContainerStatus::Exited;
  st.exit_code = 3;
  st.finished_at = "2024-05-01T12:00:21Z";
  FormatRow row = compose_ps_row({r, st, {"9000"}, now()}, "shop", "web");
  EXPECT_EQ(row.fields["Publishers"], nlohmann::ordered_json::array());
  EXPECT_EQ(row.fields["Ports"], "");
  EXPECT_EQ(row.fields["ExitCode"], 3);
  EXPECT_EQ(row.fields["Status"], "Exited (3) 10 seconds ago");
}

TEST(ContainerRows, DockerPsDefaultTable) {
  auto r = web();
  auto st = running();
  OutputFormat f("", docker_ps_spec());
  EXPECT_EQ(f.render({docker_ps_row({r, st, {}, now()})}),
            "CONTAINER ID   IMAGE                       COMMAND       CREATED          STATUS"
            "          PORTS                  NAMES\n"
            "0123456789ab   localhost/lit-test:latest   \"sleep 600\"   30 seconds ago   Up 30 "
            "seconds   0.0.0.0:8088->80/tcp   shop-web-1\n");
  FormatRow full = docker_ps_row({r, st, {}, now(), false});
  EXPECT_EQ(full.fields["ID"], r.id);
  EXPECT_EQ(full.fields["Mounts"], "shop_data,/srv/app/config/very-long-name.conf");
}

TEST(ContainerRows, CommandIsCutAndQuotedAsGo) {
  EXPECT_EQ(command_column({"sleep", "600"}), "\"sleep 600\"");
  EXPECT_EQ(command_column({"/docker-entrypoint.sh", "nginx"}), "\"/docker-entrypoint.…\"");
  EXPECT_EQ(command_column({"/docker-entrypoint.sh", "nginx"}, false),
            "\"/docker-entrypoint.sh nginx\"");
  EXPECT_EQ(command_column({"sh", "-c", "echo \"hi\"\tthere"}, false),
            "\"sh -c echo \\\"hi\\\"\\tthere\"");
  EXPECT_EQ(go_quote(std::string("a\x01z")), "\"a\\x01z\"");
}

TEST(ContainerRows, GoTime) {
  EXPECT_EQ(go_time("2024-05-01T12:00:00.123456789Z"), "2024-05-01 12:00:00 +0000 UTC");
  EXPECT_EQ(go_time("nonsense"), "");
}

TEST(DisplayablePorts, AsDockerPs) {
  EXPECT_EQ(displayable_ports({}), "");
  EXPECT_EQ(displayable_ports({{"0.0.0.0", 80, 8080, "tcp"}}), "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(displayable_ports({{"", 80, 0, "tcp"}}), "80/tcp");
  // Same host and container ports in a row make a range; others follow.
  EXPECT_EQ(displayable_ports({{"0.0.0.0", 8001, 8001, "tcp"},
                               {"0.0.0.0", 8000, 8000, "tcp"},
                               {"", 53, 0, "udp"},
                               {"127.0.0.1", 80, 8080, "tcp"}}),
            "53/udp, 0.0.0.0:8000-8001->8000-8001/tcp, 127.0.0.1:8080->80/tcp");
  EXPECT_EQ(displayable_ports({{"", 1000, 0, "tcp"}, {"", 1001, 0, "tcp"}, {"", 1003, 0, "tcp"}}),
            "1000-1001/tcp, 1003/tcp");
}

TEST(DisplayablePorts, ExposedPortsLeaveOutPublishedOnes) {
  std::vector<runtime::PublishedPort> published{{"", 8088, 80, runtime::Proto::Tcp}};
  auto ports = port_summaries(published, {"80", "80/tcp", "9000-9001/tcp", "junk"});
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(displayable_ports(ports), "9000-9001/tcp, 0.0.0.0:8088->80/tcp");
}

TEST(FormatTable, ColumnsAreAtLeastTenWide) {
  EXPECT_EQ(format_table({{"REPOSITORY", "TAG", "SIZE"}, {"busybox", "latest", "4.26MB"}}),
            "REPOSITORY   TAG       SIZE\n"
            "busybox      latest    4.26MB\n");
  EXPECT_EQ(format_table({{"A", "B"}, {"x", "y"}}, 0), "A   B\nx   y\n");
}

}  // namespace
}  // namespace lit::app
