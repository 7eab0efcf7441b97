// NumPy .npy / .npz reading and writing (the weight exchange format with PyTorch and NumPy).
// .npz is a zip of .npy files; libzip does the zip part.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"

namespace graphrun {

// Parses one .npy image; errors name `origin`.
Tensor parse_npy(const std::string& bytes, const std::string& origin);
std::string format_npy(const Tensor& tensor);

Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& tensor);

// Arrays by name (without the ".npy" suffix the archive stores).
std::map<std::string, Tensor> read_npz(const std::string& path);
// Written atomically; stored uncompressed, as numpy.savez does.
void write_npz(const std::string& path, const std::map<std::string, Tensor>& arrays);

}  // namespace graphrun
