#pragma once
// Element types of tensors, activations and weight files.
#include <cstddef>
#include <cstdint>

namespace ffnet {

enum class DType : std::uint8_t { f32, f16, bf16, f64, i8, u8, i16, i32, i64, boolean };

// Bytes per element.
constexpr std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f64:
    case DType::i64: return 8;
    case DType::f32:
    case DType::i32: return 4;
    case DType::f16:
    case DType::bf16:
    case DType::i16: return 2;
    case DType::i8:
    case DType::u8:
    case DType::boolean: return 1;
  }
  return 0;
}

// The names safetensors uses: F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL.
const char* dtype_name(DType dtype);

// The DType of a C++ element type (float, std::int8_t, ...), for typed access checks.
template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::i16; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }

}  // namespace ffnet
