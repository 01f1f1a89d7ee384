#pragma once
// The fully connected layer's dot products (a memory-bound GEMV), one file per instruction-set
// family: linear_dot__<family>.cpp, picked by the build for the host's CPU family.
//
// Every row is computed the same way however rows are grouped: 8 lanes of partial sums over i
// (lane l holds the products of i = l mod 8, each multiplied then added, never fused), reduced
// as ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)), then the tail added in order. So the
// result does not depend on the grouping or on which thread runs a row.

namespace ffnet::ops {

// dots[r] = sum over i < in_features of weight[r * in_features + i] * x[i], for r < rows (1 to 4).
void dot_rows(const float* weight, int rows, int in_features, const float* x, float* dots);

}  // namespace ffnet::ops
