#pragma once
// Tensors: an owning, typed array with a shape (NCHW for images), and the non-owning per-image
// views (channels x height x width) that the ops work on: typed (View, ConstView, BasicView<T>)
// or of any element type (AnyView, what the op interface passes).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "ffnet/core/dtype.hpp"
#include "ffnet/core/error.hpp"

namespace ffnet {

// "[1, 3, 512, 1024]"
inline std::string shape_string(std::span<const std::int64_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The size of one image's activations: channels x height x width, row-major.
struct Dims {
  int c = 0;
  int h = 0;
  int w = 0;

  std::size_t plane() const { return std::size_t(h) * std::size_t(w); }
  std::size_t size() const { return std::size_t(c) * plane(); }
  bool operator==(const Dims&) const = default;
  std::string str() const { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
};

// Non-owning view of one image (or of a run of its channels) of T: element (c, y, x) is at
// data[(c * h + y) * w + x] (channel-major: float maps). u8 maps (the activations of int8
// networks) are channels-last instead: element (c, y, x) at data[(y * w + x) * c_count + c], so
// that a pixel's channels are contiguous (the int8 convolution reads 4 of them per 32-bit lane);
// pixel() addresses them. Either way a band of rows is one contiguous block. A view of T
// converts to a view of const T.
template <class T>
struct BasicView {
  T* data = nullptr;
  Dims dims;

  BasicView() = default;
  BasicView(T* d, Dims s) : data(d), dims(s) {}
  template <class U>
    requires std::is_same_v<T, const U>
  BasicView(BasicView<U> v) : data(v.data), dims(v.dims) {}  // NOLINT: views convert to const freely

  // Channel-major views (float maps): the first element of channel c, of row y of channel c.
  T* channel(int c) const { return data + std::size_t(c) * dims.plane(); }
  T* row(int c, int y) const { return channel(c) + std::size_t(y) * std::size_t(dims.w); }
  // Channels-last views (u8 maps): the first of pixel (y, x)'s channels.
  T* pixel(int y, int x) const { return data + (std::size_t(y) * std::size_t(dims.w) + std::size_t(x)) * std::size_t(dims.c); }
  // Channels [first, first + count): still a contiguous C x H x W block (channel-major views).
  BasicView channels(int first, int count) const { return {channel(first), Dims{count, dims.h, dims.w}}; }
};

using View = BasicView<float>;
using ConstView = BasicView<const float>;

// A view of one image of any element type. Ops receive these and take the typed view they
// expect with as<T>(), which checks the type.
struct AnyView {
  void* data = nullptr;
  DType dtype = DType::f32;
  Dims dims;

  AnyView() = default;
  AnyView(void* d, DType t, Dims s) : data(d), dtype(t), dims(s) {}
  template <class T>
  AnyView(BasicView<T> v)  // NOLINT: a typed view is an AnyView of its type
      : data(const_cast<std::remove_const_t<T>*>(v.data)), dtype(dtype_of<std::remove_const_t<T>>()), dims(v.dims) {}

  template <class T>
  BasicView<T> as() const {
    if (dtype != dtype_of<std::remove_const_t<T>>())
      throw_internal(std::string("a view of ") + dtype_name(dtype) + " used as " + dtype_name(dtype_of<std::remove_const_t<T>>()));
    return {static_cast<T*>(data), dims};
  }
  std::size_t bytes() const { return dims.size() * dtype_size(dtype); }
};

// An owning tensor of rank 0 to 4, 64-byte aligned, zero-initialised, float32 unless said.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<std::int64_t> shape, DType dtype = DType::f32) : shape_(std::move(shape)), dtype_(dtype) {
    size_ = checked_element_count(shape_, dtype_size(dtype_));
    buffer_.resize(size_ * dtype_size(dtype_));
  }
  Tensor(std::initializer_list<std::int64_t> shape) : Tensor(std::vector<std::int64_t>(shape)) {}

  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;
  Tensor(const Tensor&) = delete;  // copies are explicit: clone()
  Tensor& operator=(const Tensor&) = delete;

  Tensor clone() const {
    Tensor t(shape_, dtype_);
    if (bytes()) std::memcpy(t.buffer_.data(), buffer_.data(), bytes());
    return t;
  }

  const std::vector<std::int64_t>& shape() const { return shape_; }
  int rank() const { return int(shape_.size()); }
  DType dtype() const { return dtype_; }
  std::size_t size() const { return size_; }  // elements
  std::size_t bytes() const { return buffer_.size(); }

  // The elements of a float32 tensor (Error(usage) for another type).
  float* data() { return data_as<float>(); }
  const float* data() const { return data_as<float>(); }
  // The elements as T, which must be the tensor's type.
  template <class T>
  T* data_as() {
    check_dtype(dtype_of<T>());
    return reinterpret_cast<T*>(buffer_.data());
  }
  template <class T>
  const T* data_as() const {
    check_dtype(dtype_of<T>());
    return reinterpret_cast<const T*>(buffer_.data());
  }
  void* raw() { return buffer_.data(); }
  const void* raw() const { return buffer_.data(); }

  // Image n of a rank-4 NCHW float32 tensor (a rank-2 [N, C] tensor: C x 1 x 1 images).
  View image(int n) {
    const Dims d = checked_image(n);
    return {data() + std::size_t(n) * d.size(), d};
  }
  ConstView image(int n) const {
    const Dims d = checked_image(n);
    return {data() + std::size_t(n) * d.size(), d};
  }
  // C x H x W of a rank-4 tensor; a rank-2 [N, C] tensor is N images of C x 1 x 1.
  Dims image_dims() const {
    if (shape_.size() == 4) return {int(shape_[1]), int(shape_[2]), int(shape_[3])};
    if (shape_.size() == 2) return {int(shape_[1]), 1, 1};
    throw_usage("tensor of shape " + shape_str() + " is not a batch of images");
  }
  int batch() const { return shape_.empty() ? 0 : int(shape_[0]); }

  std::string shape_str() const { return shape_string(shape_); }

  // Element count of a shape, refusing negative dimensions and more than kMaxAllocationBytes.
  static std::size_t checked_element_count(const std::vector<std::int64_t>& shape, std::size_t element_bytes = 4) {
    std::size_t count = 1;
    for (std::int64_t d : shape) {
      if (d < 0) throw_input("negative dimension in shape");
      if (d != 0 && count > (kMaxAllocationBytes / element_bytes) / std::size_t(d)) throw_input("tensor shape is too large");
      count *= std::size_t(d);
    }
    return count;
  }

 private:
  void check_dtype(DType want) const {
    if (dtype_ != want)
      throw_usage(std::string("tensor of ") + dtype_name(dtype_) + " read as " + dtype_name(want));
  }
  Dims checked_image(int n) const {
    const Dims d = image_dims();
    if (n < 0 || n >= batch())
      throw_usage("image " + std::to_string(n) + " of a batch of " + std::to_string(batch()));
    return d;
  }

  std::vector<std::int64_t> shape_;
  DType dtype_ = DType::f32;
  std::size_t size_ = 0;
  AlignedBuffer buffer_;
};

// A float32 batch (N x C x H x W, or N x C) in row-major memory that someone else owns: a
// Tensor's, a numpy array's. The shape is borrowed too.
template <class T>
struct BasicBatch {
  T* data = nullptr;
  std::span<const std::int64_t> shape;

  std::size_t size() const {
    std::size_t n = 1;
    for (std::int64_t d : shape) n *= std::size_t(d);
    return n;
  }
  operator BasicBatch<const T>() const  // NOLINT: batches convert to const freely
    requires(!std::is_const_v<T>)
  {
    return {data, shape};
  }
};
using Batch = BasicBatch<float>;
using ConstBatch = BasicBatch<const float>;
inline ConstBatch batch_of(const Tensor& t) { return {t.data(), t.shape()}; }
inline Batch batch_of(Tensor& t) { return {t.data(), t.shape()}; }

// The index (one per dimension) of the first element that is NaN or infinite; empty if every
// element is finite.
std::vector<std::int64_t> first_non_finite(ConstBatch values);
inline std::vector<std::int64_t> first_non_finite(const Tensor& t) { return first_non_finite(batch_of(t)); }
// Throws ffnet::Error(input) "<name>: element [n, c, y, x] is NaN (or infinite): ..." unless every
// element is finite.
void check_finite(ConstBatch values, const std::string& name);
inline void check_finite(const Tensor& t, const std::string& name) { check_finite(batch_of(t), name); }

}  // namespace ffnet
