#pragma once
// What a model name means (spec sections 1-6): backbone, stem, Up-head and task-head presets,
// upsampling mode and pre-downsampling. Everything the graph builder needs, as plain data.
#include <array>
#include <string>
#include <string_view>
#include <vector>


namespace ffnet {

enum class Task { segmentation, classification };
enum class Stem { A, B, C };
enum class BlockKind { basic, bottleneck };

struct BackboneConfig {
  std::string name;          // "18", "40S", "122NS", ...
  Stem stem = Stem::A;
  BlockKind block = BlockKind::basic;
  std::vector<int> blocks;   // blocks per stage (3 or 4 stages)
  std::vector<int> widths;   // stage widths (planes; bottleneck outputs are 4x)
  bool first_stage_stride2 = false;  // the `d` models

  int stage_count() const { return int(blocks.size()); }
  int stage_output_width(int stage) const {
    return block == BlockKind::bottleneck ? 4 * widths[std::size_t(stage)] : widths[std::size_t(stage)];
  }
  // Widths of the four feature maps handed to the head, fine to coarse.
  std::array<int, 4> feature_widths() const;
};

struct UpHeadConfig {
  char preset = 'A';
  std::array<int, 4> adapter_widths{};  // b0..b3
  std::array<int, 4> output_widths{};   // o0..o3
  int output_sum() const { return output_widths[0] + output_widths[1] + output_widths[2] + output_widths[3]; }
};

struct SegHeadConfig {
  char preset = 'A';
  int mid_width = 0;
  int last_kernel = 1;  // 1 or 3
};

inline constexpr int kCityscapesClasses = 19;
inline constexpr int kImageNetClasses = 1000;

struct ModelConfig {
  std::string name;
  Task task = Task::segmentation;
  BackboneConfig backbone;
  UpHeadConfig up;
  SegHeadConfig seg;  // segmentation models only
  bool mobile = false;
  bool pre_down = false;

};

// The configuration of a published model; throws ffnet::Error(usage) for any other name,
// suggesting close published names.
ModelConfig model_config(std::string_view name);

}  // namespace ffnet
