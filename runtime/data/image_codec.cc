#include "runtime/data/image_codec.h"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace graphrun {

namespace {

// One TurboJPEG handle per thread and direction: creating one costs more than decoding a small
// image, and a handle must not be shared between threads.
struct TjHandle {
  tjhandle handle;
  explicit TjHandle(bool compress) : handle(compress ? tjInitCompress() : tjInitDecompress()) {
    if (handle == nullptr) fail("libjpeg-turbo: cannot create a TurboJPEG instance: {}", tjGetErrorStr2(nullptr));
  }
  ~TjHandle() { tjDestroy(handle); }
};

// libjpeg-turbo 2.1 leaves a handle in a bad state after some errors (a header read that fails
// makes the next header read report 0x0), so a handle that saw an error is replaced.
thread_local std::unique_ptr<TjHandle> t_decompressor;

tjhandle decompressor() {
  if (!t_decompressor) t_decompressor = std::make_unique<TjHandle>(false);
  return t_decompressor->handle;
}


bool is_jpeg(const uint8_t* d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }
bool is_png(const uint8_t* d, size_t n) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return n >= 8 && std::memcmp(d, kSignature, 8) == 0;
}

void check_pixels(int64_t width, int64_t height, const std::string& name, const DecodeLimits& limits) {
  if (width < 1 || height < 1) throw BadImage(fmt::format("'{}': the header declares a {}x{} image", name, width, height));
  if (width * height > limits.max_pixels)
    throw BadImage(fmt::format("'{}': the header declares {}x{} = {} pixels, more than the cap of {} (a decompression bomb?)",
                               name, width, height, width * height, limits.max_pixels));
}

RgbImage decode_jpeg_with(tjhandle tj, const uint8_t* data, size_t size, const std::string& name, int64_t min_side,
                          const DecodeLimits& limits) {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, data, static_cast<unsigned long>(size), &width, &height, &subsamp, &colorspace) != 0)
    throw BadImage(fmt::format("'{}': not a readable JPEG: {}", name, tjGetErrorStr2(tj)));
  check_pixels(width, height, name, limits);
  tjscalingfactor scale{1, 1};
  if (min_side > 0) {
    for (int denom : {2, 4, 8}) {
      tjscalingfactor f{1, denom};
      if (std::min(TJSCALED(width, f), TJSCALED(height, f)) >= min_side) scale = f;
    }
  }
  int out_w = TJSCALED(width, scale), out_h = TJSCALED(height, scale);
  bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  int pixel_size = cmyk ? 4 : 3;
  std::vector<uint8_t> raw(static_cast<size_t>(out_w) * out_h * pixel_size);
  int rc = tjDecompress2(tj, data, static_cast<unsigned long>(size), raw.data(), out_w, 0, out_h,
                         cmyk ? TJPF_CMYK : TJPF_RGB, TJFLAG_LIMITSCANS);
  if (rc != 0) {
    std::string message = tjGetErrorStr2(tj);
    // Warnings such as "extraneous bytes before marker" leave a good image; running out of data
    // leaves grey rows, so a truncated file is bad.
    if (tjGetErrorCode(tj) != TJERR_WARNING || message.find("Premature end") != std::string::npos)
      throw BadImage(fmt::format("'{}': JPEG decoding failed: {}", name, message));
  }
  RgbImage image{out_h, out_w, {}};
  if (!cmyk) {
    image.pixels = std::move(raw);
    return image;
  }
  // Adobe writes CMYK inverted (255 = no ink), which is what libjpeg hands back; without a
  // colour profile the naive conversion is all one can do (as PIL does).
  image.pixels.resize(static_cast<size_t>(out_w) * out_h * 3);
  for (size_t i = 0, n = static_cast<size_t>(out_w) * out_h; i < n; ++i) {
    unsigned k = raw[4 * i + 3];
    for (int c = 0; c < 3; ++c) image.pixels[3 * i + c] = static_cast<uint8_t>((raw[4 * i + c] * k + 127) / 255);
  }
  return image;
}

RgbImage decode_jpeg(const uint8_t* data, size_t size, const std::string& name, int64_t min_side,
                     const DecodeLimits& limits) {
  try {
    return decode_jpeg_with(decompressor(), data, size, name, min_side, limits);
  } catch (...) {
    t_decompressor.reset();
    throw;
  }
}

RgbImage decode_png(const uint8_t* data, size_t size, const std::string& name, const DecodeLimits& limits) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  // The simplified API catches libpng's longjmp errors itself and returns 0: nothing unwinds
  // through C frames.
  if (!png_image_begin_read_from_memory(&png, data, size))
    throw BadImage(fmt::format("'{}': not a readable PNG: {}", name, png.message));
  std::unique_ptr<png_image, void (*)(png_imagep)> guard(&png, png_image_free);
  check_pixels(png.width, png.height, name, limits);
  png.format = PNG_FORMAT_RGB;  // grey, palette, 16-bit and alpha (composited on black) become RGB8
  RgbImage image{static_cast<int64_t>(png.height), static_cast<int64_t>(png.width), {}};
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.pixels.data(), 0, nullptr))
    throw BadImage(fmt::format("'{}': PNG decoding failed: {}", name, png.message));
  return image;
}

}  // namespace

RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name, int64_t min_side,
                      const DecodeLimits& limits) {
  if (size == 0) throw BadImage(fmt::format("'{}': empty file", name));
  if (is_jpeg(data, size)) return decode_jpeg(data, size, name, min_side, limits);
  if (is_png(data, size)) return decode_png(data, size, name, limits);
  throw BadImage(fmt::format("'{}': neither a JPEG nor a PNG (the first bytes say otherwise)", name));
}

std::vector<uint8_t> read_image_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw BadImage(fmt::format("'{}': cannot open: {}", path, std::strerror(errno)));
  // No real photo comes near this; a huge file named .jpg must not be read into memory.
  constexpr size_t kMaxFileBytes = size_t{256} << 20;
  std::vector<uint8_t> bytes;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) {
    long size = std::ftell(file.get());
    if (size > 0 && static_cast<size_t>(size) > kMaxFileBytes)
      throw BadImage(fmt::format("'{}': a file of {} bytes, more than the cap of {} for an image", path, size, kMaxFileBytes));
    if (size > 0) bytes.reserve(static_cast<size_t>(size));
    std::rewind(file.get());
  }
  uint8_t buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (bytes.size() + n > kMaxFileBytes) throw BadImage(fmt::format("'{}': more than {} bytes", path, kMaxFileBytes));
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  if (std::ferror(file.get())) throw BadImage(fmt::format("'{}': read error: {}", path, std::strerror(errno)));
  return bytes;
}

namespace {

std::vector<uint8_t> compress(const uint8_t* pixels, int64_t height, int64_t width, int format, int subsamp,
                              int quality, int flags) {
  // A fresh compressor per image: libjpeg-turbo 2.1 carries settings of one call (progressive
  // scans) into the next on a reused handle. Encoding is rare (prepare, tests); decoding reuses.
  TjHandle handle(true);
  tjhandle tj = handle.handle;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  if (tjCompress2(tj, pixels, static_cast<int>(width), 0, static_cast<int>(height), format, &out, &out_size, subsamp,
                  quality, flags) != 0) {
    std::string message = tjGetErrorStr2(tj);
    tjFree(out);
    fail("JPEG encoding of a {}x{} image failed: {}", width, height, message);
  }
  std::vector<uint8_t> bytes(out, out + out_size);
  tjFree(out);
  return bytes;
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const uint8_t* pixels, int64_t height, int64_t width, int components, int quality,
                                 bool progressive) {
  GR_CHECK(components == 1 || components == 3, "components {}", components);
  return compress(pixels, height, width, components == 1 ? TJPF_GRAY : TJPF_RGB, components == 1 ? TJSAMP_GRAY : TJSAMP_420,
                  quality, progressive ? TJFLAG_PROGRESSIVE : 0);
}

std::vector<uint8_t> encode_jpeg_cmyk(const uint8_t* cmyk, int64_t height, int64_t width, int quality) {
  return compress(cmyk, height, width, TJPF_CMYK, TJSAMP_444, quality, 0);
}

std::vector<uint8_t> encode_png(const uint8_t* pixels, int64_t height, int64_t width, int components) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(width);
  png.height = static_cast<png_uint_32>(height);
  png.format = components == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, pixels, 0, nullptr)) fail("PNG encoding failed: {}", png.message);
  std::vector<uint8_t> bytes(size);
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, pixels, 0, nullptr)) fail("PNG encoding failed: {}", png.message);
  bytes.resize(size);
  return bytes;
}

}  // namespace graphrun
