// The structure of all 87 published models against the authors' model table
// (tests/data/ffnet-models.json, a copy of the project's shared source of truth).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ffnet/graph.hpp"
#include "ffnet/registry.hpp"
#include "weights/json.hpp"

namespace {

const ffnet::json::Value& model_table() {
  static const ffnet::json::Value table = [] {
    std::ifstream in(FFNET_SOURCE_DIR "/tests/data/ffnet-models.json", std::ios::binary);
    REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    return ffnet::json::parse(text.str());
  }();
  return table;
}

std::vector<std::int64_t> shape_of(const ffnet::json::Value& v) {
  std::vector<std::int64_t> shape;
  for (const auto& d : v.as_array()) shape.push_back(d.as_int());
  return shape;
}

}  // namespace

TEST_CASE("registry lists exactly the published models") {
  const auto& table = model_table();
  std::set<std::string> registry;
  for (const auto& m : ffnet::published_models()) registry.insert(std::string(m.name));
  std::set<std::string> json(table.keys().begin(), table.keys().end());
  CHECK(registry.size() == 87);
  CHECK(registry == json);
  for (std::size_t i = 0; i < table.keys().size(); ++i) {
    const auto* m = ffnet::find_published_model(table.keys()[i]);
    REQUIRE(m);
    CHECK(m->checkpoint == table.values()[i].find("checkpoint")->as_string());
  }
}

TEST_CASE("every model's tensors, parameter count and output shape match the model table") {
  const auto& table = model_table();
  for (std::size_t i = 0; i < table.keys().size(); ++i) {
    const std::string& name = table.keys()[i];
    const auto& entry = table.values()[i];
    CAPTURE(name);
    const ffnet::ModelConfig config = ffnet::model_config(name);
    const ffnet::Graph graph = ffnet::build_graph(config);

    std::map<std::string, std::vector<std::int64_t>> ours;
    std::int64_t params = 0;
    for (const auto& spec : ffnet::required_tensors(graph)) {
      CHECK_MESSAGE(ours.emplace(spec.name, spec.shape).second, "tensor listed twice: ", spec.name);
      std::int64_t n = 1;
      for (auto d : spec.shape) n *= d;
      params += n;
    }
    const auto ignored = ffnet::ignored_tensors(graph, config);
    const std::set<std::string> ignorable(ignored.begin(), ignored.end());

    const auto& tensors = *entry.find("tensors");
    std::set<std::string> theirs;
    for (std::size_t t = 0; t < tensors.keys().size(); ++t) {
      const std::string& key = tensors.keys()[t];
      theirs.insert(key);
      auto it = ours.find(key);
      if (it == ours.end()) {
        CHECK_MESSAGE(ignorable.count(key), "published tensor not used by our graph: ", key);
        continue;
      }
      CHECK_MESSAGE(it->second == shape_of(tensors.values()[t]), "shape of ", key);
    }
    for (const auto& named : ours)  // no structured binding: clang 14 cannot capture one in CHECK_MESSAGE
      CHECK_MESSAGE(theirs.count(named.first), "tensor we need is not published: ", named.first);
    CHECK(params == entry.find("params")->as_int());

    const auto input = shape_of(*entry.find("input"));
    const ffnet::ImageSize natural = ffnet::natural_input_size(name);
    CHECK(input == std::vector<std::int64_t>{1, 3, natural.height, natural.width});
    const auto dims = ffnet::infer_dims(graph, {3, natural.height, natural.width});
    const ffnet::Dims out = dims[std::size_t(graph.output)];
    const auto expected = shape_of(*entry.find("output"));
    if (config.task == ffnet::Task::segmentation)
      CHECK(expected == std::vector<std::int64_t>{1, out.c, out.h, out.w});
    else
      CHECK(expected == std::vector<std::int64_t>{1, out.c});
  }
}

TEST_CASE("unknown model names are refused with suggestions") {
  CHECK_THROWS_WITH_AS(ffnet::model_config("segmentation_ffnet18_dAAB"),
                       doctest::Contains("segmentation_ffnet18_dAAA"), ffnet::Error);
  CHECK_THROWS_AS(ffnet::model_config(""), ffnet::Error);
  CHECK_THROWS_AS(ffnet::model_config("segmentation_ffnet18_dAAA_mobile"), ffnet::Error);
}
