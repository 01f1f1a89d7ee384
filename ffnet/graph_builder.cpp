// Builds the FFNet graph of a ModelConfig, following docs/ffnet-spec.md sections 2-6.
#include <array>

#include "ffnet/core/error.hpp"
#include "ffnet/graph.hpp"

namespace ffnet {
namespace {

class Builder {
 public:
  explicit Builder(const ModelConfig& config) : config_(config) {}

  Graph build() {
    ValueId x = value("input");
    graph_.input = x;
    if (config_.pre_down) {
      ValueId smoothed = value("smoothing");
      graph_.nodes.push_back({.name = "smoothing", .params = SmoothingParams{"smoothing.weight"}, .inputs = {x},
                              .output = smoothed});
      x = smoothed;
    }
    std::array<ValueId, 4> features = backbone(x);
    std::array<ValueId, 4> s = up_head(features);
    graph_.output = config_.task == Task::segmentation ? segmentation_head(s) : classification_head(s);
    return std::move(graph_);
  }

 private:
  const ModelConfig& config_;
  Graph graph_;

  ValueId value(const std::string& name) {
    graph_.value_names.push_back(name);
    return ValueId(graph_.value_names.size() - 1);
  }

  // Where a convolution's parameters live in the checkpoint: weight, own bias, batch norm.
  struct ConvKeys {
    std::string weight, bias, batchnorm;
  };

  // conv (+ BN) (+ residual) (+ ReLU) as one node whose output is a new value `out_name`.
  ValueId conv(const std::string& name, ValueId input, int in_ch, int out_ch, int kernel, int stride,
               int pad, ConvKeys keys, bool relu, ValueId residual = kNoValue,
               const std::string& out_name = "") {
    ValueId out = value(out_name.empty() ? name : out_name);
    Node node{.name = name,
              .params = ConvParams{.shape = {in_ch, out_ch, kernel, kernel, stride, pad},
                                   .weight = std::move(keys.weight),
                                   .bias = std::move(keys.bias),
                                   .batchnorm = std::move(keys.batchnorm),
                                   .relu = relu},
              .inputs = {input},
              .output = out};
    if (residual != kNoValue) node.inputs.push_back(residual);
    graph_.nodes.push_back(std::move(node));
    return out;
  }

  // conv k x k without bias -> BN -> ReLU, named like PyTorch: <conv>.weight and <bn>.*
  ValueId conv_bn(const std::string& conv_key, const std::string& bn_key, ValueId input, int in_ch,
                  int out_ch, int kernel, int stride, bool relu, ValueId residual = kNoValue,
                  const std::string& out_name = "") {
    return conv(conv_key, input, in_ch, out_ch, kernel, stride, kernel / 2,
                {conv_key + ".weight", "", bn_key}, relu, residual, out_name);
  }

  // The Up-head's CBR(k): <prefix>.layers.0 conv, <prefix>.layers.1 BN, ReLU.
  ValueId cbr(const std::string& prefix, ValueId input, int in_ch, int out_ch, int kernel,
              const std::string& out_name = "") {
    return conv_bn(prefix + ".layers.0", prefix + ".layers.1", input, in_ch, out_ch, kernel, 1,
                   true, kNoValue, out_name);
  }

  std::array<ValueId, 4> backbone(ValueId x) {
    const BackboneConfig& bb = config_.backbone;
    const std::string p = "backbone_model.";
    ValueId stem = kNoValue;
    switch (bb.stem) {
      case Stem::A: {
        ValueId c = conv(p + "conv1", x, 3, 64, 7, 2, 3, {p + "conv1.weight", "", p + "bn1"}, true);
        stem = value("stem");
        graph_.nodes.push_back({.name = p + "maxpool", .params = MaxPoolParams{{3, 2, 1}}, .inputs = {c}, .output = stem});
        break;
      }
      case Stem::B: {
        ValueId c = conv_bn(p + "conv0", p + "bn0", x, 3, 32, 3, 2, true);
        stem = conv_bn(p + "conv1", p + "bn1", c, 32, 64, 3, 2, true, kNoValue, "stem");
        break;
      }
      case Stem::C: {
        ValueId c = conv_bn(p + "conv0", p + "bn0", x, 3, 64, 3, 2, true);
        c = conv_bn(p + "conv1", p + "bn1", c, 64, 64, 3, 2, true);
        stem = conv_bn(p + "conv2", p + "bn2", c, 64, 64, 3, 1, true, kNoValue, "stem");
        break;
      }
    }
    std::vector<ValueId> stages;
    ValueId y = stem;
    int in_ch = 64;
    for (int s = 0; s < bb.stage_count(); ++s) {
      int stride = (bb.stage_count() == 3 || s > 0 || bb.first_stage_stride2) ? 2 : 1;
      for (int b = 0; b < bb.blocks[std::size_t(s)]; ++b) {
        std::string prefix = p + "layer" + std::to_string(s + 1) + "." + std::to_string(b);
        bool last = b + 1 == bb.blocks[std::size_t(s)];
        std::string out_name = last ? "layer" + std::to_string(s + 1) : "";
        y = bb.block == BlockKind::basic
                ? basic_block(prefix, y, in_ch, bb.widths[std::size_t(s)], b == 0 ? stride : 1, out_name)
                : bottleneck(prefix, y, in_ch, bb.widths[std::size_t(s)], b == 0 ? stride : 1, out_name);
        in_ch = bb.stage_output_width(s);
      }
      stages.push_back(y);
    }
    if (bb.stage_count() == 4) return {stages[0], stages[1], stages[2], stages[3]};
    return {stem, stages[0], stages[1], stages[2]};
  }

  ValueId shortcut(const std::string& prefix, ValueId x, int in_ch, int out_ch, int stride) {
    if (in_ch == out_ch && stride == 1) return x;
    return conv(prefix + ".downsample.0", x, in_ch, out_ch, 1, stride, 0,
                {prefix + ".downsample.0.weight", "", prefix + ".downsample.1"}, false);
  }

  ValueId basic_block(const std::string& prefix, ValueId x, int in_ch, int width, int stride,
                      const std::string& out_name) {
    ValueId skip = shortcut(prefix, x, in_ch, width, stride);
    ValueId h = conv_bn(prefix + ".conv1", prefix + ".bn1", x, in_ch, width, 3, stride, true);
    return conv_bn(prefix + ".conv2", prefix + ".bn2", h, width, width, 3, 1, true, skip, out_name);
  }

  ValueId bottleneck(const std::string& prefix, ValueId x, int in_ch, int planes, int stride,
                     const std::string& out_name) {
    ValueId skip = shortcut(prefix, x, in_ch, 4 * planes, stride);
    ValueId h = conv_bn(prefix + ".conv1", prefix + ".bn1", x, in_ch, planes, 1, 1, true);
    h = conv_bn(prefix + ".conv2", prefix + ".bn2", h, planes, planes, 3, stride, true);
    return conv_bn(prefix + ".conv3", prefix + ".bn3", h, planes, 4 * planes, 1, 1, true, skip, out_name);
  }

  // resize x to the size of `like`, + `add` unless it is kNoValue. Mobile models upsample
  // nearest, the others bilinearly with align_corners=True (spec section 5).
  ValueId upsample_add(const std::string& name, ValueId x, ValueId like, ValueId add) {
    ValueId out = value(name);
    const ops::ResizeMode mode = config_.mobile ? ops::ResizeMode::nearest : ops::ResizeMode::bilinear_align_corners;
    Node node{.name = name, .params = ResizeParams{mode}, .inputs = {x}, .output = out, .shape_of = like};
    if (add != kNoValue) node.inputs.push_back(add);
    graph_.nodes.push_back(std::move(node));
    return out;
  }

  std::array<ValueId, 4> up_head(const std::array<ValueId, 4>& features) {
    const auto widths = config_.backbone.feature_widths();
    const auto& b = config_.up.adapter_widths;
    const auto& o = config_.up.output_widths;
    std::array<ValueId, 4> f{};
    for (int k = 0; k < 4; ++k)
      f[std::size_t(k)] = cbr("head.layers.0.adapter_conv." + std::to_string(k), features[std::size_t(k)],
                              widths[std::size_t(k)], b[std::size_t(k)], 1, "adapter" + std::to_string(k));
    const std::string p = "head.layers.1.";
    ValueId s32 = cbr(p + "fam_32_sm", f[3], b[3], o[3], 3, "s32");
    ValueId u = cbr(p + "fam_32_up", f[3], b[3], b[2], 1);
    ValueId x16 = upsample_add(p + "up16", u, f[2], f[2]);
    ValueId s16 = cbr(p + "fam_16_sm", x16, b[2], o[2], 3, "s16");
    u = cbr(p + "fam_16_up", x16, b[2], b[1], 1);
    ValueId x8 = upsample_add(p + "up8", u, f[1], f[1]);
    ValueId s8 = cbr(p + "fam_8_sm", x8, b[1], o[1], 3, "s8");
    u = cbr(p + "fam_8_up", x8, b[1], b[0], 1);
    ValueId x4 = upsample_add(p + "up4", u, f[0], f[0]);
    ValueId s4 = cbr(p + "fam_4", x4, b[0], o[0], 3, "s4");
    return {s4, s8, s16, s32};
  }

  ValueId segmentation_head(const std::array<ValueId, 4>& s) {
    Node concat{.name = "head.layers.2", .params = ConcatParams{}, .inputs = {s[0]}};
    for (int k = 1; k < 4; ++k)
      concat.inputs.push_back(upsample_add("head.layers.2.up" + std::to_string(k), s[std::size_t(k)], s[0], kNoValue));
    concat.output = value("concat");
    const ValueId concatenated = concat.output;
    graph_.nodes.push_back(std::move(concat));
    const std::string p = "head.layers.3.last_layer.";
    const SegHeadConfig& seg = config_.seg;
    ValueId h = conv(p + "0", concatenated, config_.up.output_sum(), seg.mid_width, 3, 1, 1,
                     {p + "0.weight", p + "0.bias", p + "1"}, true);
    return conv(p + "3", h, seg.mid_width, kCityscapesClasses, seg.last_kernel, 1, seg.last_kernel / 2,
                {p + "3.weight", p + "3.bias", ""}, false, kNoValue, "output");
  }

  ValueId classification_head(const std::array<ValueId, 4>& s) {
    constexpr std::array<int, 4> h = {128, 256, 512, 1024};
    const auto& o = config_.up.output_widths;
    const std::string p = "head.layers.2.";
    auto expansion = [&](int i) {
      return bottleneck(p + "expansion_layers." + std::to_string(i), s[std::size_t(i)], o[std::size_t(i)],
                        h[std::size_t(i)] / 4, 1, "");
    };
    ValueId y = expansion(0);
    for (int i = 0; i < 3; ++i) {
      std::string d = p + "downsampling_layers." + std::to_string(i);
      ValueId down = conv(d + ".0", y, h[std::size_t(i)], h[std::size_t(i) + 1], 3, 2, 1,
                          {d + ".0.weight", d + ".0.bias", d + ".1"}, true);
      ValueId e = expansion(i + 1);
      ValueId sum = value(p + "sum" + std::to_string(i + 1));
      graph_.nodes.push_back({.name = p + "sum" + std::to_string(i + 1), .params = AddParams{}, .inputs = {e, down},
                              .output = sum});
      y = sum;
    }
    ValueId final_out = conv(p + "final_layer.0", y, 1024, 2048, 1, 1, 0,
                             {p + "final_layer.0.weight", p + "final_layer.0.bias", p + "final_layer.1"},
                             true, kNoValue, "head_final");
    ValueId pooled = value("pooled");
    graph_.nodes.push_back({.name = p + "avgpool", .params = GlobalPoolParams{}, .inputs = {final_out}, .output = pooled});
    ValueId out = value("output");
    graph_.nodes.push_back({.name = p + "classifier",
                            .params = LinearParams{p + "classifier.weight", p + "classifier.bias", 2048, kImageNetClasses},
                            .inputs = {pooled},
                            .output = out});
    return out;
  }
};

}  // namespace

Graph build_graph(const ModelConfig& config) { return Builder(config).build(); }

}  // namespace ffnet
