// ONNX tensors (TensorProto) to graphrun's: float weights as raw little-endian bytes (from
// raw_data or float_data / double_data, as older exporters write them), integer tensors for
// load-time shape arithmetic, and external data read from files beside the model only.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/proto/graph.pb.h"
#include "core/tensor.h"

namespace graphrun::onnx_import {

// Replaces a tensor's external data by its bytes. The data file must lie inside the model's
// folder: an absolute path or one that leaves it ("../x") is refused, naming the tensor.
void load_external_data(onnx::TensorProto& tensor, const std::filesystem::path& folder, const std::string& model_path);

// A float32 / float64 initializer as a graphrun tensor proto (raw bytes); other types are refused.
proto::Tensor float_tensor(const onnx::TensorProto& tensor, const std::string& origin);
// The same, moving raw data out of the initializer instead of copying it (a weight read by one
// node only: VGG-16's 553 MB are then held once, not twice).
proto::Tensor take_float_tensor(onnx::TensorProto& tensor, const std::string& origin);
// A 2-D tensor proto transposed ([in, out] weights of MatMul or Gemm transB=0 to Dense's [out, in]).
proto::Tensor transposed(const proto::Tensor& matrix);
// An int64 / int32 tensor's dims and values; nullopt for other types.
std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>> decode_ints(const onnx::TensorProto& tensor);
// A float32 / float64 tensor's values as doubles, for arithmetic at load time.
std::vector<double> float_values(const onnx::TensorProto& tensor, const std::string& origin);
// A tensor proto of `dtype` (DT_FLOAT or DT_DOUBLE) and `dims` holding the values (row-major).
proto::Tensor vector_tensor(const std::vector<double>& values, proto::DataType dtype, const std::vector<int64_t>& dims);
// graphrun's dtype for a float ONNX tensor: DT_DOUBLE for DOUBLE, else DT_FLOAT.
proto::DataType graphrun_dtype(const onnx::TensorProto& tensor);
// The value of a one-element float32 / float64 tensor (a Dropout ratio, Clip bound, Pad value).
float scalar_float(const onnx::TensorProto& tensor);
// A value initializer's tensor proto as a Tensor.
Tensor tensor_from_onnx_value(const proto::Tensor& value, const std::string& origin);

}  // namespace graphrun::onnx_import
