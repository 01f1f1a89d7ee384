// The kernel table. Within each ISA the first entry is the default; block sizes come from
// bench_gemm on FFNet's layer shapes (see the comment on each entry).
#include "ops/gemm/kernel_table.hpp"

#include "ffnet/error.hpp"

namespace ffnet::ops::gemm {
namespace {

constexpr GemmKernelInfo kKernels[] = {
#if defined(__x86_64__)  // the SIMD kernel libraries are built for x86-64 hosts only
    {"f32_gemm_8x48__avx512", Isa::avx512, 8, 48, f32_gemm_8x48__avx512, f32_pack_row__avx512,
     {128, 256, 384}},
    {"f32_gemm_14x32__avx512", Isa::avx512, 14, 32, f32_gemm_14x32__avx512, f32_pack_row__avx512,
     {126, 256, 384}},
    {"f32_gemm_6x64__avx512", Isa::avx512, 6, 64, f32_gemm_6x64__avx512, f32_pack_row__avx512,
     {126, 256, 384}},
    {"f32_gemm_6x16__avx2_fma", Isa::avx2_fma, 6, 16, f32_gemm_6x16__avx2_fma, f32_pack_row__avx2,
     {126, 256, 384}},
#endif
    {"f32_gemm_4x16__scalar", Isa::scalar, 4, 16, f32_gemm_4x16__scalar, f32_pack_row__scalar,
     {128, 256, 256}},
};

}  // namespace

std::span<const GemmKernelInfo> gemm_kernels() { return kKernels; }

const GemmKernelInfo& default_gemm_kernel(Isa isa) {
  for (const GemmKernelInfo& k : kKernels)
    if (k.isa == isa) return k;
  throw_internal("no GEMM kernel for ISA " + std::string(isa_name(isa)));
}

const GemmKernelInfo* find_gemm_kernel(std::string_view name) {
  for (const GemmKernelInfo& k : kKernels)
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace ffnet::ops::gemm
