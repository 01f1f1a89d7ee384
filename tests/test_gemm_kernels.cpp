// Microkernels, packing and the GEMM driver against naive double references.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "ffnet/core/aligned_buffer.hpp"
#include "gemm_tester.hpp"
#include "ops/gemm/gemm_driver.hpp"
#include "ops/gemm/pack.hpp"

namespace {

using namespace ffnet;
using ops::gemm::GemmEpilogue;
using ops::gemm::GemmKernelInfo;
using test::random_floats;

// Double-precision result and error scale of start + A x B (+ residual, ReLU), all row-major
// dense (start/residual may be null).
struct Reference {
  std::vector<double> value;
  std::vector<double> scale;
};

Reference reference_gemm(int m, int n, int k, const float* a, const float* b, const float* start,
                         const float* residual, bool relu) {
  Reference r{std::vector<double>(std::size_t(m) * n), std::vector<double>(std::size_t(m) * n)};
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      const std::size_t ij = std::size_t(i) * n + j;
      double sum = start ? start[ij] : 0.0;
      double scale = std::abs(sum);
      for (int p = 0; p < k; ++p) {
        const double ab = double(a[std::size_t(i) * k + p]) * double(b[std::size_t(p) * n + j]);
        sum += ab;
        scale += std::abs(ab);
      }
      if (residual) {
        sum += residual[ij];
        scale += std::abs(residual[ij]);
      }
      if (relu && sum < 0) sum = 0;
      r.value[ij] = sum;
      r.scale[ij] = scale;
    }
  }
  return r;
}

struct MicrokernelCase {
  int m = 1;
  int n = 1;
  int k = 1;
  bool bias = false;
  bool accumulate = false;  // start from C instead of the bias
  bool last_k_block = true;
  bool residual = false;
  bool relu = false;
};

MicrokernelCase with_flags(int m, int n, int k, unsigned flags) {
  return {m, n, k, bool(flags & 1), bool(flags & 2), !(flags & 4), bool(flags & 8),
          bool(flags & 16)};
}

// One microkernel call as the driver makes it, on strided C and residual with guard values
// around the mr x nr corner that must survive untouched.
void test_microkernel(const GemmKernelInfo& kernel, const MicrokernelCase& c) {
  INFO(kernel.name << " m=" << c.m << " n=" << c.n << " k=" << c.k << " bias=" << c.bias
                   << " accumulate=" << c.accumulate << " last=" << c.last_k_block
                   << " residual=" << c.residual << " relu=" << c.relu);
  const std::uint32_t seed = std::uint32_t(c.m * 7919 + c.n * 131 + c.k);
  const auto a = random_floats(std::size_t(c.m) * c.k, seed);
  const auto b = random_floats(std::size_t(c.k) * c.n, seed + 1);
  const auto bias = random_floats(std::size_t(c.m), seed + 2);
  const ops::gemm::PackedALayout layout{c.m, c.k, kernel.mr, c.k};
  AlignedArray<float> packed_a(layout.floats());
  ops::gemm::pack_a(a.data(), std::size_t(c.k), layout, packed_a.data());
  AlignedArray<float> packed_b(std::size_t(c.k) * kernel.nr);
  ops::gemm::pack_b(ops::gemm::MatrixB{b.data(), std::size_t(c.n)}, {0, c.k, 0, c.n}, kernel,
                    packed_b.data());

  const int rows = kernel.mr + 2;
  const std::size_t ldc = std::size_t(kernel.nr) + 3;
  const std::size_t ld_residual = ldc + 2;
  const auto c_before = random_floats(rows * ldc, seed + 3);
  const auto residual = random_floats(rows * ld_residual, seed + 4);
  std::vector<float> c_out = c_before;

  GemmEpilogue epilogue;
  epilogue.start = c.accumulate ? GemmEpilogue::Start::accumulate : GemmEpilogue::Start::bias;
  epilogue.bias = c.bias ? bias.data() : nullptr;
  epilogue.last_k_block = c.last_k_block;
  epilogue.residual = c.residual ? residual.data() : nullptr;
  epilogue.ld_residual = ld_residual;
  epilogue.relu = c.relu;
  kernel.run(c.m, c.n, std::size_t(c.k), packed_a.data(), packed_b.data(), c_out.data(), ldc,
             epilogue);

  std::vector<float> start(std::size_t(c.m) * c.n, 0.0f), dense_residual(start.size());
  for (int i = 0; i < c.m; ++i) {
    for (int j = 0; j < c.n; ++j) {
      const std::size_t ij = std::size_t(i) * c.n + j;
      start[ij] = c.accumulate ? c_before[i * ldc + j] : c.bias ? bias[i] : 0.0f;
      dense_residual[ij] = residual[i * ld_residual + j];
    }
  }
  const bool last = c.last_k_block;
  const Reference want = reference_gemm(c.m, c.n, c.k, a.data(), b.data(), start.data(),
                                        last && c.residual ? dense_residual.data() : nullptr,
                                        last && c.relu);
  std::vector<double> value(c_before.begin(), c_before.end()), scale(c_before.size(), 0.0);
  for (int i = 0; i < c.m; ++i) {
    for (int j = 0; j < c.n; ++j) {
      value[i * ldc + j] = want.value[std::size_t(i) * c.n + j];
      scale[i * ldc + j] = want.scale[std::size_t(i) * c.n + j];
    }
  }
  test::check_close(c_out.data(), value.data(), scale.data(), c_out.size(), "C");
}

}  // namespace

TEST_CASE("gemm microkernels: every mr x nr corner") {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    unsigned flags = 0;
    for (int m = 1; m <= kernel.mr; ++m)
      for (int n = 1; n <= kernel.nr; ++n) test_microkernel(kernel, with_flags(m, n, 3, flags++));
  }
}

TEST_CASE("gemm microkernels: depths and epilogues") {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    const int kc = kernel.blocking.kc;
    const int mr = kernel.mr;
    const int nr = kernel.nr;
    for (int k : {1, 2, 3, 5, 16, kc - 1, kc, kc + 1, 2 * kc + 1}) {
      for (unsigned flags = 0; flags < 32; ++flags) {
        test_microkernel(kernel, with_flags(mr, nr, k, flags));
        test_microkernel(kernel, with_flags(std::max(mr - 1, 1), nr - 1, k, flags));
        test_microkernel(kernel, with_flags(1, 1, k, flags));
      }
    }
  }
}

namespace {

struct DriverCase {
  int m, n, k;
  bool bias, residual, relu;
};

std::vector<DriverCase> driver_cases(const GemmKernelInfo& kernel) {
  const auto [mc, kc, nc] = kernel.blocking;
  const int mr = kernel.mr;
  const int nr = kernel.nr;
  return {
      {1, 1, 1, true, true, true},
      {mr + 1, nr + 1, kc + 1, true, false, true},
      {2 * mr + 3, nc + nr + 5, 2 * kc + 3, false, true, false},
      {mc + mr + 1, 2 * nc + 1, 7, true, true, true},
      {3, 1000, 30, true, true, false},
      {2 * mc + 5, 3, kc + 17, true, false, false},
  };
}

// Runs the driver on a plain-matrix B with `threads` threads.
std::vector<float> run_driver(const GemmKernelInfo& kernel, const DriverCase& c,
                              const std::vector<float>& a, const std::vector<float>& b,
                              const std::vector<float>& bias,
                              const std::vector<float>& residual, int threads) {
  const auto layout = ops::gemm::packed_a_layout(kernel, c.m, c.k);
  AlignedArray<float> packed_a(layout.floats());
  ops::gemm::pack_a(a.data(), std::size_t(c.k), layout, packed_a.data());
  std::vector<float> out(std::size_t(c.m) * c.n, -7.0f);
  ops::gemm::GemmProblem problem;
  problem.m = c.m;
  problem.n = c.n;
  problem.k = c.k;
  problem.packed_a = packed_a.data();
  problem.b = ops::gemm::MatrixB{b.data(), std::size_t(c.n)};
  problem.out = {out.data(), std::size_t(c.n), c.bias ? bias.data() : nullptr,
                 c.residual ? residual.data() : nullptr, std::size_t(c.n), c.relu};
  std::vector<float> scratch(ops::gemm::gemm_scratch_floats(kernel, c.n, c.k, threads));
  ops::gemm::gemm(kernel, problem, threads, scratch);
  return out;
}

}  // namespace

TEST_CASE("gemm driver: blocking edges, threads bit-identical, SIMD matches scalar") {
  const GemmKernelInfo& scalar = ops::gemm::default_gemm_kernel(ffnet::DType::f32, ops::Isa::scalar);
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    for (const DriverCase& c : driver_cases(kernel)) {
      INFO(kernel.name << " m=" << c.m << " n=" << c.n << " k=" << c.k);
      const auto a = random_floats(std::size_t(c.m) * c.k, 1);
      const auto b = random_floats(std::size_t(c.k) * c.n, 2);
      const auto bias = random_floats(std::size_t(c.m), 3);
      const auto residual = random_floats(std::size_t(c.m) * c.n, 4);
      const auto one = run_driver(kernel, c, a, b, bias, residual, 1);

      std::vector<float> start(std::size_t(c.m) * c.n, 0.0f);
      for (int i = 0; i < c.m; ++i)
        for (int j = 0; j < c.n; ++j) start[std::size_t(i) * c.n + j] = c.bias ? bias[i] : 0.0f;
      const Reference want = reference_gemm(c.m, c.n, c.k, a.data(), b.data(), start.data(),
                                            c.residual ? residual.data() : nullptr, c.relu);
      test::check_close(one.data(), want.value.data(), want.scale.data(), one.size(), "driver");

      for (int threads : {2, 3}) {
        const auto many = run_driver(kernel, c, a, b, bias, residual, threads);
        INFO("threads=" << threads);
        CHECK(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0);
      }

      const auto by_scalar = run_driver(scalar, c, a, b, bias, residual, 1);
      const std::vector<double> scalar_value(by_scalar.begin(), by_scalar.end());
      test::check_close(one.data(), scalar_value.data(), want.scale.data(), one.size(),
                        "SIMD vs scalar");
    }
  }
}

TEST_CASE("pack_run: every ISA variant, any length, stride and border, reads only the row") {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    for (int stride : {1, 2, 3}) {
      for (int len = 1; len <= 70; ++len) {
        for (int x0 : {-2, 0, 1}) {
          for (int cut : {0, 1, 5}) {  // columns of the run's span missing at the right
            const int width = std::max(1, x0 + (len - 1) * stride + 1 - cut);
            // Exactly the row, so that ASan sees any read beyond it.
            const auto image = random_floats(std::size_t(width), std::uint32_t(len));
            std::vector<float> dst(std::size_t(len) + 1, -3.0f);
            const ops::gemm::PackRun run{image.data(), std::size_t(width), 1, width, 1, 1, stride,
                                         0, 1, 0, x0, len, dst.data(), std::size_t(len)};
            kernel.pack_run(run);
            int mismatches = dst[len] != -3.0f;
            for (int t = 0; t < len; ++t) {
              const int x = x0 + t * stride;
              mismatches += dst[t] != (x >= 0 && x < width ? image[x] : 0.0f);
            }
            INFO(kernel.name << " stride " << stride << " len " << len << " x0 " << x0
                             << " width " << width);
            CHECK(mismatches == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("pack_b im2col: every element matches a naive im2col, borders included") {
  int seed = 0;
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    const int nr = kernel.nr;
    for (int kernel_size : {1, 2, 3, 5}) {
      for (int stride : {1, 2, 3}) {
        for (int pad : {0, 1, 3}) {
          for (const auto& size : {std::pair{1, 1}, {4, 3}, {9, 20}, {3, 75}}) {
            const int h = size.first, w = size.second;  // plain ints: INFO captures them
            if (h + 2 * pad < kernel_size || w + 2 * pad < kernel_size) continue;
            const int out_h = (h + 2 * pad - kernel_size) / stride + 1;
            const int out_w = (w + 2 * pad - kernel_size) / stride + 1;
            const int channels = 2;
            const auto input =
                random_floats(std::size_t(channels) * h * w, std::uint32_t(++seed));
            const ops::gemm::Im2colB source{ConstView(input.data(), Dims{channels, h, w}),
                                            kernel_size, kernel_size, stride, pad, out_w};
            const int k = channels * kernel_size * kernel_size;
            const int n = out_h * out_w;
            // A tile that starts inside the matrix, so that k0 and n0 offsets are exercised.
            const ops::gemm::BTile tile{k / 3, k - k / 3, n / 4, n - n / 4};
            const int panels = (tile.nc + nr - 1) / nr;
            std::vector<float> packed(std::size_t(panels) * tile.kc * nr, -1.0f);
            ops::gemm::pack_b(source, tile, kernel, packed.data());
            int mismatches = 0;
            for (int kk = 0; kk < tile.kc; ++kk) {
              for (int col = 0; col < panels * nr; ++col) {
                float want = 0.0f;
                if (col < tile.nc) {
                  const int kidx = tile.k0 + kk, pixel = tile.n0 + col;
                  const int c = kidx / (kernel_size * kernel_size);
                  const int ky = kidx / kernel_size % kernel_size, kx = kidx % kernel_size;
                  const int iy = pixel / out_w * stride - pad + ky;
                  const int ix = pixel % out_w * stride - pad + kx;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) want = input[(c * h + iy) * w + ix];
                }
                const float got = packed[(std::size_t(col / nr) * tile.kc + kk) * nr + col % nr];
                mismatches += got != want;
              }
            }
            INFO(kernel.name << ": kernel " << kernel_size << " stride " << stride << " pad "
                             << pad << " input " << h << "x" << w);
            CHECK(mismatches == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("kernel_for_columns: a narrower kernel reading the same packed A, only when it pads less") {
  for (const GemmKernelInfo& kernel : ops::gemm::gemm_kernels()) {
    if (!test::can_run(kernel)) continue;
    for (int columns = 1; columns <= 2 * kernel.nr; ++columns) {
      INFO(kernel.name << " columns=" << columns);
      const GemmKernelInfo& chosen = ops::gemm::kernel_for_columns(kernel, columns, ops::best_isa());
      CHECK(test::can_run(chosen));
      CHECK(chosen.mr == kernel.mr);
      CHECK(chosen.blocking.kc == kernel.blocking.kc);
      CHECK(chosen.winograd.kc == kernel.winograd.kc);
      CHECK(chosen.winograd.tiles == kernel.winograd.tiles);
      const auto padded = [&](const GemmKernelInfo& k) { return (columns + k.nr - 1) / k.nr * k.nr; };
      if (columns >= kernel.nr) CHECK(&chosen == &kernel);
      if (&chosen != &kernel) CHECK(padded(chosen) < padded(kernel));
    }
  }
  // The case it exists for: FFNet's 4x8 maps on the AVX-512 kernel.
  const GemmKernelInfo* wide = ops::gemm::find_gemm_kernel("f32_gemm_6x64__avx512");
#if defined(__x86_64__)
  REQUIRE(wide != nullptr);
#else
  REQUIRE(wide == nullptr);  // the x86 kernels are built for x86-64 hosts only
  MESSAGE("skipped the AVX-512 case: not an x86-64 build");
  return;
#endif
  if (test::can_run(*wide))
    CHECK(ops::gemm::kernel_for_columns(*wide, 32, ops::best_isa()).name == "f32_gemm_6x16__avx2_fma");
  else
    MESSAGE("skipped the AVX-512 case: this CPU has no AVX-512");
}
