#pragma once
// FFNet's convolution layers at the Cityscapes input size (1024x2048) for the benchmarks, and
// their data. GFLOP/s counts 2 * M * N * K per run (padding taps included).
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_peak.hpp"
#include "ffnet/core/aligned_buffer.hpp"
#include "ops/conv.hpp"
#include "ops/gemm/conv_gemm.hpp"

namespace ffnet::bench {

using ops::ConvShape;

struct Layer {
  const char* name;
  ConvShape shape;
  int in_h;
  int in_w;
  bool bias = false;
  bool residual = false;
};

inline ConvShape square(int in, int out, int kernel, int stride) {
  return {in, out, kernel, kernel, stride, kernel / 2};
}

inline const Layer kLayers[] = {
    {"stem_7x7s2_3to64@1024x2048", square(3, 64, 7, 2), 1024, 2048},
    {"layer1_3x3_64@256x512", square(64, 64, 3, 1), 256, 512, false, true},
    {"layer1d_3x3_64@128x256", square(64, 64, 3, 1), 128, 256, false, true},
    {"layer2_3x3_128@128x256", square(128, 128, 3, 1), 128, 256, false, true},
    {"layer3_3x3_256@64x128", square(256, 256, 3, 1), 64, 128, false, true},
    {"layer4_3x3_512@32x64", square(512, 512, 3, 1), 32, 64, false, true},
    // ffnet122NS at its natural 512x1024: 24 blocks at 1/16, 20 at 1/32.
    {"122NS_layer2_3x3_128@32x64", square(128, 128, 3, 1), 32, 64, false, true},
    {"122NS_layer3_3x3_256@16x32", square(256, 256, 3, 1), 16, 32, false, true},
    // ffnet46NS at a small 128x256 input: layer3 at 1/32 is 4x8 pixels (kernel_for_columns).
    {"46NS_layer3_3x3_256@4x8", square(256, 256, 3, 1), 4, 8, false, true},
    // ffnet40S at 1024x2048: layer3 at 1/32.
    {"40S_layer3_3x3_192@32x64", square(192, 192, 3, 1), 32, 64, false, true},
    {"layer2_first_3x3s2_64to128@256x512", square(64, 128, 3, 2), 256, 512},
    {"downsample_1x1s2_64to128@256x512", square(64, 128, 1, 2), 256, 512},
    {"adapter_1x1_64to128@256x512", square(64, 128, 1, 1), 256, 512},
    {"adapter_1x1_512to128@32x64", square(512, 128, 1, 1), 32, 64},
    {"fam4_3x3_64to128@256x512", square(64, 128, 3, 1), 256, 512},
    {"seghead_3x3_512to512@128x256", square(512, 512, 3, 1), 128, 256, true},
    {"segheadB_3x3_288to256@128x256", square(288, 256, 3, 1), 128, 256, true},
    {"seglastB_3x3_256to19@128x256", square(256, 19, 3, 1), 128, 256, true},
    {"seglast_1x1_512to19@128x256", square(512, 19, 1, 1), 128, 256, true},
};

// Input, weights, output and residual for one layer, filled with small non-zero values.
struct LayerData {
  Dims in_dims, out_dims;
  AlignedArray<float> input, weight, bias, output, residual;

  explicit LayerData(const Layer& layer)
      : in_dims{layer.shape.in_channels, layer.in_h, layer.in_w},
        out_dims(ops::conv_output_dims(layer.shape, in_dims)),
        input(in_dims.size()),
        weight(std::size_t(layer.shape.out_channels) * ops::gemm::conv_gemm_k(layer.shape)),
        bias(std::size_t(layer.shape.out_channels)),
        output(out_dims.size()),
        residual(layer.residual ? out_dims.size() : 0) {
    for (AlignedArray<float>* b : {&input, &weight, &bias, &residual})
      for (std::size_t i = 0; i < b->size(); ++i) b->data()[i] = float(i % 13) * 0.01f - 0.05f;
  }
  // The op's inputs: the input, and the residual where the layer has one.
  std::vector<ConstView> inputs() const {
    std::vector<ConstView> views{ConstView(input.data(), in_dims)};
    if (residual.size()) views.push_back(ConstView(residual.data(), out_dims));
    return views;
  }
  double flops(const ConvShape& s) const {
    return 2.0 * s.out_channels * double(out_dims.plane()) * ops::gemm::conv_gemm_k(s);
  }
};

}  // namespace ffnet::bench
