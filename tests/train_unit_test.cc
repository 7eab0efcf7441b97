// Schedules, checkpoint files and data order: the pieces of the trainer that need no network.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "core/graph_io.h"
#include "runtime/data/dataset.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/schedule.h"

using namespace graphrun;

TEST_CASE("schedule: fixed, step, multistep and plateau (at most max_decays)") {
  CHECK(Schedule({.kind = "fixed", .lr = 0.01}).lr(50) == 0.01);
  Schedule step({.kind = "step", .lr = 1.0, .gamma = 0.1, .step_size = 10});
  CHECK(step.lr(9) == 1.0);
  CHECK(step.lr(10) == doctest::Approx(0.1));
  CHECK(step.lr(25) == doctest::Approx(0.01));
  Schedule multi({.kind = "multistep", .lr = 1.0, .gamma = 0.5, .milestones = {2, 5}});
  CHECK(multi.lr(1) == 1.0);
  CHECK(multi.lr(2) == 0.5);
  CHECK(multi.lr(7) == 0.25);

  Schedule plateau({.kind = "plateau", .lr = 0.01, .gamma = 0.1, .patience = 1, .max_decays = 2});
  plateau.on_epoch_end(0.5);
  CHECK(plateau.lr(1) == 0.01);
  plateau.on_epoch_end(0.5);  // no improvement: divide by 10
  CHECK(plateau.lr(2) == doctest::Approx(0.001));
  plateau.on_epoch_end(0.4);  // improvement: keep
  CHECK(plateau.lr(3) == doctest::Approx(0.001));
  plateau.on_epoch_end(0.45);
  plateau.on_epoch_end(0.45);
  plateau.on_epoch_end(0.45);  // a third decay is not allowed
  CHECK(plateau.lr(6) == doctest::Approx(0.0001));
  Schedule restored({.kind = "plateau", .lr = 0.01, .max_decays = 2});
  restored.restore(plateau.state());
  CHECK(restored.lr(7) == doctest::Approx(0.0001));

  CHECK_THROWS_WITH(Schedule({.kind = "cosine"}), doctest::Contains("unknown schedule 'cosine'"));
  CHECK_THROWS_WITH(Schedule({.kind = "multistep"}), doctest::Contains("needs milestones"));
}

TEST_CASE("schedule: gradual warm-up rises linearly per step from warmup_start x lr, then the schedule") {
  ScheduleConfig c;
  c.kind = "step";
  c.lr = 0.4;
  c.step_size = 3;
  c.warmup_epochs = 2;
  c.warmup_start = 0.25;
  Schedule s(c);
  const int64_t steps_per_epoch = 10;
  CHECK(s.lr_at_step(0, 0, steps_per_epoch) == doctest::Approx(0.1));
  CHECK(s.lr_at_step(0, 10, steps_per_epoch) == doctest::Approx(0.1 + 0.3 * 0.5));
  CHECK(s.lr_at_step(1, 19, steps_per_epoch) == doctest::Approx(0.1 + 0.3 * 0.95));
  CHECK(s.lr_at_step(2, 20, steps_per_epoch) == doctest::Approx(0.4));  // warm-up over
  CHECK(s.lr_at_step(3, 30, steps_per_epoch) == doctest::Approx(0.04));  // the step schedule's decay
  c.warmup_start = 0;
  CHECK_THROWS_WITH_AS(Schedule{c}, doctest::Contains("--warmup-start 0"), Error);
}

TEST_CASE("checkpoint-every: steps or a time; the last K kept as step-N.ckpt") {
  int64_t steps = 0;
  double seconds = 0;
  parse_checkpoint_every("500", steps, seconds);
  CHECK((steps == 500 && seconds == 0));
  parse_checkpoint_every("30m", steps, seconds);
  CHECK((steps == 0 && seconds == 1800));
  parse_checkpoint_every("1.5h", steps, seconds);
  CHECK(seconds == 5400);
  for (const char* bad : {"30x", "m", "-5", "2.5", "0"})
    CHECK_THROWS_WITH_AS(parse_checkpoint_every(bad, steps, seconds), doctest::Contains(bad), Error);

  auto dir = std::filesystem::temp_directory_path() / "graphrun_periodic_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string latest = (dir / "latest.ckpt").string();
  PeriodicCheckpoints periodic(2, 0, 2);
  for (int64_t step = 1; step <= 7; ++step) {
    if (!periodic.due(step)) continue;
    write_file_atomically(latest, fmt::format("state after step {}", step));
    periodic.keep(latest, step);
  }
  CHECK(!std::filesystem::exists(dir / "step-2.ckpt"));
  CHECK(read_file_bytes((dir / "step-4.ckpt").string()) == "state after step 4");  // a link to the file of its step,
  CHECK(read_file_bytes((dir / "step-6.ckpt").string()) == "state after step 6");  // not to latest.ckpt's later one
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint: round trip; truncated and corrupt files are named") {
  proto::Checkpoint c;
  c.set_graph("g");
  c.set_step(42);
  Tensor w(DType::kFloat32, Shape{3});
  for (int i = 0; i < 3; ++i) w.data<float>()[i] = 1.5f * i;
  auto* nt = c.add_weights();
  nt->set_name("fc/weight");
  *nt->mutable_tensor() = tensor_to_proto(w);
  std::string path = (std::filesystem::temp_directory_path() / "graphrun_unit.ckpt").string();
  write_checkpoint(path, c);
  CHECK(is_checkpoint_file(path));
  proto::Checkpoint back = read_checkpoint(path);
  CHECK(back.step() == 42);
  CHECK(tensor_from_proto(back.weights(0).tensor(), "x").data<float>()[2] == 3.0f);

  std::string bytes = read_file_bytes(path);
  write_file_atomically(path, bytes.substr(0, bytes.size() - 5));
  CHECK_THROWS_WITH(read_checkpoint(path), doctest::Contains("is truncated or corrupt"));
  bytes[bytes.size() - 3] ^= 0x40;
  write_file_atomically(path, bytes);
  CHECK_THROWS_WITH(read_checkpoint(path), doctest::Contains("CRC-32 mismatch"));
  std::filesystem::remove(path);
}

TEST_CASE("data order: a permutation per (seed, epoch)") {
  auto a = epoch_order(1000, 7, 0), b = epoch_order(1000, 7, 0), c = epoch_order(1000, 7, 1);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) CHECK(sorted[i] == i);
}

TEST_CASE("bilinear resize: constant stays constant; 2x2 -> 4x4 matches half-pixel centres") {
  float src[4] = {0, 1, 2, 3}, dst[16];
  resize_bilinear(src, 2, 2, dst, 4, 4);
  CHECK(dst[0] == 0.0f);            // clamped corner
  CHECK(dst[1] == doctest::Approx(0.25f));
  CHECK(dst[15] == 3.0f);
  float flat[9], out[4];
  std::fill(flat, flat + 9, 2.5f);
  resize_bilinear(flat, 3, 3, out, 2, 2);
  for (float v : out) CHECK(v == doctest::Approx(2.5f));
}

TEST_CASE("synthetic data: deterministic, labels in range, the graph's image shape") {
  DataSplits s = open_dataset("synthetic", Shape{1, 8, 8}, 1000, 3);
  CHECK(s.train->num_classes() == 10);
  std::vector<float> a(64), b(64);
  int64_t la = s.train->get(5, a.data(), Shape{1, 8, 8});
  int64_t lb = s.train->get(5, b.data(), Shape{1, 8, 8});
  CHECK(la == lb);
  CHECK(a == b);
  CHECK((la >= 0 && la < 10));
  CHECK_THROWS_WITH(open_dataset("imagenet", Shape{1, 8, 8}, 10, 0), doctest::Contains("unknown data 'imagenet'"));
}

TEST_CASE("Fashion-MNIST: 28x28 grey resized and repeated to 3x227x227, training mean subtracted") {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    FAIL("Fashion-MNIST is missing: tools/dev.sh installs dataset-fashion-mnist");
  }
  DataSplits small = open_dataset("fashion-mnist", Shape{1, 28, 28}, 10, 0);
  CHECK(small.train->size() == 60000);
  CHECK(small.validation->size() == 10000);
  // Mean subtraction: the training images average to zero per pixel.
  std::vector<double> sum(28 * 28, 0.0);
  std::vector<float> image(28 * 28);
  for (int64_t i = 0; i < small.train->size(); i += 1) {
    small.train->get(i, image.data(), Shape{1, 28, 28});
    for (int p = 0; p < 28 * 28; ++p) sum[p] += image[p];
  }
  for (int p = 0; p < 28 * 28; p += 97) CHECK(std::abs(sum[p] / 60000) < 1e-4);

  DataSplits big = open_dataset("fashion-mnist", Shape{3, 227, 227}, 1000, 0);
  std::vector<float> rgb(3 * 227 * 227);
  int64_t label = big.train->get(0, rgb.data(), Shape{3, 227, 227});
  CHECK((label >= 0 && label < 10));
  CHECK(std::equal(rgb.begin(), rgb.begin() + 227 * 227, rgb.begin() + 227 * 227));
  CHECK(std::equal(rgb.begin(), rgb.begin() + 227 * 227, rgb.begin() + 2 * 227 * 227));
  double energy = 0;
  for (int p = 0; p < 227 * 227; ++p) energy += std::abs(rgb[p]);
  CHECK(energy > 1000);  // a real image, not zeros
}

TEST_CASE("Fashion-MNIST augmentation: each training sample moved by up to --shift pixels and mirrored, keyed by (seed, epoch, sample)") {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    FAIL("Fashion-MNIST is missing: tools/dev.sh installs dataset-fashion-mnist");
  }
  const Shape image{1, 28, 28};
  DataSplits data = open_dataset("fashion-mnist", image, 10, 7, {.shift = 2, .flip = true});
  Tensor mean = data.train->mean_image();
  const float* m = mean.data<float>();
  std::vector<float> plain(28 * 28), moved(28 * 28), again(28 * 28);
  std::map<std::tuple<int, int, bool>, int> seen;
  for (int64_t i = 0; i < 400; ++i) {
    int64_t label = data.train->get(i, plain.data(), image);
    CHECK(data.train->get_train(i, 3, moved.data(), image) == label);
    data.train->get_train(i, 3, again.data(), image);
    REQUIRE(moved == again);  // a function of (seed, epoch, sample) only
    // Exactly one move explains the sample (blank images aside): the plain pixels, moved, minus the mean.
    std::vector<std::tuple<int, int, bool>> fits;
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx)
        for (bool flip : {false, true}) {
          bool fit = true;
          for (int y = 0; y < 28 && fit; ++y)
            for (int x = 0; x < 28 && fit; ++x) {
              int sy = y + dy, sx = (flip ? 27 - x : x) + dx;
              float pixel = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? plain[sy * 28 + sx] + m[sy * 28 + sx] : 0.0f;
              fit = std::abs(moved[y * 28 + x] - (pixel - m[y * 28 + x])) < 1e-5f;
            }
          if (fit) fits.emplace_back(dy, dx, flip);
        }
    REQUIRE(!fits.empty());
    if (fits.size() == 1) ++seen[fits[0]];
  }
  CHECK(seen.size() == 50);  // every move and both orientations occur
  int flipped = 0, counted = 0;
  for (const auto& [move, n] : seen) counted += n, flipped += std::get<2>(move) ? n : 0;
  CHECK(flipped > counted * 0.35);
  CHECK(flipped < counted * 0.65);
  // Another epoch moves the samples differently; validation samples are never moved.
  data.train->get_train(0, 3, moved.data(), image);
  int differ = 0;
  for (int64_t i = 0; i < 20; ++i) {
    data.train->get_train(i, 3, moved.data(), image);
    data.train->get_train(i, 4, again.data(), image);
    differ += moved != again;
  }
  CHECK(differ >= 15);
  data.validation->get(5, plain.data(), image);
  data.validation->get_train(5, 3, moved.data(), image);
  CHECK(plain == moved);
  CHECK_THROWS_WITH(open_dataset("synthetic", image, 10, 0, {.flip = true}),
                    doctest::Contains("--shift and --flip augment Fashion-MNIST's 28x28 images; 'synthetic' is not"));
  CHECK_THROWS_WITH(open_dataset("fashion-mnist", image, 10, 0, {.shift = 28}), doctest::Contains("--shift 28: want 0 to 27"));
}
