#pragma once
// The 87 models the FFNet authors published, with the facts documentation needs.
#include <optional>
#include <span>
#include <string_view>

namespace ffnet {

struct PublishedModel {
  std::string_view name;
  std::string_view checkpoint;  // path inside the authors' release zips: <family>/<file>.pth
  std::optional<double> cityscapes_val_miou;  // paper / authors' README, segmentation only
};

std::span<const PublishedModel> published_models();
const PublishedModel* find_published_model(std::string_view name);

// The input size a model was trained and evaluated at (height, width).
struct ImageSize {
  int height = 0;
  int width = 0;
};
ImageSize natural_input_size(std::string_view name);

}  // namespace ffnet
