// Loading a Network: the file's tensors checked against the architecture, then one op per node.
#include "ffnet/network.hpp"

#include <atomic>
#include <cmath>
#include <set>

#include "ffnet/core/error.hpp"
#include "ffnet/network_impl.hpp"
#include "ffnet/quantized_graph.hpp"
#include "ffnet/registry.hpp"
#include "weights/safetensors.hpp"

namespace ffnet {
namespace {

constexpr std::size_t kMaxProblemsListed = 25;

std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Every mismatch between the file and the architecture, listed together.
void validate_tensors(const weights::SafetensorsFile& file, const Graph& graph, const ModelConfig& config) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const TensorSpec& spec : required_tensors(graph)) {
    known.insert(spec.name);
    const weights::TensorInfo* info = file.find(spec.name);
    if (!info) {
      problems.push_back("missing tensor '" + spec.name + "' " + shape_str(spec.shape));
    } else if (info->shape != spec.shape) {
      problems.push_back("tensor '" + spec.name + "' has shape " + shape_str(info->shape) + ", expected " +
                         shape_str(spec.shape));
    } else if (spec.dtype == DType::f32 && info->dtype != DType::f32 && info->dtype != DType::f16 &&
               info->dtype != DType::bf16 && info->dtype != DType::f64) {
      problems.push_back("tensor '" + spec.name + "' has dtype " + dtype_name(info->dtype) +
                         ", expected a floating-point type");
    } else if (spec.dtype != DType::f32 && info->dtype != spec.dtype) {
      problems.push_back("tensor '" + spec.name + "' has dtype " + dtype_name(info->dtype) + ", expected " +
                         dtype_name(spec.dtype));
    }
  }
  for (const std::string& name : ignored_tensors(graph, config)) known.insert(name);
  for (const auto& info : file.tensors())
    if (!known.count(info.name)) problems.push_back("unexpected tensor '" + info.name + "'");
  if (problems.empty()) return;
  std::string message = file.name() + ": does not match " + config.name + " (" + std::to_string(problems.size()) +
                        " problems):";
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsListed; ++i) message += "\n  " + problems[i];
  if (problems.size() > kMaxProblemsListed)
    message += "\n  ... and " + std::to_string(problems.size() - kMaxProblemsListed) + " more";
  throw_input(message);
}

// An int8 file's scales and zero points into the graph, checked: positive finite scales, and one
// scale and zero point for the values that must share them (concat, max pooling).
void read_quantization(const weights::SafetensorsFile& file, Graph& graph) {
  for (ValueId v : u8_values(graph)) {
    const Tensor scale = file.read_f32(*file.find(quant_scale_key(graph, v)));
    const Tensor zero = file.read(*file.find(quant_zero_point_key(graph, v)));
    const float s = scale.data()[0];
    if (!(s > 0) || !std::isfinite(s) || !std::isfinite(1.0f / s))
      throw_input(file.name() + ": tensor '" + quant_scale_key(graph, v) + "' is not a positive finite scale");
    graph.value_quant[std::size_t(v)] = {s, int(zero.data_as<std::uint8_t>()[0])};
  }
  const std::vector<ValueId> classes = shared_quant_classes(graph);
  for (ValueId v : u8_values(graph)) {
    const ValueId first = classes[std::size_t(v)];
    if (!(graph.value_quant[std::size_t(v)] == graph.value_quant[std::size_t(first)]))
      throw_input(file.name() + ": values '" + graph.value_names[std::size_t(v)] + "' and '" +
                  graph.value_names[std::size_t(first)] +
                  "' must share one scale and zero point (a concat or max pooling joins them)");
  }
}

}  // namespace

Network::Network(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;
Network::~Network() = default;

Network Network::load(const std::string& path, const LoadOptions& options) {
  return load(weights::SafetensorsFile::open(path), options);
}

Network Network::load(const weights::SafetensorsFile& file, const LoadOptions& options) {
  std::string model = options.model;
  if (model.empty()) {
    auto it = file.metadata().find("model");
    if (it == file.metadata().end())
      throw_usage(file.name() + ": the file does not name its model (no 'model' in its metadata); give the model name");
    model = it->second;
  }
  auto net = std::make_unique<Impl>();
  try {
    net->config = model_config(model);
  } catch (const Error& e) {
    // A name the caller gave is a usage error; a name the file records is the file's fault.
    if (!options.model.empty()) throw;
    throw_input(file.name() + ": its metadata names an " + e.what());
  }
  net->graph = build_graph(net->config);
  const auto format = file.metadata().find("format");
  if (format != file.metadata().end()) {
    if (format->second != kInt8Format)
      throw_input(file.name() + ": unknown weight format '" + format->second + "' (this build reads float files and " +
                  kInt8Format + ")");
    net->graph = quantized_graph(net->graph);
  }
  net->isa = options.isa.empty() ? ops::best_isa() : ops::parse_isa(options.isa);
  if (!ops::isa_supported(net->isa))
    throw_usage("this CPU cannot run the " + std::string(net->isa.name) + " kernels (it has: " +
                ops::cpu_features().str() + ")");
  validate_tensors(file, net->graph, net->config);
  if (net->graph.quantized()) read_quantization(file, net->graph);

  net->winograd_budget = std::make_unique<ops::WeightBudget>(options.winograd_weight_budget);
  const ops::OpConfig config{.reference = options.reference_ops,
                             .isa = net->isa,
                             .conv_algorithm = options.conv_algorithm,
                             .winograd_budget = net->winograd_budget.get()};
  const ImageSize natural = natural_input_size(net->config.name);
  const std::vector<Dims> natural_dims = infer_dims(net->graph, {3, natural.height, natural.width});
  std::vector<bool> runs_in_bands;
  for (const Node& node : net->graph.nodes) {
    net->ops.push_back(make_node_op(node, {.graph = net->graph, .file = file, .config = config, .natural = natural_dims}));
    runs_in_bands.push_back(net->ops.back()->runs_in_bands());
  }
  net->band_bytes = options.band_bytes;
  if (options.band_bytes > 0) net->bands = find_banded_pairs(net->graph, runs_in_bands);
  static std::atomic<std::uint64_t> loads{0};
  net->id = ++loads;
  return Network(std::move(net));
}

const Network::Impl& Network::impl() const {
  if (!impl_) throw_usage("this Network was moved from: it holds no model (load one)");
  return *impl_;
}

std::uint64_t Network::id() const { return impl_ ? impl_->id : 0; }
const ModelConfig& Network::config() const { return impl().config; }
std::string_view Network::isa() const { return impl().isa.name; }
const Graph& Network::graph() const { return impl().graph; }
std::size_t Network::node_count() const { return impl().graph.nodes.size(); }

std::size_t Network::weight_bytes() const {
  std::size_t bytes = 0;
  for (const auto& op : impl().ops) bytes += op->weight_bytes();
  return bytes;
}

double Network::flops(Dims input) const { return graph_flops(impl().graph, infer_dims(impl().graph, input)); }

}  // namespace ffnet
