#pragma once
// IDX files (the MNIST family's format), raw or gzip-compressed. Plain C++: no torch.
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::engine::data {

struct IdxArray {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;  // row-major, product(dims) bytes
};

/// Reads an IDX file of unsigned bytes with `expected_dims` dimensions. Validates the magic
/// number, dimensions and that the payload is exactly as long as the header says. Throws
/// DataError naming the file and the problem.
IdxArray read_idx(const std::string& path, int expected_dims);

/// Images and labels of one split, checked against each other.
struct IdxSplit {
    std::int64_t count = 0;
    int rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols
    std::vector<std::uint8_t> labels;  // count, each < classes
};

/// Loads `<dir>/<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`
/// (prefix "train" or "t10k").
IdxSplit read_idx_split(const std::string& dir, const std::string& prefix, int classes = 10);

}  // namespace sparq::engine::data
