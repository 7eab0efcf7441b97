// Image decoding for the input pipeline: JPEG through libjpeg-turbo (TurboJPEG API), PNG through
// libpng's simplified API. The format is taken from the file's bytes, never its name, so a PNG
// named .jpg decodes. Every way a file can be bad (corrupt, truncated, unsupported, a header
// claiming huge dimensions, a progressive JPEG with thousands of scans) throws BadImage naming
// the file: callers skip and count it. Nothing here allocates more than the pixel cap allows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace graphrun {

// A file that cannot be used as an image; the pipeline skips and counts these.
class BadImage : public Error {
 public:
  using Error::Error;
};

struct DecodeLimits {
  // Width x height as the header declares it, before any scaling: PIL's decompression-bomb
  // threshold. A progressive JPEG keeps all its coefficients in memory, so the cap bounds memory.
  int64_t max_pixels = 89'478'485;
  // Progressive scans are capped by TurboJPEG's TJFLAG_LIMITSCANS (500): each scan re-walks
  // every coefficient block, so thousands of tiny scans would turn a small file into minutes.
};

// Packed RGB, row-major, 3 bytes per pixel.
struct RgbImage {
  int64_t height = 0, width = 0;
  std::vector<uint8_t> pixels;
};

// Decodes a JPEG or PNG held in memory. With `min_side` > 0, a JPEG at least twice as large as
// needed is decoded at 1/2, 1/4 or 1/8 scale (the DCT-domain scaling that has SIMD code), the
// smallest whose shorter side stays >= min_side. Grey and CMYK (Adobe, inverted) JPEGs become RGB.
RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name, int64_t min_side = 0,
                      const DecodeLimits& limits = {});

// Reads a whole file; an unreadable or missing file is a BadImage.
std::vector<uint8_t> read_image_file(const std::string& path);

// Encoders for `prepare` (JPEG records) and for tests that make their own images.
// `components` is 3 (RGB) or 1 (grey); `progressive` writes a progressive JPEG.
std::vector<uint8_t> encode_jpeg(const uint8_t* pixels, int64_t height, int64_t width, int components, int quality,
                                 bool progressive = false);
// CMYK JPEG (YCCK) from packed CMYK pixels, for tests.
std::vector<uint8_t> encode_jpeg_cmyk(const uint8_t* cmyk, int64_t height, int64_t width, int quality);
std::vector<uint8_t> encode_png(const uint8_t* pixels, int64_t height, int64_t width, int components);

}  // namespace graphrun
