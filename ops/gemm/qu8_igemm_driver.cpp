// The qu8 indirect GEMM driver: each thread takes a run of (chunk, channel block) work items; a
// chunk is kChunkTiles tiles of MR output pixels whose tap pointers it builds once, then runs
// every channel block's microkernel over them.
#include "ops/gemm/qu8_igemm_driver.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "ffnet/core/error.hpp"
#include "ops/gemm/block_math.hpp"
#include "ops/gemm/thread_split.hpp"

namespace ffnet::ops::gemm {
namespace {

// 16 tiles (128 pixels of the 8-pixel kernel) per chunk: a 3x3 layer's chunk reads about three
// input rows' worth of pixels, which stay in L2 while every weight block (at most 73 KiB at 256
// channels) passes over them; building the pointers costs about 1/(NR x channels / 4) of the
// multiply-adds.
constexpr int kChunkTiles = 16;

std::size_t align64(std::size_t n) { return (n + 63) / 64 * 64; }

// A pointer reads round_up(channels, 4) bytes: past the end of the input for the last pixels
// when channels % 4 != 0. Those pixels are read from a copy (`tail`) with room after it.
struct EdgeBuffers {
  int read = 0;          // bytes each pointer reads
  int tail_pixels = 0;   // the last pixels read from the copy (0 when channels % 4 == 0)
  std::size_t zero_bytes() const { return align64(std::size_t(read)); }
  std::size_t tail_bytes(int channels) const {
    return align64(std::size_t(tail_pixels) * std::size_t(channels) + std::size_t(read));
  }
};

EdgeBuffers edge_buffers(int channels) {
  EdgeBuffers e;
  e.read = round_up(channels, 4);
  e.tail_pixels = channels % 4 == 0 ? 0 : ceil_div(e.read, channels);
  return e;
}

std::size_t chunk_pointers(const Qu8IgemmKernelInfo& kernel, int taps) {
  return std::size_t(kChunkTiles) * std::size_t(taps) * std::size_t(kernel.mr);
}

struct Sources {  // where the pointers of a chunk come from
  const Qu8IgemmProblem* p;
  int mr;
  const std::uint8_t* zero;
  const std::uint8_t* tail;
  std::size_t tail_start;  // input pixel index of the tail's first pixel
};

// The pointers of the tiles starting at output pixel `first` (up to kChunkTiles of them, the
// last tile's missing pixels repeating the last pixel): a[tile][tap][pixel in tile].
void build_chunk(const Sources& s, int first, int end, const std::uint8_t** a) {
  const Qu8IgemmInput& in = s.p->in;
  const int in_w = in.input.dims.w, channels = in.input.dims.c, taps = in.kernel_h * in.kernel_w;
  const int tiles = std::min(kChunkTiles, ceil_div(end - first, s.mr));
  for (int tile = 0; tile < tiles; ++tile)
    for (int i = 0; i < s.mr; ++i) {
      const int q = std::min(first + tile * s.mr + i, end - 1);
      const int iy0 = q / s.p->out_w * in.stride - in.pad, ix0 = q % s.p->out_w * in.stride - in.pad;
      const std::uint8_t** out = a + std::size_t(tile) * std::size_t(taps) * std::size_t(s.mr) + i;
      for (int ky = 0; ky < in.kernel_h; ++ky) {
        const int iy = iy0 + ky;
        for (int kx = 0; kx < in.kernel_w; ++kx, out += s.mr) {
          const int ix = ix0 + kx;
          if (iy < 0 || iy >= in.height || ix < 0 || ix >= in_w) {
            *out = s.zero;
            continue;
          }
          const std::size_t k = std::size_t(iy - in.row0) * std::size_t(in_w) + std::size_t(ix);
          *out = k >= s.tail_start ? s.tail + (k - s.tail_start) * std::size_t(channels)
                                   : in.input.data + k * std::size_t(channels);
        }
      }
    }
}

void run_tiles(const Qu8IgemmKernelInfo& kernel, const Qu8IgemmProblem& p, int first, int end, int block,
               const std::uint8_t* const* a) {
  const int mr = kernel.mr, nr = kernel.nr, taps = p.in.kernel_h * p.in.kernel_w;
  const int j0 = block * nr, nr_here = std::min(nr, p.weights.out_channels - j0);
  const std::int8_t* w = p.packed + std::size_t(block) * p.weights.block_bytes();
  QuantEpilogue e = p.epilogue;
  e.correction += j0;
  e.scale += j0;
  e.bias += j0;
  const bool floats = e.float_output;
  for (int tile0 = first; tile0 < end; tile0 += mr, a += std::size_t(taps) * std::size_t(mr)) {
    const std::size_t pixel = std::size_t(tile0 - p.c_pixel0);
    QuantEpilogue et = e;
    if (et.residual) et.residual += pixel * et.ld_residual + std::size_t(j0);
    void* c = floats ? static_cast<void*>(static_cast<float*>(p.c) + std::size_t(j0) * p.ldc + pixel)
                     : static_cast<void*>(static_cast<std::uint8_t*>(p.c) + pixel * p.ldc + std::size_t(j0));
    kernel.run(std::min(mr, end - tile0), nr_here, p.weights.in_channels, taps, a, w, c, p.ldc, et);
  }
}

}  // namespace

std::size_t qu8_igemm_scratch_bytes(const Qu8IgemmKernelInfo& kernel, int in_channels, int taps, int threads) {
  const EdgeBuffers edge = edge_buffers(in_channels);
  return edge.zero_bytes() + edge.tail_bytes(in_channels) +
         std::size_t(std::max(threads, 1)) * align64(chunk_pointers(kernel, taps) * sizeof(void*));
}

void qu8_igemm(const Qu8IgemmKernelInfo& kernel, const Qu8IgemmProblem& p, int threads, std::span<std::byte> scratch) {
  const int channels = p.in.input.dims.c, taps = p.in.kernel_h * p.in.kernel_w;
  if (p.pixels <= 0 || channels != p.weights.in_channels || taps != p.weights.taps || p.weights.nr != kernel.nr ||
      p.out_w <= 0)
    throw_internal("qu8_igemm: empty or mispacked problem");
  threads = std::max(threads, 1);
  if (scratch.size() < qu8_igemm_scratch_bytes(kernel, channels, taps, threads))
    throw_internal("qu8_igemm: scratch too small");
  if (reinterpret_cast<std::uintptr_t>(scratch.data()) % 64 != 0) throw_internal("qu8_igemm: scratch not aligned");

  const EdgeBuffers edge = edge_buffers(channels);
  auto* zero = reinterpret_cast<std::uint8_t*>(scratch.data());
  std::memset(zero, p.in.zero_point, std::size_t(edge.read));
  std::uint8_t* tail = zero + edge.zero_bytes();
  const std::size_t in_pixels = std::size_t(p.in.input.dims.h) * std::size_t(p.in.input.dims.w);
  const std::size_t tail_pixels = std::min(in_pixels, std::size_t(edge.tail_pixels));
  const std::size_t tail_start = in_pixels - tail_pixels;
  std::memset(tail, 0, edge.tail_bytes(channels));
  std::memcpy(tail, p.in.input.data + tail_start * std::size_t(channels), tail_pixels * std::size_t(channels));
  const Sources sources{&p, kernel.mr, zero, tail, edge.tail_pixels == 0 ? in_pixels : tail_start};
  auto* pointers = reinterpret_cast<const std::uint8_t**>(tail + edge.tail_bytes(channels));
  const std::size_t per_thread = align64(chunk_pointers(kernel, taps) * sizeof(void*)) / sizeof(void*);

  const int chunk_pixels = kChunkTiles * kernel.mr, end = p.pixel0 + p.pixels;
  const int chunks = ceil_div(p.pixels, chunk_pixels), blocks = p.weights.blocks();
  const int items = chunks * blocks;  // chunk-major: a thread's run shares chunks
  auto work = [&](int thread, int team) {
    const auto [begin, stop] = split_range(items, 1, team, thread);
    const std::uint8_t** a = pointers + std::size_t(thread) * per_thread;
    int built = -1;
    for (int item = begin; item < stop; ++item) {
      const int chunk = item / blocks, block = item % blocks;
      const int first = p.pixel0 + chunk * chunk_pixels, last = std::min(end, first + chunk_pixels);
      if (chunk != built) {
        build_chunk(sources, first, last, a);
        built = chunk;
      }
      run_tiles(kernel, p, first, last, block, a);
    }
  };
  if (threads == 1 || items == 1) {
    work(0, 1);
    return;
  }
#pragma omp parallel num_threads(std::min(threads, items))
  work(omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace ffnet::ops::gemm
