// Element types. The numbering matches graph.proto's DataType so conversion is a cast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bfloat16.h"

namespace graphrun {

enum class DType : int { kInvalid = 0, kFloat32 = 1, kFloat64 = 2, kInt32 = 3, kInt64 = 4, kUInt8 = 5, kBool = 6, kBFloat16 = 7 };

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);  // "float32", "int64", ...
DType parse_dtype(std::string_view name);  // throws Error listing the valid names
bool is_floating(DType dtype);

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <> constexpr DType dtype_of<double>() { return DType::kFloat64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kInt64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kUInt8; }
template <> constexpr DType dtype_of<bool>() { return DType::kBool; }
template <> constexpr DType dtype_of<bfloat16>() { return DType::kBFloat16; }

}  // namespace graphrun
