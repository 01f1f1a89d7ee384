#pragma once
// Tensors: an owning float32 array with a shape (NCHW for images), and the non-owning
// per-image views (channels x height x width) that the ops work on.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"

namespace ffnet {

// The size of one image's activations: channels x height x width, row-major.
struct Dims {
  int c = 0;
  int h = 0;
  int w = 0;

  std::size_t plane() const { return std::size_t(h) * std::size_t(w); }
  std::size_t size() const { return std::size_t(c) * plane(); }
  bool operator==(const Dims&) const = default;
  std::string str() const {
    return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
  }
};

// Non-owning view of one image (or of a run of its channels): element (c, y, x) is at
// data[(c * h + y) * w + x].
struct View {
  float* data = nullptr;
  Dims dims;

  float* channel(int c) const { return data + std::size_t(c) * dims.plane(); }
  float* row(int c, int y) const { return channel(c) + std::size_t(y) * std::size_t(dims.w); }
  // Channels [first, first + count): still a contiguous C x H x W block.
  View channels(int first, int count) const {
    return {channel(first), Dims{count, dims.h, dims.w}};
  }
};

struct ConstView {
  const float* data = nullptr;
  Dims dims;

  ConstView() = default;
  ConstView(const float* d, Dims s) : data(d), dims(s) {}
  ConstView(View v) : data(v.data), dims(v.dims) {}  // NOLINT: views convert to const freely

  const float* channel(int c) const { return data + std::size_t(c) * dims.plane(); }
  const float* row(int c, int y) const {
    return channel(c) + std::size_t(y) * std::size_t(dims.w);
  }
  ConstView channels(int first, int count) const {
    return {channel(first), Dims{count, dims.h, dims.w}};
  }
};

// An owning float32 tensor of rank 1 to 4, 64-byte aligned, zero-initialised.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<std::int64_t> shape) : shape_(std::move(shape)) {
    buffer_.resize(checked_element_count(shape_));
  }
  Tensor(std::initializer_list<std::int64_t> shape) : Tensor(std::vector<std::int64_t>(shape)) {}

  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;
  Tensor(const Tensor&) = delete;  // copies are explicit: clone()
  Tensor& operator=(const Tensor&) = delete;

  Tensor clone() const {
    Tensor t(shape_);
    for (std::size_t i = 0; i < size(); ++i) t.data()[i] = data()[i];
    return t;
  }

  const std::vector<std::int64_t>& shape() const { return shape_; }
  int rank() const { return int(shape_.size()); }
  std::size_t size() const { return buffer_.size(); }
  float* data() { return buffer_.data(); }
  const float* data() const { return buffer_.data(); }

  // Image n of a rank-4 NCHW tensor.
  View image(int n) {
    Dims d = image_dims();
    return {data() + std::size_t(n) * d.size(), d};
  }
  ConstView image(int n) const {
    Dims d = image_dims();
    return {data() + std::size_t(n) * d.size(), d};
  }
  // C x H x W of a rank-4 tensor; a rank-2 [N, C] tensor is N images of C x 1 x 1.
  Dims image_dims() const {
    if (shape_.size() == 4) return {int(shape_[1]), int(shape_[2]), int(shape_[3])};
    if (shape_.size() == 2) return {int(shape_[1]), 1, 1};
    throw_usage("tensor of shape " + shape_str() + " is not a batch of images");
  }
  int batch() const { return shape_.empty() ? 0 : int(shape_[0]); }

  std::string shape_str() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape_.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape_[i]);
    return s + "]";
  }

  // Element count of a shape, refusing negative dimensions and overflow.
  static std::size_t checked_element_count(const std::vector<std::int64_t>& shape) {
    std::size_t count = 1;
    for (std::int64_t d : shape) {
      if (d < 0) throw_input("negative dimension in shape");
      if (d != 0 && count > (kMaxAllocationBytes / sizeof(float)) / std::size_t(d))
        throw_input("tensor shape is too large");
      count *= std::size_t(d);
    }
    return count;
  }

 private:
  std::vector<std::int64_t> shape_;
  AlignedBuffer buffer_;
};

// The index (one per dimension) of the first element of `t` that is NaN or infinite; empty if
// every element is finite.
std::vector<std::int64_t> first_non_finite(const Tensor& t);
// Throws ffnet::Error(input) "<name>: element [n, c, y, x] is NaN (or infinite): ..." unless every
// element of `t` is finite.
void check_finite(const Tensor& t, const std::string& name);

}  // namespace ffnet
