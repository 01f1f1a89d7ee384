#pragma once
// Quantising a float model to int8 (what ffnet-quantize does): the float network runs on
// calibration inputs with an observer that records every activation's range, then the int8
// file is written: per-tensor u8 scales and zero points for the activations (chosen by the
// calibration method; one for the values a concat or max pooling joins), per-output-channel
// symmetric s8 weights with batch norm folded in first, float biases. Network::load runs it.
//
//   ffnet::Quantizer quantizer("model.safetensors");
//   for (const ffnet::Tensor& input : calibration_inputs) quantizer.observe(input);
//   quantizer.write("model-int8.safetensors");
#include <cstddef>
#include <memory>
#include <string>

#include "ffnet/calibration.hpp"
#include "ffnet/core/tensor.hpp"
#include "ffnet/model_config.hpp"

namespace ffnet {

struct QuantizeOptions {
  std::string model;  // overrides the model name in the file's metadata
  // How each activation's range is chosen from its calibration values (calibration.hpp). mse
  // measured best on the demo model (README, "int8").
  CalibrationMethod method = CalibrationMethod::mse;
  bool equalize = false;  // cross-layer equalisation of the float weights first (equalization.hpp)
  int threads = 0;        // for the float network; 0: every core the process may use
};

class Quantizer {
 public:
  // Reads and validates the float file (refusing one that is already int8); throws ffnet::Error
  // naming the file and the problem.
  explicit Quantizer(const std::string& float_path, const QuantizeOptions& options = {});
  ~Quantizer();
  Quantizer(Quantizer&&) noexcept;
  Quantizer& operator=(Quantizer&&) noexcept;

  const ModelConfig& config() const;
  // Runs the float network on one input (N x 3 x H x W float32, normalised as for
  // Network::forward) and records the range of every activation. `what` names the input in errors.
  void observe(const Tensor& input, const std::string& what = "calibration input");
  std::size_t observed_images() const;
  // Writes the int8 file, atomically; refused (ffnet::Error(usage)) before any input was
  // observed, or if `path` is the float file.
  void write(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ffnet
