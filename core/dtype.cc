#include "core/dtype.h"

#include "core/error.h"

namespace graphrun {

namespace {
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kFloat32, "float32", 4}, {DType::kFloat64, "float64", 8}, {DType::kInt32, "int32", 4},
    {DType::kInt64, "int64", 8},     {DType::kUInt8, "uint8", 1},     {DType::kBool, "bool", 1},
    {DType::kBFloat16, "bfloat16", 2},
};
}  // namespace

size_t dtype_size(DType dtype) {
  for (const auto& info : kDTypes)
    if (info.dtype == dtype) return info.size;
  fail("invalid dtype {}", static_cast<int>(dtype));
}

std::string_view dtype_name(DType dtype) {
  for (const auto& info : kDTypes)
    if (info.dtype == dtype) return info.name;
  return "invalid";
}

DType parse_dtype(std::string_view name) {
  for (const auto& info : kDTypes)
    if (info.name == name) return info.dtype;
  fail("unknown dtype '{}' (known: float32, float64, int32, int64, uint8, bool, bfloat16)", name);
}

bool is_floating(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kFloat64; }

}  // namespace graphrun
