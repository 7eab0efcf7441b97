#include "core/onnx/onnx_tensor.h"

#include <cstring>
#include <fstream>

#include "core/error.h"

namespace graphrun::onnx_import {

namespace {

template <typename T>
std::string bytes_of(const google::protobuf::RepeatedField<T>& values) {
  std::string raw(values.size() * sizeof(T), '\0');
  if (!raw.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

int64_t element_count(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) fail("tensor '{}' has a negative dimension {}", t.name(), d);
    n *= d;
  }
  return n;
}

}  // namespace

void load_external_data(onnx::TensorProto& t, const std::filesystem::path& folder, const std::string& model_path) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL) return;
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::stoll(kv.value());
    else if (kv.key() == "length") length = std::stoll(kv.value());
  }
  if (location.empty()) fail("{}: tensor '{}' has external data without a location", model_path, t.name());
  std::filesystem::path rel(location);
  std::filesystem::path base = std::filesystem::weakly_canonical(folder.empty() ? "." : folder);
  std::filesystem::path file = std::filesystem::weakly_canonical(base / rel);
  auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (rel.is_absolute() || b != base.end())
    fail("{}: tensor '{}' has external data at '{}', outside the model's folder; refused (keep the data files "
         "beside the model)",
         model_path, t.name(), location);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot open external data '{}' of tensor '{}'", model_path, file.string(), t.name());
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (offset < 0 || offset > size) fail("{}: tensor '{}': offset {} is beyond '{}'", model_path, t.name(), offset, location);
  if (length < 0) length = size - offset;
  if (offset + length > size) fail("{}: tensor '{}': {} bytes at {} run past the end of '{}'", model_path, t.name(), length, offset, location);
  std::string raw(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(raw.data(), length);
  t.set_raw_data(std::move(raw));
  t.clear_external_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
}

namespace {

// A float tensor's dtype and shape into `out`; returns the element size. Other types are refused.
size_t float_header(const onnx::TensorProto& t, const std::string& origin, proto::Tensor& out) {
  for (int64_t d : t.dims()) out.mutable_shape()->add_dim(d);
  if (t.data_type() == onnx::TensorProto::FLOAT) return out.set_dtype(proto::DT_FLOAT), 4;
  if (t.data_type() == onnx::TensorProto::DOUBLE) return out.set_dtype(proto::DT_DOUBLE), 8;
  fail("{}: tensor '{}' has element type {}; graphrun's weights are float32 or float64", origin, t.name(),
       onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(t.data_type())));
}

void check_bytes(const onnx::TensorProto& t, const proto::Tensor& out, size_t element, const std::string& origin) {
  const size_t need = static_cast<size_t>(element_count(t)) * element;
  if (out.raw().size() != need)
    fail("{}: tensor '{}' has {} bytes of data, its shape needs {}", origin, t.name(), out.raw().size(), need);
}

}  // namespace

proto::Tensor float_tensor(const onnx::TensorProto& t, const std::string& origin) {
  proto::Tensor out;
  const size_t element = float_header(t, origin, out);
  if (t.has_raw_data()) out.set_raw(t.raw_data());
  else out.set_raw(element == 4 ? bytes_of(t.float_data()) : bytes_of(t.double_data()));
  check_bytes(t, out, element, origin);
  return out;
}

proto::Tensor take_float_tensor(onnx::TensorProto& t, const std::string& origin) {
  if (!t.has_raw_data()) return float_tensor(t, origin);
  proto::Tensor out;
  const size_t element = float_header(t, origin, out);
  out.set_raw(std::move(*t.mutable_raw_data()));
  t.mutable_raw_data()->clear();  // a second reader gets "0 bytes of data" naming the tensor
  check_bytes(t, out, element, origin);
  return out;
}

proto::Tensor transposed(const proto::Tensor& m) {
  GR_CHECK(m.shape().dim_size() == 2, "transposed() of a rank-{} tensor", m.shape().dim_size());
  const int64_t rows = m.shape().dim(0), cols = m.shape().dim(1);
  const size_t size = m.dtype() == proto::DT_DOUBLE ? 8 : 4;
  proto::Tensor out;
  out.set_dtype(m.dtype());
  out.mutable_shape()->add_dim(cols);
  out.mutable_shape()->add_dim(rows);
  std::string raw(m.raw().size(), '\0');
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      std::memcpy(raw.data() + (c * rows + r) * size, m.raw().data() + (r * cols + c) * size, size);
  out.set_raw(std::move(raw));
  return out;
}

std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>> decode_ints(const onnx::TensorProto& t) {
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end()), values;
  const int64_t n = element_count(t);
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(n) * 8) return std::nullopt;
      values.resize(n);
      if (n) std::memcpy(values.data(), t.raw_data().data(), n * 8);
    } else {
      values.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(n) * 4) return std::nullopt;
      std::vector<int32_t> v(n);
      if (n) std::memcpy(v.data(), t.raw_data().data(), n * 4);
      values.assign(v.begin(), v.end());
    } else {
      values.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  if (static_cast<int64_t>(values.size()) != n) return std::nullopt;
  return std::make_pair(dims, values);
}

std::vector<double> float_values(const onnx::TensorProto& t, const std::string& origin) {
  proto::Tensor raw = float_tensor(t, origin);
  const bool is_double = raw.dtype() == proto::DT_DOUBLE;
  std::vector<double> values(raw.raw().size() / (is_double ? 8 : 4));
  for (size_t i = 0; i < values.size(); ++i) {
    if (is_double) {
      std::memcpy(&values[i], raw.raw().data() + 8 * i, 8);
    } else {
      float v;
      std::memcpy(&v, raw.raw().data() + 4 * i, 4);
      values[i] = v;
    }
  }
  return values;
}

proto::DataType graphrun_dtype(const onnx::TensorProto& t) {
  return t.data_type() == onnx::TensorProto::DOUBLE ? proto::DT_DOUBLE : proto::DT_FLOAT;
}

proto::Tensor vector_tensor(const std::vector<double>& values, proto::DataType dtype, const std::vector<int64_t>& dims) {
  proto::Tensor out;
  out.set_dtype(dtype);
  for (int64_t d : dims) out.mutable_shape()->add_dim(d);
  std::string raw;
  for (double v : values) {
    if (dtype == proto::DT_DOUBLE) {
      raw.append(reinterpret_cast<const char*>(&v), 8);
    } else {
      float f = static_cast<float>(v);
      raw.append(reinterpret_cast<const char*>(&f), 4);
    }
  }
  out.set_raw(std::move(raw));
  return out;
}

float scalar_float(const onnx::TensorProto& t) {
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    if (t.has_raw_data() && t.raw_data().size() == 4) {
      float v;
      std::memcpy(&v, t.raw_data().data(), 4);
      return v;
    }
    if (t.float_data_size() == 1) return t.float_data(0);
  }
  if (t.data_type() == onnx::TensorProto::DOUBLE) {
    if (t.has_raw_data() && t.raw_data().size() == 8) {
      double v;
      std::memcpy(&v, t.raw_data().data(), 8);
      return static_cast<float>(v);
    }
    if (t.double_data_size() == 1) return static_cast<float>(t.double_data(0));
  }
  fail("'{}' is not a float scalar", t.name());
}

Tensor tensor_from_onnx_value(const proto::Tensor& value, const std::string& origin) {
  DType dtype = value.dtype() == proto::DT_DOUBLE ? DType::kFloat64 : DType::kFloat32;
  std::vector<int64_t> dims(value.shape().dim().begin(), value.shape().dim().end());
  if (dims.empty()) dims.push_back(1);
  Tensor t(dtype, Shape(dims));
  if (value.raw().size() != t.bytes()) fail("{}: value has {} bytes, needs {}", origin, value.raw().size(), t.bytes());
  if (t.bytes()) std::memcpy(t.raw(), value.raw().data(), t.bytes());
  return t;
}

}  // namespace graphrun::onnx_import
