// venoflow: HDF5 results file (docs/results-format.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

#include "venoflow/results.hpp"

namespace venoflow {

/// Compact layout (format 2): rows of one block, the writer's buffer and the chunk of every
/// table, for tables whose widest row has `widest` values; a block stays below 256 KiB so that
/// the writer's memory is bounded whatever the number of vessels (at least one row, at most
/// `flush_every`). The file holds whole chunks: the run plan's size estimate uses it too.
/// With the number of samples the run plans to write (`planned` > 0), the same number of blocks
/// is spread evenly over them, so that the last chunk is not mostly empty: 801 samples in
/// blocks of at most 256 rows are 4 blocks of 201 rows (804 rows stored), not 4 of 256 (1024).
inline std::size_t compact_block_rows(std::size_t widest, std::size_t flush_every,
                                      std::size_t planned = 0) {
  constexpr std::size_t kCompactBlockBytes = std::size_t{256} << 10;
  const std::size_t most =
      std::clamp<std::size_t>(kCompactBlockBytes / (8 * std::max<std::size_t>(widest, 1)), 1,
                              std::max<std::size_t>(flush_every, 1));
  if (planned == 0) return most;
  const std::size_t blocks = (planned + most - 1) / most;
  return (planned + blocks - 1) / blocks;
}

/// Writes a results file incrementally (chunked, extensible datasets, flushed every
/// `flush_every` samples) into "<path>.tmp-<pid>-<n>", and on finish():
///   - complete run:          renames it to <path> (atomic on one file system);
///   - failed or interrupted: renames it to "<stem>.incomplete.h5" with complete = false,
///     so an existing <path> is never destroyed;
///   - if that name cannot be taken: keeps it as "<stem>.kept-<pid>-<n>.h5" and throws
///     std::runtime_error naming it (final_path() says where).
/// The constructor checks the output path (throws std::runtime_error naming it: an existing
/// directory, a missing or non-directory parent, a non-regular file, a directory where no file
/// can be created), removes temporary files of this output left by dead writers, and creates
/// the temporary file under an exclusive flock held until finish() or destruction. A writer
/// destroyed before finish() (a write failed: disk full...) removes its file and leaves no HDF5
/// identifier open (docs/results-format.md#complete-and-incomplete-runs).
/// Layout: /time (nt); /vessels/<name>/{x, time, pressure, flow, area}; /nodes/<name>/pressure;
/// /elements/<name>/<quantity>; /metrics/<name> (scalars); /model (YAML text); root attributes
/// venoflow_version, created, complete, solver statistics. SI units, `units` attribute on
/// every dataset, dimension scales attached (xarray/netCDF4 compatible).
class Hdf5Writer : public ResultSink {
 public:
  explicit Hdf5Writer(std::string path, int flush_every = 256);
  ~Hdf5Writer() override;

  void begin(const OutputLayout& layout, const Model& model) override;
  void write(const Sample& sample) override;
  /// Appends nt instants given by column (as read from a file or from numpy arrays), written
  /// to the datasets as they are; the same checks as write(Sample).
  void write(const ColumnSpans& columns, std::size_t nt);
  void finish(const RunStatistics& stats, const RunOutcome& outcome,
              const std::map<std::string, Metric>& metrics) override;
  /// Its column buffers (flush_every samples) and HDF5's chunk caches.
  SinkFootprint footprint(const OutputLayout& layout) const override;
  /// The same for a writer that would be constructed with `flush_every`, without one (a
  /// writer creates its temporary file: `venoflow check` plans the run without touching the
  /// file system).
  static SinkFootprint footprint_of(const OutputLayout& layout, int flush_every = 256);

  /// Where the file ended up after finish() ("" before).
  const std::string& final_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Read a results file written by Hdf5Writer back into memory (tests, `venoflow compare`);
/// formats 1 (groups) and 2 (compact). With `series` false only the run's records, the period
/// and the metrics are read (the command line's summary): no series, no layout.
MemoryResults read_results(const std::string& path, bool series = true);

}  // namespace venoflow
