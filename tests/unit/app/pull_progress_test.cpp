// `--progress json` of lit image pull / lit pull: docker's JSON messages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/pull.hpp"

namespace {

using lit::app::pull_error_json;
using lit::app::pull_event_json;
using lit::app::pull_output;
using lit::app::pull_status_json;
using lit::app::PullOutput;
using lit::image::PullEvent;
using Kind = PullEvent::Kind;

const std::string kLayer =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(PullProgressJson, LayerEventsAreDockerJsonMessages) {
  EXPECT_EQ(pull_event_json({Kind::Waiting, kLayer, 0, 100, ""}),
            R"({"status":"Pulling fs layer","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(pull_event_json({Kind::Exists, kLayer, 0, 0, ""}),
            R"({"status":"Already exists","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(pull_event_json({Kind::Verified, kLayer, 0, 0, ""}),
            R"({"status":"Download complete","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(pull_event_json({Kind::Complete, kLayer, 0, 0, ""}),
            R"({"status":"Pull complete","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(pull_event_json({Kind::Resolved, "", 0, 0, "sha256:x"}), "");

  const std::string line = pull_event_json({Kind::Downloading, kLayer, 262144, 1048576, ""});
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["status"], "Downloading");
  EXPECT_EQ(j["progressDetail"]["current"], 262144);
  EXPECT_EQ(j["progressDetail"]["total"], 1048576);
  EXPECT_EQ(j["id"], "0123456789ab");
  EXPECT_TRUE(j["progress"].get<std::string>().starts_with("[===========>")) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(PullProgressJson, StatusAndErrorLines) {
  EXPECT_EQ(pull_status_json("Digest: sha256:ab"), R"({"status":"Digest: sha256:ab"})");
  EXPECT_EQ(pull_status_json("Pulling from library/busybox", "latest"),
            R"({"status":"Pulling from library/busybox","id":"latest"})");
  EXPECT_EQ(pull_status_json("Status: \"q\"\n"), R"({"status":"Status: \"q\"\n"})");
  EXPECT_EQ(pull_error_json("pull x: not found"),
            R"({"errorDetail":{"message":"pull x: not found"},"error":"pull x: not found"})");
}

TEST(PullProgressJson, ProgressModes) {
  EXPECT_EQ(pull_output(false, "json"), PullOutput::Json);
  EXPECT_EQ(pull_output(false, "plain"), PullOutput::Plain);
  EXPECT_EQ(pull_output(false, "tty"), PullOutput::Terminal);
  EXPECT_EQ(pull_output(false, "quiet"), PullOutput::Quiet);
  EXPECT_EQ(pull_output(true, "json"), PullOutput::Quiet);  // -q wins
}

}  // namespace
