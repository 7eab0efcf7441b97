// Image decoding, the bad-image corpus (made here, nothing downloaded), a mutation fuzz of the
// decode entry point, and the preprocessing / augmentation arithmetic.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/random.h"
#include "runtime/data/image_codec.h"
#include "runtime/data/image_transform.h"

namespace graphrun {

namespace {

// A smooth colourful test picture: gradients plus a few circles, like a photo to the codec.
std::vector<uint8_t> test_picture(int64_t h, int64_t w, int components = 3, uint64_t seed = 1) {
  std::vector<uint8_t> p(h * w * components);
  double cx = w * (0.3 + 0.4 * uniform01(seed, 0)), cy = h * (0.3 + 0.4 * uniform01(seed, 1));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double d = std::hypot(x - cx, y - cy) / std::min(h, w);
      for (int c = 0; c < components; ++c) {
        double v = 128 + 90 * std::sin(6 * d + c) * std::cos(3.0 * x / w + c) + 20 * (c == 0 ? y : x) / double(h);
        p[(y * w + x) * components + c] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
  return p;
}

double mean_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  REQUIRE(a.size() == b.size());
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::abs(int(a[i]) - int(b[i]));
  return s / static_cast<double>(a.size());
}

std::string bad_image_message(const std::vector<uint8_t>& bytes, const DecodeLimits& limits = {}) {
  try {
    decode_image(bytes.data(), bytes.size(), "x.jpg", 256, limits);
  } catch (const BadImage& e) {
    return e.what();
  }
  return "";
}

// Copies of the last scan of a progressive JPEG inserted before EOI: a valid-looking stream
// with `scans` more scans.
std::vector<uint8_t> with_extra_scans(const std::vector<uint8_t>& jpeg, int scans) {
  size_t last_sos = 0;
  for (size_t i = 0; i + 1 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) last_sos = i;
  REQUIRE(last_sos > 0);
  size_t eoi = jpeg.size() - 2;
  REQUIRE((jpeg[eoi] == 0xFF && jpeg[eoi + 1] == 0xD9));
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(eoi));
  for (int k = 0; k < scans; ++k) out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(last_sos), jpeg.begin() + static_cast<std::ptrdiff_t>(eoi));
  out.push_back(0xFF), out.push_back(0xD9);
  return out;
}

}  // namespace

TEST_CASE("jpeg: a 500x375 quality-90 image decodes close to the original") {
  auto pixels = test_picture(375, 500);
  auto jpeg = encode_jpeg(pixels.data(), 375, 500, 3, 90);
  RgbImage image = decode_image(jpeg.data(), jpeg.size(), "a.jpg");
  CHECK(image.height == 375);
  CHECK(image.width == 500);
  CHECK(mean_abs_diff(image.pixels, pixels) < 4.0);
  // Progressive encoding decodes to the same picture.
  auto progressive = encode_jpeg(pixels.data(), 375, 500, 3, 90, true);
  CHECK(progressive != jpeg);
  CHECK(mean_abs_diff(decode_image(progressive.data(), progressive.size(), "p.jpg").pixels, pixels) < 4.0);
}

TEST_CASE("jpeg: DCT scaling when the image is at least twice as large as needed") {
  auto pixels = test_picture(900, 1200);
  auto jpeg = encode_jpeg(pixels.data(), 900, 1200, 3, 90);
  RgbImage half = decode_image(jpeg.data(), jpeg.size(), "big.jpg", 256);
  CHECK(half.height == 450);  // 1/4 would give 225 < 256
  CHECK(half.width == 600);
  RgbImage quarter = decode_image(jpeg.data(), jpeg.size(), "big.jpg", 200);
  CHECK(quarter.height == 225);
  RgbImage full = decode_image(jpeg.data(), jpeg.size(), "big.jpg", 600);
  CHECK(full.height == 900);
}

TEST_CASE("jpeg: grey and CMYK images become RGB") {
  auto grey = test_picture(60, 80, 1);
  auto jpeg = encode_jpeg(grey.data(), 60, 80, 1, 95);
  RgbImage g = decode_image(jpeg.data(), jpeg.size(), "grey.jpg");
  REQUIRE(g.pixels.size() == 60 * 80 * 3);
  double err = 0;
  for (size_t i = 0; i < grey.size(); ++i) {
    CHECK(g.pixels[3 * i] == g.pixels[3 * i + 1]);
    CHECK(g.pixels[3 * i] == g.pixels[3 * i + 2]);
    err += std::abs(int(g.pixels[3 * i]) - int(grey[i]));
  }
  CHECK(err / double(grey.size()) < 3.0);

  std::vector<uint8_t> cmyk(40 * 40 * 4);
  for (size_t i = 0; i < 40 * 40; ++i) cmyk[4 * i] = 200, cmyk[4 * i + 1] = 100, cmyk[4 * i + 2] = 50, cmyk[4 * i + 3] = 255;
  auto cj = encode_jpeg_cmyk(cmyk.data(), 40, 40, 95);
  RgbImage c = decode_image(cj.data(), cj.size(), "cmyk.jpg");
  REQUIRE(c.pixels.size() == 40 * 40 * 3);
  // Adobe's inverted CMYK: r = C * K / 255 with K = 255 (no black ink).
  CHECK(std::abs(int(c.pixels[0]) - 200) <= 3);
  CHECK(std::abs(int(c.pixels[1]) - 100) <= 3);
  CHECK(std::abs(int(c.pixels[2]) - 50) <= 3);
}

TEST_CASE("png: RGB and grey decode exactly, whatever the file is called") {
  auto pixels = test_picture(33, 47);
  auto png = encode_png(pixels.data(), 33, 47, 3);
  RgbImage image = decode_image(png.data(), png.size(), "named.jpg");
  CHECK(image.height == 33);
  CHECK(image.width == 47);
  CHECK(image.pixels == pixels);
  auto grey = test_picture(10, 12, 1);
  auto gpng = encode_png(grey.data(), 10, 12, 1);
  RgbImage g = decode_image(gpng.data(), gpng.size(), "g.png");
  CHECK(g.pixels[3 * 7 + 1] == grey[7]);
}

TEST_CASE("bad images: each is a BadImage naming the file and the problem") {
  auto pixels = test_picture(120, 160);
  auto jpeg = encode_jpeg(pixels.data(), 120, 160, 3, 90);
  CHECK(bad_image_message({}).find("empty file") != std::string::npos);
  std::vector<uint8_t> text{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  CHECK(bad_image_message(text).find("neither a JPEG nor a PNG") != std::string::npos);
  // Truncated: half the file.
  std::vector<uint8_t> truncated(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  CHECK(bad_image_message(truncated).find("'x.jpg'") != std::string::npos);
  // Only the header survives.
  std::vector<uint8_t> header_only(jpeg.begin(), jpeg.begin() + 200);
  CHECK(!bad_image_message(header_only).empty());
  // A decompression bomb: the SOF header claims 60000 x 60000.
  std::vector<uint8_t> bomb = jpeg;
  for (size_t i = 0; i + 9 < bomb.size(); ++i)
    if (bomb[i] == 0xFF && bomb[i + 1] == 0xC0) {
      bomb[i + 5] = 0xEA, bomb[i + 6] = 0x60, bomb[i + 7] = 0xEA, bomb[i + 8] = 0x60;
      break;
    }
  CHECK(bad_image_message(bomb).find("decompression bomb") != std::string::npos);
  DecodeLimits small;
  small.max_pixels = 100 * 100;
  CHECK(bad_image_message(jpeg, small).find("more than the cap") != std::string::npos);
  // A progressive JPEG with thousands of scans stops at the scan cap.
  auto progressive = encode_jpeg(pixels.data(), 120, 160, 3, 90, true);
  auto many = with_extra_scans(progressive, 3000);
  CHECK(bad_image_message(many).find("scans") != std::string::npos);
  // Garbage after a JPEG signature.
  std::vector<uint8_t> garbage{0xFF, 0xD8, 0xFF, 0x00, 0x01, 0x02, 0x03};
  CHECK(!bad_image_message(garbage).empty());
  auto png = encode_png(pixels.data(), 120, 160, 3);
  std::vector<uint8_t> png_cut(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 3));
  CHECK(bad_image_message(png_cut).find("PNG") != std::string::npos);
}

// Mutations of valid files: bit flips, byte overwrites, truncations and splices. Every outcome
// must be an image or a BadImage; under AddressSanitizer (GRAPHRUN_SANITIZE) any memory error
// in the decode path aborts the test.
TEST_CASE("fuzz: mutated JPEG and PNG files never crash the decoder") {
  auto pixels = test_picture(48, 64);
  std::vector<std::vector<uint8_t>> seeds = {encode_jpeg(pixels.data(), 48, 64, 3, 90),
                                             encode_jpeg(pixels.data(), 48, 64, 3, 75, true),
                                             encode_jpeg(test_picture(48, 64, 1).data(), 48, 64, 1, 90),
                                             encode_png(pixels.data(), 48, 64, 3)};
  int decoded = 0, rejected = 0;
  for (uint64_t trial = 0; trial < 1200; ++trial) {
    std::vector<uint8_t> data = seeds[trial % seeds.size()];
    uint64_t key = hash_combine(0xf022, trial);
    int edits = 1 + static_cast<int>(uniform01(key, 0) * 8);
    for (int e = 0; e < edits; ++e) {
      double kind = uniform01(key, 10 + 4 * e);
      auto at = static_cast<size_t>(uniform01(key, 11 + 4 * e) * static_cast<double>(data.size()));
      at = std::min(at, data.size() - 1);
      auto value = static_cast<uint8_t>(uniform01(key, 12 + 4 * e) * 256);
      if (kind < 0.5) {
        data[at] ^= static_cast<uint8_t>(1u << (value % 8));
      } else if (kind < 0.8) {
        data[at] = value;
      } else if (kind < 0.9) {
        data.resize(std::max<size_t>(at, 1));
      } else {
        data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin(),
                    data.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(at, 64)));
      }
    }
    try {
      RgbImage image = decode_image(data.data(), data.size(), "fuzz", trial % 3 == 0 ? 16 : 0);
      REQUIRE(image.pixels.size() == static_cast<size_t>(image.height * image.width * 3));
      ++decoded;
    } catch (const BadImage&) {
      ++rejected;
    }
  }
  CHECK(decoded > 0);   // the mutations are not all fatal...
  CHECK(rejected > 0);  // ...nor all harmless
}

TEST_CASE("resize_center_crop: identity at 256, constant stays constant, centre kept") {
  RgbImage same{256, 256, test_picture(256, 256)};
  std::vector<uint8_t> out(256 * 256 * 3);
  resize_center_crop(same, 256, out.data());
  CHECK(out == same.pixels);

  RgbImage flat{375, 500, std::vector<uint8_t>(375 * 500 * 3, 77)};
  resize_center_crop(flat, 256, out.data());
  CHECK(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 77; }));

  // 500x375 -> 341x256: columns 42..297 survive the crop. A white vertical bar in the middle
  // of the source lands in the middle of the crop; the left edge (cropped away) does not.
  RgbImage bar{375, 500, std::vector<uint8_t>(375 * 500 * 3, 0)};
  for (int64_t y = 0; y < 375; ++y)
    for (int64_t x = 240; x < 260; ++x)
      for (int c = 0; c < 3; ++c) bar.pixels[(y * 500 + x) * 3 + c] = 255;
  resize_center_crop(bar, 256, out.data());
  CHECK(out[(100 * 256 + 128) * 3] > 200);
  CHECK(out[(100 * 256 + 20) * 3] == 0);
}

TEST_CASE("statistics: exact mean image and the PCA of the RGB covariance") {
  StatsAccumulator a(4), b(4);
  std::vector<uint8_t> one(4 * 4 * 3), two(4 * 4 * 3);
  for (size_t i = 0; i < one.size(); ++i) one[i] = static_cast<uint8_t>(i * 5), two[i] = static_cast<uint8_t>(255 - i);
  a.add(one.data());
  b.add(two.data());
  a.merge(b);
  ImageStats s = a.finish();
  CHECK(s.images == 2);
  // mean[c][y][x] of HWC element i = (y*4+x)*3+c
  CHECK(s.mean[1 * 16 + 5] == doctest::Approx((one[5 * 3 + 1] + two[5 * 3 + 1]) / 2.0 / 255.0));
  // A v = lambda v for the covariance the eigenpairs came from.
  std::array<std::array<double, 3>, 3> m{{{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 1}}}, vec;
  std::array<double, 3> val;
  symmetric_eigen3(m, val, vec);
  CHECK(val[0] >= val[1]);
  CHECK(val[1] >= val[2]);
  for (int i = 0; i < 3; ++i)
    for (int r = 0; r < 3; ++r) {
      double av = m[r][0] * vec[i][0] + m[r][1] * vec[i][1] + m[r][2] * vec[i][2];
      CHECK(av == doctest::Approx(val[i] * vec[i][r]).epsilon(1e-9));
    }
  CHECK(val[0] + val[1] + val[2] == doctest::Approx(8.0));
}

TEST_CASE("augmentation: crops in bounds, keyed by (seed, epoch, index), flips mirror, ten crops") {
  ImageStats stats;
  stats.side = 8;
  stats.mean.assign(3 * 64, 0.25f);
  stats.eigval = {0.2, 0.02, 0.004};
  stats.eigvec = {{{0.58, 0.58, 0.58}, {-0.7, 0, 0.7}, {0.4, -0.8, 0.4}}};
  int flips = 0;
  for (int64_t i = 0; i < 200; ++i) {
    CropParams p = train_crop(7, 2, i, 8, 5, 5, stats);
    CHECK(p.top >= 0);
    CHECK(p.top <= 3);
    CHECK(p.left <= 3);
    flips += p.flip;
    CropParams again = train_crop(7, 2, i, 8, 5, 5, stats);
    CHECK(again.lighting == p.lighting);
  }
  CHECK(flips > 60);
  CHECK(flips < 140);
  CHECK(train_crop(7, 3, 0, 8, 5, 5, stats).lighting != train_crop(7, 2, 0, 8, 5, 5, stats).lighting);

  std::vector<uint8_t> hwc(8 * 8 * 3);
  for (size_t i = 0; i < hwc.size(); ++i) hwc[i] = static_cast<uint8_t>(i);
  std::vector<float> a(3 * 25), b(3 * 25);
  apply_crop(hwc.data(), stats, eval_crop(3, 8, 5, 5), 5, 5, a.data());  // bottom-left
  apply_crop(hwc.data(), stats, eval_crop(8, 8, 5, 5), 5, 5, b.data());  // bottom-left flipped
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 5; ++x) {
        CHECK(a[(c * 5 + y) * 5 + x] == b[(c * 5 + y) * 5 + (4 - x)]);
        CHECK(a[(c * 5 + y) * 5 + x] == doctest::Approx(hwc[((3 + y) * 8 + x) * 3 + c] / 255.0 - 0.25));
      }
  CropParams centre = eval_crop(0, 256, 227, 227);
  CHECK(centre.top == 14);
  CHECK(centre.left == 14);
  CHECK(eval_crop(2, 256, 227, 227).left == 29);
}

}  // namespace graphrun
