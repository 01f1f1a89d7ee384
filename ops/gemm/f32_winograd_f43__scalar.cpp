// Winograd F(4x4, 3x3) input and output transforms, compiled for scalar (winograd_transform.hpp).
#include "ops/gemm/winograd_transform.hpp"

namespace ffnet::ops::gemm {

void f32_winograd_f43_input__scalar(const WinogradInput& job) { winograd_input_with(job); }
void f32_winograd_f43_output__scalar(const WinogradOutput& job) { winograd_output_with(job); }

}  // namespace ffnet::ops::gemm
