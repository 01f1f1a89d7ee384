#include "ffnet/model_config.hpp"

#include <algorithm>

#include "ffnet/core/error.hpp"
#include "ffnet/registry.hpp"

namespace ffnet {
namespace {

struct BackboneRow {
  std::string_view name;
  Stem stem;
  BlockKind block;
  std::vector<int> blocks;
  std::vector<int> widths;
};

// Spec section 2.
const std::vector<BackboneRow>& backbone_table() {
  static const std::vector<int> wide = {64, 128, 256, 512};
  static const std::vector<int> slim = {64, 128, 192, 320};
  static const std::vector<int> n3 = {96, 160, 320};
  static const std::vector<int> ns3 = {64, 128, 256};
  static const std::vector<BackboneRow> rows = {
      {"18", Stem::A, BlockKind::basic, {2, 2, 2, 2}, wide},
      {"34", Stem::A, BlockKind::basic, {3, 4, 6, 3}, wide},
      {"50", Stem::A, BlockKind::bottleneck, {3, 4, 6, 3}, wide},
      {"56", Stem::A, BlockKind::basic, {4, 8, 12, 3}, wide},
      {"86", Stem::A, BlockKind::basic, {8, 12, 16, 6}, wide},
      {"101", Stem::A, BlockKind::bottleneck, {3, 4, 23, 3}, wide},
      {"134", Stem::A, BlockKind::basic, {8, 18, 28, 12}, wide},
      {"150", Stem::A, BlockKind::basic, {16, 18, 28, 12}, wide},
      {"40S", Stem::B, BlockKind::basic, {4, 5, 6, 4}, slim},
      {"54S", Stem::B, BlockKind::basic, {5, 8, 8, 5}, slim},
      {"78S", Stem::B, BlockKind::basic, {6, 12, 12, 8}, slim},
      {"86S", Stem::B, BlockKind::basic, {8, 12, 16, 6}, slim},
      {"150S", Stem::B, BlockKind::basic, {16, 18, 28, 12}, slim},
      {"46N", Stem::C, BlockKind::basic, {6, 8, 8}, n3},
      {"74N", Stem::C, BlockKind::basic, {8, 12, 16}, n3},
      {"122N", Stem::C, BlockKind::basic, {16, 24, 20}, n3},
      {"46NS", Stem::C, BlockKind::basic, {6, 8, 8}, ns3},
      {"74NS", Stem::C, BlockKind::basic, {8, 12, 16}, ns3},
      {"122NS", Stem::C, BlockKind::basic, {16, 24, 20}, ns3},
  };
  return rows;
}

// Spec section 3.
UpHeadConfig up_head(char preset) {
  switch (preset) {
    case 'A': return {'A', {64, 128, 256, 512}, {128, 128, 128, 128}};
    case 'B': return {'B', {64, 128, 128, 256}, {96, 96, 64, 32}};
    case 'C': return {'C', {128, 128, 128, 128}, {128, 16, 16, 16}};
  }
  throw_internal("unknown Up-head preset");
}

// Spec section 4.
SegHeadConfig seg_head(char preset) {
  switch (preset) {
    case 'A': return {'A', 512, 1};
    case 'B': return {'B', 256, 3};
    case 'C': return {'C', 128, 1};
  }
  throw_internal("unknown segmentation head preset");
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

[[noreturn]] void unknown_model(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  for (const auto& m : published_models()) scored.push_back({edit_distance(name, m.name), m.name});
  std::sort(scored.begin(), scored.end());
  std::string message = "unknown model '" + std::string(name) + "'; closest published names:";
  for (std::size_t i = 0; i < 3 && i < scored.size(); ++i)
    message += std::string(i ? ", " : " ") + std::string(scored[i].second);
  throw_usage(message);
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

std::array<int, 4> BackboneConfig::feature_widths() const {
  if (stage_count() == 4)
    return {stage_output_width(0), stage_output_width(1), stage_output_width(2), stage_output_width(3)};
  return {64, stage_output_width(0), stage_output_width(1), stage_output_width(2)};
}

ModelConfig model_config(std::string_view name) {
  if (!find_published_model(name)) unknown_model(name);
  ModelConfig config;
  config.name = std::string(name);
  std::string_view s = name;
  if (consume(s, "segmentation_ffnet")) config.task = Task::segmentation;
  else if (consume(s, "classification_ffnet")) config.task = Task::classification;
  else unknown_model(name);
  config.pre_down = consume_suffix(s, "_pre_down");
  config.mobile = consume_suffix(s, "_mobile");

  std::size_t underscore = s.find('_');
  if (underscore == std::string_view::npos) unknown_model(name);
  std::string_view backbone = s.substr(0, underscore);
  std::string_view presets = s.substr(underscore + 1);
  const auto& table = backbone_table();
  auto row = std::find_if(table.begin(), table.end(), [&](const BackboneRow& r) { return r.name == backbone; });
  if (row == table.end()) unknown_model(name);
  config.backbone = {std::string(row->name), row->stem, row->block, row->blocks, row->widths, false};
  config.backbone.first_stage_stride2 = consume(presets, "d");
  if (presets.size() != 3) unknown_model(name);
  const char stem_letter = "ABC"[int(row->stem)];
  if (presets[0] != stem_letter) unknown_model(name);
  config.up = up_head(presets[1]);
  if (config.task == Task::segmentation) config.seg = seg_head(presets[2]);
  return config;
}

}  // namespace ffnet
