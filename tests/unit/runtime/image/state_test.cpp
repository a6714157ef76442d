// state.json, the image store's index: an index written before content
// digests were recorded still loads (every layer unchecked), and what this
// version writes keeps the keys an older lit reads.
#include "runtime/image/state.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace fs = std::filesystem;
using lit::image::load_state;
using lit::image::save_state;
using lit::image::StoreState;

namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');
const std::string kImage = "sha256:" + std::string(64, '1');
const std::string kManifest = "sha256:" + std::string(64, '2');

class StateTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-state-"};
  fs::path file = tmp.path() / "state.json";

  void write(const nlohmann::json& j) { std::ofstream(file) << j.dump(2); }
  nlohmann::json written() { return nlohmann::json::parse(std::ifstream(file)); }

  static StoreState two_layers() {
    StoreState st;
    st.images[kImage] = {kManifest, {kA, kB}, "2024-01-02T03:04:05Z"};
    st.layers = {{kA, 100}, {kB, 200}};
    st.tags["docker.io/library/app:latest"] = kImage;
    return st;
  }
};

// As lit wrote it before content digests: "layers" maps diff id -> bytes.
const nlohmann::json kOldIndex = {
    {"version", 1},
    {"images",
     {{kImage,
       {{"manifest", kManifest}, {"diff_ids", {kA, kB}}, {"added", "2024-01-02T03:04:05Z"}}}}},
    {"layers", {{kA, 100}, {kB, 200}}},
    {"tags", {{"docker.io/library/app:latest", kImage}}}};

TEST_F(StateTest, AnIndexFromBeforeContentDigestsLoadsWithEveryLayerUnchecked) {
  write(kOldIndex);
  StoreState st = load_state(file);
  EXPECT_EQ(st.images, two_layers().images);
  EXPECT_EQ(st.layers, two_layers().layers);
  EXPECT_EQ(st.tags, two_layers().tags);
  EXPECT_TRUE(st.layer_content.empty());
  EXPECT_EQ(st.unchecked_layers, (std::set<std::string>{kA, kB}));
  // Nothing recorded: each layer is held against its diff id.
  EXPECT_EQ(st.expected_content(kA), kA);
}

TEST_F(StateTest, ContentDigestsAreWrittenOnlyWhereTheyAreNotTheDiffId) {
  StoreState st = two_layers();
  st.record_content(kA, kC);  // a layer docker made: its files give another tar
  st.record_content(kB, kB);  // lit's own: nothing extra
  save_state(file, st);
  nlohmann::json j = written();
  EXPECT_EQ(j["layer_content"], (nlohmann::json{{kA, kC}}));
  EXPECT_FALSE(j.contains("unchecked_layers"));
  EXPECT_EQ(load_state(file), st);
  EXPECT_EQ(load_state(file).expected_content(kA), kC);
  EXPECT_EQ(load_state(file).expected_content(kB), kB);
}

TEST_F(StateTest, WhatThisVersionWritesAnOlderLitStillReads) {
  StoreState st = two_layers();
  st.record_content(kA, kC);
  save_state(file, st);
  nlohmann::json j = written();
  // The keys and types an older load_state reads, unchanged.
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ((j["layers"].get<std::map<std::string, std::uint64_t>>()), st.layers);
  EXPECT_EQ(j["tags"], kOldIndex["tags"]);
  EXPECT_EQ(j["images"], kOldIndex["images"]);
}

TEST_F(StateTest, UncheckedLayersStayUncheckedUntilTheirContentIsRecorded) {
  write(kOldIndex);
  StoreState st = load_state(file);
  st.layers[kC] = 300;  // a layer this version stored, lit-canonical
  st.record_content(kC, kC);
  save_state(file, st);
  EXPECT_EQ(written()["unchecked_layers"], (nlohmann::json{kA, kB}));
  StoreState again = load_state(file);
  EXPECT_EQ(again.unchecked_layers, (std::set<std::string>{kA, kB}));

  again.record_content(kA, kC);  // system check's first look at it
  again.record_content(kB, kB);
  save_state(file, again);
  EXPECT_FALSE(written().contains("unchecked_layers"));
  EXPECT_TRUE(load_state(file).unchecked_layers.empty());
  EXPECT_EQ(load_state(file).layer_content, (std::map<std::string, std::string>{{kA, kC}}));
}

TEST_F(StateTest, ADroppedLayerTakesItsRecordsAlong) {
  StoreState st = two_layers();
  st.record_content(kA, kC);
  st.unchecked_layers.insert(kB);
  st.drop_layer(kA);
  st.drop_layer(kB);
  EXPECT_TRUE(st.layers.empty());
  EXPECT_TRUE(st.layer_content.empty());
  EXPECT_TRUE(st.unchecked_layers.empty());
  // Records of a layer the index no longer lists are neither written nor read.
  StoreState stale = two_layers();
  stale.layer_content[kC] = kA;
  stale.unchecked_layers.insert(kC);
  save_state(file, stale);
  EXPECT_EQ(written()["layer_content"], nlohmann::json::object());
  EXPECT_FALSE(written().contains("unchecked_layers"));
  nlohmann::json j = kOldIndex;
  j["layer_content"] = {{kC, kA}};
  j["unchecked_layers"] = {kC};
  write(j);
  EXPECT_TRUE(load_state(file).layer_content.empty());
  EXPECT_TRUE(load_state(file).unchecked_layers.empty());
}

TEST_F(StateTest, AMalformedContentRecordIsAnErrorNamingTheIndex) {
  nlohmann::json j = kOldIndex;
  j["layer_content"] = {{kA, 7}};
  write(j);
  try {
    load_state(file);
    FAIL() << "loaded";
  } catch (const lit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("read image store index"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

}  // namespace
