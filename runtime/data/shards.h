// Packed, indexed shards of prepared images (what `graphrun prepare` writes):
//
//   DST/labels.txt              class names, one per line, in index order
//   DST/<split>-NNNNN.shard     records, read sequentially or by index
//   DST/stats.npz               the training split's mean image [3, 256, 256] and RGB PCA
//   DST/bad_files.txt           the source files that were skipped, with the reason
//   DST/prepared.json           written last: the folder is complete
//
// The format (runtime/data/shard_format.h; written by prepare.cc, read by shards.cc).
// A shard: "GRSHARD1" u32 version u32 side | records | footer | u64 footer offset "GRSHEND1".
// A record: u32 magic u32 label u32 bytes u32 crc32(payload) u8 encoding (0 raw RGB, 1 JPEG)
// 3 pad bytes, payload. The footer holds the record offsets, the count of bad source files and
// the shard's exact pixel sums, so an interrupted prepare resumes shard by shard and still
// computes the statistics over every image.
#pragma once

#include <memory>
#include <string>

#include "runtime/data/image_folder.h"

namespace graphrun {

struct PrepareOptions {
  int64_t shard_size = 1024;  // source files per shard
  int64_t side = kPreparedSide;  // shorter side scaled to this, then the central square kept
  bool raw = false;           // store raw RGB instead of JPEG
  int quality = 95;           // JPEG quality of the records
  int threads = 0;            // 0: all cores
  bool quiet = false;         // no progress line
};

struct PrepareSummary {
  int64_t images = 0, bad = 0, shards_written = 0, shards_kept = 0;
};

// Prepares SRC (class folders, or train/ and val/ splits of them) into DST. Resumable: complete
// shards of an earlier run with the same settings are kept.
PrepareSummary prepare_image_folder(const std::string& src, const std::string& dst, const PrepareOptions& options);

// The records of one split ("train" or "val") of a prepared folder; a split without shards
// gives null.
std::unique_ptr<ImageRecords> shard_records(const std::string& dir, const std::string& split);
ImageStats read_prepared_stats(const std::string& dir);

}  // namespace graphrun
