// ffnet._ffnet, the extension behind `import ffnet` (python/ffnet/__init__.py re-exports it;
// python/ffnet/_ffnet.pyi is its signature for editors): the C++ API on numpy arrays.
//
// Inputs that already are what the C++ side reads (C-contiguous, aligned, the right element
// type) are read in place; anything else is converted once. Outputs are numpy arrays the
// network writes into directly. The GIL is released while C++ runs, so Python threads can share
// one Network: each call leases a Workspace of its own from the network's pool.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ffnet/ffnet.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace {

// A path that does not exist: FileNotFoundError in Python (ffnet::Error(input) would be a
// ValueError).
struct FileNotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string checked_existing(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileNotFound(path.string() + ": no such file");
  return path.string();
}

bool is_aligned_c_contiguous(const py::array& a) {
  constexpr int want = py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | py::detail::npy_api::NPY_ARRAY_ALIGNED_;
  return (a.flags() & want) == want;
}

std::string dtype_str(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

std::string shape_str(const py::array& a) {
  std::vector<std::int64_t> shape(a.shape(), a.shape() + a.ndim());
  return ffnet::shape_string(shape);
}

// `obj` as an array of T that C++ can read in place: itself if it already is one, else a copy.
// `kinds` are the numpy dtype kinds accepted ('f': floats, converted; 'u': only T itself).
template <class T>
py::array_t<T> readable_array(const py::handle& obj, const std::string& what, const char* kinds, const char* wanted) {
  py::array a = py::array::ensure(obj);
  if (!a) throw py::value_error(what + " must be a numpy array of " + wanted);
  const bool exact = a.dtype().is(py::dtype::of<T>());
  if (!exact && std::string(kinds).find(a.dtype().kind()) == std::string::npos)
    throw py::value_error(what + " must be " + wanted + ", got an array of " + dtype_str(a));
  if (a.size() == 0) throw py::value_error(what + " is empty (shape " + shape_str(a) + ")");
  if (exact && is_aligned_c_contiguous(a)) return py::reinterpret_borrow<py::array_t<T>>(a);
  // numpy.array copies into fresh memory: C order and aligned, whatever the source was.
  return py::module_::import("numpy").attr("array")(a, py::arg("dtype") = py::dtype::of<T>(), py::arg("order") = "C");
}

std::vector<std::int64_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

// H x W x 3 uint8 pictures; labels H x W uint8.
py::array_t<std::uint8_t> picture_array(const py::handle& obj, const std::string& what) {
  py::array_t<std::uint8_t> a = readable_array<std::uint8_t>(obj, what, "", "uint8 (H x W x 3 RGB)");
  if (a.ndim() != 3 || a.shape(2) != 3)
    throw py::value_error(what + " must be H x W x 3 (RGB, uint8), got shape " + shape_str(a));
  return a;
}

py::array_t<std::uint8_t> labels_array(const py::handle& obj) {
  py::array_t<std::uint8_t> a = readable_array<std::uint8_t>(obj, "labels", "", "uint8 (H x W train ids)");
  if (a.ndim() != 2) throw py::value_error("labels must be H x W, got shape " + shape_str(a));
  return a;
}

template <class T>
py::array_t<T> array_from(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

ffnet::Image image_from(const py::array_t<std::uint8_t>& picture) {
  ffnet::Image image{int(picture.shape(1)), int(picture.shape(0)), {}};
  image.rgb.assign(picture.data(), picture.data() + picture.size());
  return image;
}

// The Workspaces of one Network: a call leases an idle one (or a new one) and gives it back.
// As many stay allocated as calls ever ran at once.
class WorkspacePool {
 public:
  struct Settings {
    int threads = 0;
    std::optional<std::size_t> memory_limit;
    bool check_finite_input = true;
  };

  // Threads 0 (every core) is resolved once, here.
  explicit WorkspacePool(Settings settings) : settings_(settings) {
    settings_.threads = ffnet::Workspace(settings.threads).threads();
  }

  class Lease {
   public:
    Lease(WorkspacePool& pool, std::unique_ptr<ffnet::Workspace> ws) : pool_(pool), ws_(std::move(ws)) {}
    ~Lease() { pool_.give_back(std::move(ws_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ffnet::Workspace& operator*() const { return *ws_; }

   private:
    WorkspacePool& pool_;
    std::unique_ptr<ffnet::Workspace> ws_;
  };

  Lease lease() {
    {
      const std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto ws = std::move(idle_.back());
        idle_.pop_back();
        return {*this, std::move(ws)};
      }
    }
    auto ws = std::make_unique<ffnet::Workspace>(settings_.threads);
    if (settings_.memory_limit) ws->memory_limit = *settings_.memory_limit;
    ws->check_finite_input = settings_.check_finite_input;
    return {*this, std::move(ws)};
  }

  int threads() const { return settings_.threads; }

 private:
  void give_back(std::unique_ptr<ffnet::Workspace> ws) {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(ws));
  }

  Settings settings_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<ffnet::Workspace>> idle_;
};

struct LoadKeywords {
  std::optional<std::string> model;
  bool exact = false;
  std::optional<std::string> conv_algorithm;
  std::optional<std::string> isa;
  bool reference_ops = false;
  std::optional<std::size_t> winograd_weight_budget;
  std::optional<std::size_t> band_bytes;

  ffnet::LoadOptions options() const {
    ffnet::LoadOptions o;
    if (model) o.model = *model;
    if (isa) o.isa = *isa;
    o.reference_ops = reference_ops;
    o.conv_algorithm = exact ? ffnet::ConvAlgorithm::exact : ffnet::ConvAlgorithm::fastest;
    if (conv_algorithm) {
      const std::string& a = *conv_algorithm;
      const auto chosen = a == "fastest" ? ffnet::ConvAlgorithm::fastest
                          : a == "exact" ? ffnet::ConvAlgorithm::exact
                          : a == "winograd" ? ffnet::ConvAlgorithm::winograd
                                            : throw py::value_error("conv_algorithm must be 'fastest', 'exact' or 'winograd', got '" + a + "'");
      if (exact && chosen != ffnet::ConvAlgorithm::exact)
        throw py::value_error("exact=True and conv_algorithm='" + a + "' contradict each other");
      o.conv_algorithm = chosen;
    }
    if (winograd_weight_budget) o.winograd_weight_budget = *winograd_weight_budget;
    if (band_bytes) o.band_bytes = *band_bytes;
    return o;
  }
};

class PyNetwork {
 public:
  PyNetwork(ffnet::Network net, WorkspacePool::Settings settings)
      : net_(std::move(net)), pool_(settings), threads_(pool_.threads()) {}

  static std::unique_ptr<PyNetwork> load(const fs::path& path, const LoadKeywords& keywords,
                                         WorkspacePool::Settings settings) {
    const std::string file = checked_existing(path);
    std::optional<ffnet::Network> net;
    {
      py::gil_scoped_release released;
      net.emplace(ffnet::Network::load(file, keywords.options()));
    }
    return std::make_unique<PyNetwork>(std::move(*net), settings);
  }

  static std::unique_ptr<PyNetwork> from_bytes(const py::bytes& data, const std::string& name,
                                               const LoadKeywords& keywords, WorkspacePool::Settings settings) {
    const std::string_view bytes = data;  // `data` is held by the caller for the whole call
    std::optional<ffnet::Network> net;
    {
      py::gil_scoped_release released;
      const ffnet::weights::SafetensorsFile file(ffnet::weights::memory_source(bytes, name));
      net.emplace(ffnet::Network::load(file, keywords.options()));
    }
    return std::make_unique<PyNetwork>(std::move(*net), settings);
  }

  const ffnet::Network& net() const { return net_; }
  int threads() const { return threads_; }

  py::array_t<float> forward(const py::handle& x, const py::object& out) {
    const py::array_t<float> input = readable_array<float>(x, "input", "f", "float32 N x 3 x H x W (float16 and float64 are converted)");
    const std::vector<std::int64_t> in_shape = shape_of(input);
    const std::vector<std::int64_t> out_shape = net_.output_shape(in_shape);
    py::array_t<float> output = out.is_none() ? py::array_t<float>(std::vector<py::ssize_t>(out_shape.begin(), out_shape.end()))
                                              : checked_out(out, out_shape);
    const float* in = input.data();
    float* logits = output.mutable_data();
    {
      py::gil_scoped_release released;
      const WorkspacePool::Lease ws = pool_.lease();
      net_.forward({in, in_shape}, {logits, out_shape}, *ws);
    }
    return output;
  }

  py::object segment(const py::handle& picture_obj, bool bgr, std::optional<std::pair<int, int>> size, bool keep_size,
                     bool return_logits) {
    const ffnet::ModelConfig& config = net_.config();
    if (config.task != ffnet::Task::segmentation)
      throw py::value_error(config.name + " is a classification model: segment() needs a segmentation model; call the network for its logits");
    if (size && keep_size) throw py::value_error("size and keep_size exclude each other");
    if (size && (size->first < 1 || size->second < 1))
      throw py::value_error("size must be positive, got " + std::to_string(size->first) + "x" + std::to_string(size->second));
    const py::array_t<std::uint8_t> picture = picture_array(picture_obj, "picture");
    const int height = int(picture.shape(0)), width = int(picture.shape(1));
    // What ffnet-segment runs (examples/inputs.cpp): the picture normalised, then resized to the
    // model's natural size unless told otherwise.
    ffnet::ImageSize run{height, width};
    if (size) run = {size->first, size->second};
    else if (!keep_size) run = ffnet::natural_input_size(config.name);
    const std::vector<std::int64_t> out_shape = net_.output_shape({1, 3, run.height, run.width});
    py::array_t<float> logits(std::vector<py::ssize_t>(out_shape.begin(), out_shape.end()));
    py::array_t<std::uint8_t> labels({py::ssize_t(height), py::ssize_t(width)});
    const std::uint8_t* pixels = picture.data();
    float* logits_data = logits.mutable_data();
    std::uint8_t* labels_data = labels.mutable_data();
    {
      py::gil_scoped_release released;
      const WorkspacePool::Lease ws = pool_.lease();
      ffnet::Tensor input = ffnet::pixels_to_input(pixels, height, width, bgr ? ffnet::ChannelOrder::bgr : ffnet::ChannelOrder::rgb);
      if (run.height != height || run.width != width)
        input = ffnet::resize_bilinear(input, run.height, run.width, threads_);
      net_.forward(ffnet::batch_of(input), {logits_data, out_shape}, *ws);
      const ffnet::Dims dims{int(out_shape[1]), int(out_shape[2]), int(out_shape[3])};
      // The authors evaluate GPU models with align_corners=True and mobile models with False.
      const std::vector<std::uint8_t> map = ffnet::label_map({logits_data, dims}, height, width, !config.mobile, threads_);
      std::copy(map.begin(), map.end(), labels_data);
    }
    if (return_logits) return py::make_tuple(labels, logits);
    return labels;
  }

 private:
  static py::array_t<float> checked_out(const py::object& out, const std::vector<std::int64_t>& want) {
    if (!py::isinstance<py::array>(out)) throw py::value_error("out must be a numpy array");
    const py::array a = out.cast<py::array>();
    if (!a.dtype().is(py::dtype::of<float>()) || !is_aligned_c_contiguous(a) || !a.writeable())
      throw py::value_error("out must be a writeable, C-contiguous float32 array, got " + dtype_str(a));
    if (shape_of(a) != want)
      throw py::value_error("out must have shape " + ffnet::shape_string(want) + ", got " + shape_str(a));
    return py::reinterpret_borrow<py::array_t<float>>(a);
  }

  ffnet::Network net_;
  WorkspacePool pool_;
  int threads_;
};

const char* task_name(ffnet::Task task) { return task == ffnet::Task::segmentation ? "segmentation" : "classification"; }

}  // namespace

PYBIND11_MODULE(_ffnet, m) {
  m.doc() = "FFNet semantic segmentation on CPUs (ffnet.cpp): see help(ffnet.Network).";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FileNotFound& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const ffnet::Error& e) {
      PyErr_SetString(e.kind() == ffnet::ErrorKind::internal ? PyExc_RuntimeError : PyExc_ValueError, e.what());
    }
  });

  py::class_<ffnet::ModelConfig>(m, "ModelConfig", "What a model is: its name, task, classes and natural input size.")
      .def_property_readonly("name", [](const ffnet::ModelConfig& c) { return c.name; },
                             "The published model's name, e.g. 'segmentation_ffnet46NS_CCC_mobile'.")
      .def_property_readonly("task", [](const ffnet::ModelConfig& c) { return task_name(c.task); },
                             "'segmentation' or 'classification'.")
      .def_property_readonly(
          "classes", [](const ffnet::ModelConfig& c) { return c.task == ffnet::Task::segmentation ? ffnet::kCityscapesClasses : ffnet::kImageNetClasses; },
          "19 Cityscapes train ids, or 1000 ImageNet classes.")
      .def_property_readonly(
          "natural_size",
          [](const ffnet::ModelConfig& c) {
            const ffnet::ImageSize s = ffnet::natural_input_size(c.name);
            return std::make_pair(s.height, s.width);
          },
          "(height, width) the model was trained and evaluated at; segment() resizes pictures to it by default.")
      .def_property_readonly("mobile", [](const ffnet::ModelConfig& c) { return c.mobile; },
                             "A mobile model (its logits are resized with align_corners=False).")
      .def("__repr__", [](const ffnet::ModelConfig& c) {
        const ffnet::ImageSize s = ffnet::natural_input_size(c.name);
        return "ModelConfig(name='" + c.name + "', task='" + task_name(c.task) + "', natural_size=(" +
               std::to_string(s.height) + ", " + std::to_string(s.width) + "))";
      });

  auto settings = [](int threads, std::optional<std::size_t> memory_limit, bool check_finite_input) {
    if (threads < 0) throw py::value_error("threads must be 0 (every core) or positive, got " + std::to_string(threads));
    return WorkspacePool::Settings{threads, memory_limit, check_finite_input};
  };

  py::class_<PyNetwork>(m, "Network", R"(An FFNet model loaded from a safetensors file (float32 or int8, as ffnet-segment runs it).

Network(path, model=None, threads=0, exact=False, conv_algorithm=None, isa=None, reference_ops=False,
        winograd_weight_budget=None, band_bytes=None, memory_limit=None, check_finite_input=True)

  path        a .safetensors file made by scripts/convert_checkpoint.py or ffnet-quantize
  model       the model's name when the file's metadata does not say it
  threads     threads per call (0: every core this process may use)
  exact       no Winograd: every convolution an exact sum (ffnet-segment --exact)
  conv_algorithm  'fastest' (default: Winograd where it pays), 'exact', or 'winograd' (wherever it applies)
  isa         'scalar', 'avx2_fma', 'avx512', ... (default: the best this CPU has)
  reference_ops, winograd_weight_budget, band_bytes: the C++ LoadOptions of the same names
  memory_limit  most bytes of activations one call may use (default 3/4 of the memory)
  check_finite_input  refuse inputs holding NaN or infinity (ValueError)

Calls are thread-safe and release the GIL; each concurrent call uses a workspace of its own
(kept for reuse, so a later call of the same size allocates nothing). Errors: FileNotFoundError,
ValueError for bad files and inputs (the message names the file and the problem), RuntimeError
for internal errors.)")
      .def(py::init([settings](const fs::path& path, std::optional<std::string> model, int threads, bool exact,
                               std::optional<std::string> conv_algorithm, std::optional<std::string> isa, bool reference_ops, std::optional<std::size_t> winograd_weight_budget,
                               std::optional<std::size_t> band_bytes, std::optional<std::size_t> memory_limit,
                               bool check_finite_input) {
             return PyNetwork::load(path, {model, exact, conv_algorithm, isa, reference_ops, winograd_weight_budget, band_bytes},
                                    settings(threads, memory_limit, check_finite_input));
           }),
           py::arg("path"), py::kw_only(), py::arg("model") = py::none(), py::arg("threads") = 0, py::arg("exact") = false,
           py::arg("conv_algorithm") = py::none(), py::arg("isa") = py::none(), py::arg("reference_ops") = false, py::arg("winograd_weight_budget") = py::none(),
           py::arg("band_bytes") = py::none(), py::arg("memory_limit") = py::none(), py::arg("check_finite_input") = true)
      .def_static(
          "from_bytes",
          [settings](const py::bytes& data, const std::string& name, std::optional<std::string> model, int threads, bool exact,
                     std::optional<std::string> conv_algorithm, std::optional<std::string> isa, bool reference_ops, std::optional<std::size_t> winograd_weight_budget,
                     std::optional<std::size_t> band_bytes, std::optional<std::size_t> memory_limit, bool check_finite_input) {
            return PyNetwork::from_bytes(data, name, {model, exact, conv_algorithm, isa, reference_ops, winograd_weight_budget, band_bytes},
                                         settings(threads, memory_limit, check_finite_input));
          },
          py::arg("data"), py::kw_only(), py::arg("name") = "<bytes>", py::arg("model") = py::none(), py::arg("threads") = 0,
          py::arg("exact") = false, py::arg("conv_algorithm") = py::none(), py::arg("isa") = py::none(),
          py::arg("reference_ops") = false,
          py::arg("winograd_weight_budget") = py::none(), py::arg("band_bytes") = py::none(),
          py::arg("memory_limit") = py::none(), py::arg("check_finite_input") = true,
          "A Network from the bytes of a safetensors file (e.g. shipped to a cluster's workers); `name` labels errors. "
          "Takes the same keywords as Network().")
      .def_property_readonly("config", [](const PyNetwork& n) { return n.net().config(); }, "The model's ModelConfig.")
      .def_property_readonly("isa", [](const PyNetwork& n) { return std::string(n.net().isa()); },
                             "The instruction-set level the kernels were chosen for.")
      .def_property_readonly("threads", &PyNetwork::threads, "Threads each call uses.")
      .def_property_readonly("weight_bytes", [](const PyNetwork& n) { return n.net().weight_bytes(); },
                             "Bytes of parameters held.")
      .def(
          "output_shape",
          [](const PyNetwork& n, const std::vector<std::int64_t>& shape) {
            const std::vector<std::int64_t> out = n.net().output_shape(shape);
            return py::tuple(py::cast(out));
          },
          py::arg("input_shape"),
          "The logits' shape for an input of this shape (N, 3, H, W): (N, 19, h, w) or (N, 1000).")
      .def("forward", &PyNetwork::forward, py::arg("x"), py::kw_only(), py::arg("out") = py::none(),
           R"(Logits for a batch: x is float32 N x 3 x H x W, normalised as the model expects (ImageNet mean and
std on RGB / 255). A C-contiguous float32 array is read in place; anything else (float16, float64,
another memory order) is converted once; other dtypes and empty arrays raise ValueError. Returns a
new float32 array of output_shape(x.shape), or writes into `out` (C-contiguous float32 of that shape).)")
      .def("__call__", &PyNetwork::forward, py::arg("x"), py::kw_only(), py::arg("out") = py::none(), "net(x) is net.forward(x).")
      .def("segment", &PyNetwork::segment, py::arg("picture"), py::kw_only(), py::arg("bgr") = false,
           py::arg("size") = py::none(), py::arg("keep_size") = false, py::arg("return_logits") = false,
           R"(Train ids (H x W uint8) for a picture (H x W x 3 uint8, RGB as PIL and imageio give it; bgr=True for
OpenCV's BGR): exactly what ffnet-segment --labels writes. The picture is normalised and resized to
the model's natural size (size=(h, w): to that; keep_size=True: as it is), the logits resized back
to the picture bilinearly and arg-maxed. return_logits=True: (labels, logits) with the logits as
ffnet-segment --logits writes them.)")
      .def("__repr__", [](const PyNetwork& n) {
        return "<ffnet.Network " + n.net().config().name + " isa=" + std::string(n.net().isa()) + " threads=" +
               std::to_string(n.threads()) + ">";
      });

  m.def(
      "load_image",
      [](const fs::path& path, int max_side, int max_megapixels) {
        const std::string file = checked_existing(path);
        if (max_side < 1 || max_side > ffnet::kMaxImageSideCompiled) throw py::value_error("max_side out of range");
        if (max_megapixels < 1 || max_megapixels > 4096) throw py::value_error("max_megapixels must be 1..4096");
        ffnet::Image image;
        {
          py::gil_scoped_release released;
          image = ffnet::load_image(file, {max_side, std::int64_t(max_megapixels) * 1'000'000});
        }
        return array_from(image.rgb, {image.height, image.width, 3});
      },
      py::arg("path"), py::kw_only(), py::arg("max_side") = 16384, py::arg("max_megapixels") = 100,
      "A PNG, JPEG or BMP picture as H x W x 3 uint8 RGB, decoded as ffnet-segment decodes it (grey and alpha "
      "converted, 16-bit scaled). Pictures above the limits are refused from their header (ValueError).");

  m.def(
      "colorize",
      [](const py::handle& labels_obj) {
        const py::array_t<std::uint8_t> labels = labels_array(labels_obj);
        const std::vector<std::uint8_t> ids(labels.data(), labels.data() + labels.size());
        return array_from(ffnet::colorize(ids), {labels.shape(0), labels.shape(1), 3});
      },
      py::arg("labels"), "The Cityscapes palette colour of each train id (H x W -> H x W x 3 uint8), as ffnet-segment --color.");

  m.def(
      "overlay",
      [](const py::handle& picture_obj, const py::handle& labels_obj, double alpha) {
        const py::array_t<std::uint8_t> picture = picture_array(picture_obj, "picture");
        const py::array_t<std::uint8_t> labels = labels_array(labels_obj);
        if (labels.shape(0) != picture.shape(0) || labels.shape(1) != picture.shape(1))
          throw py::value_error("labels " + shape_str(labels) + " and picture " + shape_str(picture) + " differ in size");
        if (!(alpha >= 0 && alpha <= 1)) throw py::value_error("alpha must be between 0 and 1");
        const std::vector<std::uint8_t> ids(labels.data(), labels.data() + labels.size());
        return array_from(ffnet::overlay(image_from(picture), ids, float(alpha)), {picture.shape(0), picture.shape(1), 3});
      },
      py::arg("picture"), py::arg("labels"), py::arg("alpha") = 0.5,
      "The palette colours blended over the picture, alpha * colour + (1 - alpha) * picture, as ffnet-segment --overlay.");

  m.def(
      "write_png",
      [](const fs::path& path, const py::handle& obj) {
        const py::array_t<std::uint8_t> a = readable_array<std::uint8_t>(obj, "the picture", "", "uint8");
        const bool grey = a.ndim() == 2 || (a.ndim() == 3 && a.shape(2) == 1);
        if (!grey && !(a.ndim() == 3 && a.shape(2) == 3))
          throw py::value_error("write_png takes H x W or H x W x 3 uint8, got shape " + shape_str(a));
        const std::string file = path.string();
        const std::uint8_t* pixels = a.data();
        py::gil_scoped_release released;
        ffnet::write_png(file, int(a.shape(1)), int(a.shape(0)), grey ? 1 : 3, pixels);
      },
      py::arg("path"), py::arg("array"),
      "Writes an 8-bit PNG atomically (a temporary file renamed into place), the same bytes as ffnet-segment writes.");

  m.def(
      "write_npy",
      [](const fs::path& path, const py::handle& obj) {
        const py::array_t<float> a = readable_array<float>(obj, "the array", "f", "float32");
        const std::vector<std::int64_t> shape = shape_of(a);
        const std::string file = path.string();
        const float* data = a.data();
        py::gil_scoped_release released;
        ffnet::weights::write_npy(file, {data, shape});
      },
      py::arg("path"), py::arg("array"),
      "Writes a float32 .npy atomically, the same bytes as ffnet-segment --logits.");
}
