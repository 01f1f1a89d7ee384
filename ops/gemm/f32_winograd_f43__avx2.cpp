// Winograd F(4x4, 3x3) input and output transforms, compiled for avx2 (winograd_transform.hpp).
#include "ops/gemm/winograd_transform.hpp"

namespace ffnet::ops::gemm {

void f32_winograd_f43_input__avx2(const WinogradInput& job) { winograd_input_with(job); }
void f32_winograd_f43_output__avx2(const WinogradOutput& job) { winograd_output_with(job); }

}  // namespace ffnet::ops::gemm
