// The qu8 indirect GEMM driver: each thread takes a run of (chunk, channel block) work items; a
// chunk is kChunkTiles tiles of MR output pixels whose tap pointers (or patches) it builds once,
// then runs every channel block's microkernel over them.
#include "ops/gemm/qu8_igemm_driver.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

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

// Float output (the logits) is channel-major, the kernels' channels-last: the tiles of a chunk
// write into a staging block (chunk pixels x NR floats), transposed into the planes a chunk row
// at a time. Kernels storing straight to planes a map apart (each tile's channels in sets of the
// cache they share) took 1.26 ms for ffnet122NS's 19 logits at 512x1024, for 0.32 ms of
// multiply-adds; staged, 0.81 ms.
std::size_t stage_bytes(const Qu8IgemmKernelInfo& kernel, bool float_output) {
  return float_output ? align64(std::size_t(kernel.nr) * chunk_pointers(kernel, 1) * sizeof(float)) : 0;
}

// Per thread: the chunk's pointers, with patches the patches (each read round_up(depth, 4)), and
// with float output the staging block.
std::size_t thread_bytes(const Qu8IgemmKernelInfo& kernel, int in_channels, int taps, bool float_output) {
  if (!qu8_igemm_gathers_patches(in_channels, taps))
    return align64(chunk_pointers(kernel, taps) * sizeof(void*)) + stage_bytes(kernel, float_output);
  const std::size_t patch = std::size_t(round_up(in_channels * taps, 4));
  return align64(chunk_pointers(kernel, 1) * sizeof(void*)) + align64(chunk_pointers(kernel, 1) * patch) +
         stage_bytes(kernel, float_output);
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
  const int out_w = s.p->out_w, mr = s.mr;
  const std::size_t pixel_bytes = std::size_t(channels), in_row = std::size_t(in_w) * pixel_bytes;
  const int tiles = std::min(kChunkTiles, ceil_div(end - first, mr));
  int oy = first / out_w, ox = first % out_w;
  for (int n = 0; n < tiles * mr; ++n) {
    if (first + n < end && n > 0 && ++ox == out_w) ox = 0, ++oy;  // past the end: the last pixel again
    const int iy0 = oy * in.stride - in.pad, ix0 = ox * in.stride - in.pad;
    const std::uint8_t** out = a + std::size_t(n / mr) * std::size_t(taps) * std::size_t(mr) + n % mr;
    const bool inside = iy0 >= 0 && iy0 + in.kernel_h <= in.height && ix0 >= 0 && ix0 + in.kernel_w <= in_w;
    const std::size_t last_fast = s.tail_start;  // pixels from here on are read from the tail copy
    const std::size_t k0 = inside ? std::size_t(iy0 - in.row0) * std::size_t(in_w) + std::size_t(ix0) : 0;
    const std::size_t k_end = k0 + std::size_t(in.kernel_h - 1) * std::size_t(in_w) + std::size_t(in.kernel_w);
    if (inside && k_end <= last_fast) {  // the whole window in place: pointers by increments
      const std::uint8_t* row = in.input.data + k0 * pixel_bytes;
      for (int ky = 0; ky < in.kernel_h; ++ky, row += in_row)
        for (int kx = 0; kx < in.kernel_w; ++kx, out += mr) *out = row + std::size_t(kx) * pixel_bytes;
      continue;
    }
    for (int ky = 0; ky < in.kernel_h; ++ky) {
      const int iy = iy0 + ky;
      for (int kx = 0; kx < in.kernel_w; ++kx, out += mr) {
        const int ix = ix0 + kx;
        if (iy < 0 || iy >= in.height || ix < 0 || ix >= in_w) {
          *out = s.zero;
          continue;
        }
        const std::size_t k = std::size_t(iy - in.row0) * std::size_t(in_w) + std::size_t(ix);
        *out = k >= s.tail_start ? s.tail + (k - s.tail_start) * pixel_bytes : in.input.data + k * pixel_bytes;
      }
    }
  }
}

// With patches: pixel i of the chunk's tile gets its taps' channels side by side (the padding's
// taps the zero point) at patches + (tile * MR + i) * patch_bytes, and a[tile * MR + i] points there.
// The bytes after the taps (patch_bytes is a multiple of 4) are read against zero weights: they
// are zeroed once per call (clear_patch_ends), never written here.
// kRowBytes: kernel_w x channels when known at compile time (9 and 21: the stems' 3x3 and 7x7
// over 3 colours; each window row one inlined copy, not a call), else 0.
template <int kRowBytes>
void build_patches(const Sources& s, int first, int end, std::uint8_t* patches, std::size_t patch_bytes,
                   const std::uint8_t** a) {
  const Qu8IgemmInput& in = s.p->in;
  const int in_w = in.input.dims.w, channels = in.input.dims.c, out_w = s.p->out_w;
  const std::size_t pixel_bytes = std::size_t(channels);
  const std::size_t row_bytes = std::size_t(in.kernel_w) * pixel_bytes;
  const std::size_t in_row = std::size_t(in_w) * pixel_bytes;
  const int tiles = std::min(kChunkTiles, ceil_div(end - first, s.mr));
  int oy = first / out_w, ox = first % out_w;
  for (int n = 0; n < tiles * s.mr; ++n) {
    if (first + n < end && n > 0 && ++ox == out_w) ox = 0, ++oy;  // past the end: the last pixel again
    const int iy0 = oy * in.stride - in.pad, ix0 = ox * in.stride - in.pad;
    std::uint8_t* dst = patches + std::size_t(n) * patch_bytes;
    a[n] = dst;
    // Where window row ky, column 0 would be, as an offset: it may lie outside the input.
    const std::ptrdiff_t window = std::ptrdiff_t(iy0 - in.row0) * std::ptrdiff_t(in_row) +
                                  std::ptrdiff_t(ix0) * std::ptrdiff_t(channels);
    if (iy0 >= 0 && iy0 + in.kernel_h <= in.height && ix0 >= 0 && ix0 + in.kernel_w <= in_w) {
      const std::uint8_t* src = in.input.data + window;
      for (int ky = 0; ky < in.kernel_h; ++ky, src += in_row, dst += row_bytes)
        std::memcpy(dst, src, kRowBytes > 0 ? std::size_t(kRowBytes) : row_bytes);
      continue;
    }
    // At the map's edges: each window row as the zero point, the columns inside, the zero point.
    const int kx0 = std::max(0, -ix0), kx1 = std::min(in.kernel_w, in_w - ix0);
    const std::uint8_t z = in.zero_point;
    for (int ky = 0; ky < in.kernel_h; ++ky, dst += row_bytes) {
      const int iy = iy0 + ky;
      if (iy < 0 || iy >= in.height || kx0 >= kx1) {
        std::memset(dst, z, row_bytes);
        continue;
      }
      const std::ptrdiff_t inside = window + std::ptrdiff_t(ky) * std::ptrdiff_t(in_row) +
                                    std::ptrdiff_t(kx0) * std::ptrdiff_t(channels);
      std::memset(dst, z, std::size_t(kx0) * pixel_bytes);
      std::memcpy(dst + std::size_t(kx0) * pixel_bytes, in.input.data + inside, std::size_t(kx1 - kx0) * pixel_bytes);
      std::memset(dst + std::size_t(kx1) * pixel_bytes, z, std::size_t(in.kernel_w - kx1) * pixel_bytes);
    }
  }
}

// Zeroes the bytes after the taps of every patch of a thread's chunk (see build_patches).
void clear_patch_ends(std::uint8_t* patches, std::size_t patch_bytes, std::size_t used, int count) {
  for (int n = 0; n < count; ++n) std::memset(patches + std::size_t(n) * patch_bytes + used, 0, patch_bytes - used);
}

// The tiles of output pixels [first, end) (one chunk) for channel block `block`; float output
// through `stage` (stage_bytes).
void run_tiles(const Qu8IgemmKernelInfo& kernel, const Qu8IgemmProblem& p, int first, int end, int block,
               const std::uint8_t* const* a, float* stage) {
  const int mr = kernel.mr, nr = kernel.nr, taps = p.weights.taps;  // 1 with patches
  const int j0 = block * nr, nr_here = std::min(nr, p.weights.out_channels - j0);
  const std::int8_t* w = p.packed + std::size_t(block) * p.weights.block_bytes();
  QuantEpilogue e = p.epilogue;
  e.correction += j0;
  if (e.weight_sum) e.weight_sum += j0;
  e.scale += j0;
  e.bias += j0;
  const bool floats = e.float_output;
  const std::size_t ld_stage = std::size_t(nr);
  for (int tile0 = first; tile0 < end; tile0 += mr, a += std::size_t(taps) * std::size_t(mr)) {
    const std::size_t pixel = std::size_t(tile0 - p.c_pixel0);
    QuantEpilogue et = e;
    if (et.residual) et.residual += pixel * et.ld_residual + std::size_t(j0);
    void* c = floats ? static_cast<void*>(stage + std::size_t(tile0 - first) * ld_stage)
                     : static_cast<void*>(static_cast<std::uint8_t*>(p.c) + pixel * p.ldc + std::size_t(j0));
    kernel.run(std::min(mr, end - tile0), nr_here, p.weights.in_channels, taps, a, w, c, floats ? ld_stage : p.ldc,
               et);
  }
  if (!floats) return;
  float* plane = static_cast<float*>(p.c) + std::size_t(j0) * p.ldc + std::size_t(first - p.c_pixel0);
  const int pixels = end - first;
  for (int j = 0; j < nr_here; ++j, plane += p.ldc)
    for (int i = 0; i < pixels; ++i) plane[i] = stage[std::size_t(i) * ld_stage + std::size_t(j)];
}

}  // namespace

bool qu8_igemm_gathers_patches(int in_channels, int taps) { return in_channels % 4 != 0 && taps > 1; }

Qu8WeightLayout qu8_igemm_weight_layout(int out_channels, int in_channels, int taps, int nr) {
  if (qu8_igemm_gathers_patches(in_channels, taps))
    return {.out_channels = out_channels, .in_channels = in_channels * taps, .taps = 1, .nr = nr};
  return {.out_channels = out_channels, .in_channels = in_channels, .taps = taps, .nr = nr};
}

void qu8_igemm_pack_weights(const std::int8_t* oihw, int in_channels, const Qu8WeightLayout& layout,
                            std::int8_t* packed) {
  if (layout.in_channels == in_channels) return qu8_pack_weights(oihw, layout, packed);
  // Patches: input channel t * C + c of the one tap is channel c of tap t.
  const int taps = layout.in_channels / in_channels;
  std::vector<std::int8_t> tap_major(std::size_t(layout.out_channels) * std::size_t(layout.in_channels));
  for (int o = 0; o < layout.out_channels; ++o)
    for (int c = 0; c < in_channels; ++c)
      for (int t = 0; t < taps; ++t)
        tap_major[std::size_t(o) * std::size_t(layout.in_channels) + std::size_t(t * in_channels + c)] =
            oihw[(std::size_t(o) * std::size_t(in_channels) + std::size_t(c)) * std::size_t(taps) + std::size_t(t)];
  qu8_pack_weights(tap_major.data(), layout, packed);
}

std::size_t qu8_igemm_scratch_bytes(const Qu8IgemmKernelInfo& kernel, int in_channels, int taps, bool float_output,
                                    int threads) {
  const EdgeBuffers edge = edge_buffers(in_channels);
  return edge.zero_bytes() + edge.tail_bytes(in_channels) +
         std::size_t(std::max(threads, 1)) * thread_bytes(kernel, in_channels, taps, float_output);
}

void qu8_igemm(const Qu8IgemmKernelInfo& kernel, const Qu8IgemmProblem& p, int threads, std::span<std::byte> scratch) {
  const int channels = p.in.input.dims.c, taps = p.in.kernel_h * p.in.kernel_w;
  const bool patches = qu8_igemm_gathers_patches(channels, taps);
  const Qu8WeightLayout want = qu8_igemm_weight_layout(p.weights.out_channels, channels, taps, kernel.nr);
  if (p.pixels <= 0 || p.out_w <= 0 || p.weights.in_channels != want.in_channels || p.weights.taps != want.taps ||
      p.weights.nr != want.nr)
    throw_internal("qu8_igemm: empty or mispacked problem");
  threads = std::max(threads, 1);
  const bool floats = p.epilogue.float_output;
  if (scratch.size() < qu8_igemm_scratch_bytes(kernel, channels, taps, floats, threads))
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
  auto* thread_base = reinterpret_cast<std::byte*>(tail + edge.tail_bytes(channels));
  const std::size_t per_thread = thread_bytes(kernel, channels, taps, floats);
  const std::size_t patch_bytes = std::size_t(round_up(channels * taps, 4));
  const int row_bytes = p.in.kernel_w * channels;
  const std::size_t pointer_bytes = align64(chunk_pointers(kernel, 1) * sizeof(void*));

  const int chunk_pixels = kChunkTiles * kernel.mr, end = p.pixel0 + p.pixels;
  const int chunks = ceil_div(p.pixels, chunk_pixels), blocks = p.weights.blocks();
  const int items = chunks * blocks;  // chunk-major: a thread's run shares chunks
  auto work = [&](int thread, int team) {
    const auto [begin, stop] = split_range(items, 1, team, thread);
    std::byte* mine = thread_base + std::size_t(thread) * per_thread;
    const auto** a = reinterpret_cast<const std::uint8_t**>(mine);
    auto* stage = reinterpret_cast<float*>(mine + per_thread - stage_bytes(kernel, floats));
    auto* patch_area = reinterpret_cast<std::uint8_t*>(mine + pointer_bytes);
    if (patches && begin < stop)
      clear_patch_ends(patch_area, patch_bytes, std::size_t(channels * taps), int(chunk_pointers(kernel, 1)));
    int built = -1;
    for (int item = begin; item < stop; ++item) {
      const int chunk = item / blocks, block = item % blocks;
      const int first = p.pixel0 + chunk * chunk_pixels, last = std::min(end, first + chunk_pixels);
      if (chunk != built) {
        if (patches)
          (row_bytes == 9 ? build_patches<9> : row_bytes == 21 ? build_patches<21> : build_patches<0>)(
              sources, first, last, patch_area, patch_bytes, a);
        else
          build_chunk(sources, first, last, a);
        built = chunk;
      }
      run_tiles(kernel, p, first, last, block, a, stage);
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
