#include "core/npz.h"

#include <zip.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <regex>

#include "core/graph_io.h"

namespace graphrun {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {{"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<i4", DType::kInt32},
                                 {"<i8", DType::kInt64},   {"|u1", DType::kUInt8},   {"|b1", DType::kBool}};

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail("{}: not a .npy array (bad magic)", origin);
  int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: truncated .npy header", origin);
    for (int k = 0; k < 4; ++k) header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + k])) << (8 * k);
    header_start = 12;
  } else {
    fail("{}: unsupported .npy version {}", origin, major);
  }
  if (header_start + header_len > bytes.size()) fail("{}: truncated .npy header", origin);
  std::string header = bytes.substr(header_start, header_len);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    fail("{}: .npy header has no descr", origin);
  std::string descr = m[1];
  DType dtype = DType::kInvalid;
  for (const auto& t : kNpyTypes)
    if (descr == t.descr || (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == std::string(t.descr).substr(1)))
      dtype = t.dtype;
  if (dtype == DType::kInvalid)
    fail("{}: unsupported array type '{}' (float32, float64, int32, int64, uint8, bool little-endian)", origin, descr);
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    fail("{}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray", origin);
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    fail("{}: .npy header has no shape", origin);
  std::vector<int64_t> dims;
  std::string dims_text = m[1];
  static const std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims_text.begin(), dims_text.end(), number);
       it != std::sregex_iterator(); ++it) {
    if (it->str().size() > 18) fail("{}: dimension {} is too large", origin, it->str());
    dims.push_back(std::stoll(it->str()));
  }
  Shape shape(dims);
  int64_t count = 0;
  try {
    count = shape.num_elements();
  } catch (const Error& e) {
    fail("{}: {}", origin, e.what());
  }
  size_t data_start = header_start + header_len;
  size_t available = bytes.size() - data_start;
  if (static_cast<uint64_t>(count) > available / dtype_size(dtype))
    fail("{}: truncated: shape {} needs {} bytes of data, the file has {}", origin, shape.str(),
         static_cast<uint64_t>(count) * dtype_size(dtype), available);
  Tensor tensor(dtype, shape);
  if (tensor.bytes() > 0) std::memcpy(tensor.raw(), bytes.data() + data_start, tensor.bytes());
  return tensor;
}

std::string format_npy(const Tensor& tensor) {
  const char* descr = nullptr;
  for (const auto& t : kNpyTypes)
    if (t.dtype == tensor.dtype()) descr = t.descr;
  GR_CHECK(descr != nullptr, "no npy type for {}", dtype_name(tensor.dtype()));
  std::string dims;
  for (int64_t d : tensor.shape().dims()) dims += std::to_string(d) + ",";
  if (tensor.shape().rank() > 1) dims.pop_back();
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  // Pad so the data starts on a 64-byte boundary, header ending in '\n' (the format's rule).
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(tensor.raw()), tensor.bytes());
  return out;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

void write_npy(const std::string& path, const Tensor& tensor) { write_file_atomically(path, format_npy(tensor)); }

std::map<std::string, Tensor> read_npz(const std::string& path) {
  if (!std::filesystem::exists(path)) fail("cannot open '{}': no such file", path);
  int error = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error),
                                                         &zip_discard);
  if (!archive) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    std::string message = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    fail("cannot read '{}' as .npz: {}", path, message);
  }
  std::map<std::string, Tensor> arrays;
  zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_NAME))
      fail("'{}': cannot read entry {}", path, i);
    std::string name = st.name;
    std::string origin = fmt::format("{}[{}]", path, name);
    if (st.size > (uint64_t{1} << 36)) fail("{}: entry of {} bytes is too large", origin, st.size);
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive.get(), i, 0), &zip_fclose);
    if (!file) fail("{}: cannot open: {}", origin, zip_strerror(archive.get()));
    std::string bytes(st.size, '\0');
    zip_int64_t got = zip_fread(file.get(), bytes.data(), st.size);
    if (got < 0 || static_cast<uint64_t>(got) != st.size) fail("{}: truncated or corrupt entry", origin);
    if (name.size() > 4 && name.ends_with(".npy")) name.resize(name.size() - 4);
    arrays[name] = parse_npy(bytes, origin);
  }
  return arrays;
}

void write_npz(const std::string& path, const std::map<std::string, Tensor>& arrays) {
  std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  int error = 0;
  zip_t* archive = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) fail("cannot create '{}' (zip error {})", tmp, error);
  // libzip reads the buffers at zip_close, so they must outlive the loop.
  std::vector<std::string> images;
  images.reserve(arrays.size());
  for (const auto& [name, tensor] : arrays) {
    images.push_back(format_npy(tensor));
    zip_source_t* source = zip_source_buffer(archive, images.back().data(), images.back().size(), 0);
    zip_int64_t index = source ? zip_file_add(archive, (name + ".npy").c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      std::string message = zip_strerror(archive);
      zip_discard(archive);
      fail("cannot add '{}' to '{}': {}", name, path, message);
    }
    zip_set_file_compression(archive, index, ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) != 0) {
    std::string message = zip_strerror(archive);
    zip_discard(archive);
    fail("cannot write '{}': {}", path, message);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace graphrun
