#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "common/temp_dir.h"
#include "data/idx.h"
#include "sparq/engine/errors.h"

using sparq::engine::DataError;
using sparq::engine::data::read_idx;
using sparq::engine::data::read_idx_split;
using sparq::test::TempDir;

namespace {

std::string be32(std::uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string images(std::uint32_t n, std::uint32_t r, std::uint32_t c) {
    std::string s = be32(0x803) + be32(n) + be32(r) + be32(c);
    for (std::uint32_t i = 0; i < n * r * c; ++i) s.push_back(char(i % 251));
    return s;
}

std::string labels(std::uint32_t n, int classes = 10) {
    std::string s = be32(0x801) + be32(n);
    for (std::uint32_t i = 0; i < n; ++i) s.push_back(char(i % classes));
    return s;
}

void write_raw(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

void write_gz(const std::string& path, const std::string& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
}

// Expects read_idx to throw a DataError whose message names the file and contains `needle`.
void expect_rejected(const std::string& path, int dims, const std::string& needle) {
    try {
        read_idx(path, dims);
        FAIL() << "accepted " << path;
    } catch (const DataError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
}

}  // namespace

TEST(IdxLoader, ReadsRawAndGzipFiles) {
    TempDir d;
    write_raw(d.file("a"), images(3, 4, 5));
    write_gz(d.file("a.gz"), images(3, 4, 5));
    for (const char* name : {"a", "a.gz"}) {
        const auto arr = read_idx(d.file(name), 3);
        ASSERT_EQ(arr.dims, (std::vector<std::uint32_t>{3, 4, 5}));
        ASSERT_EQ(arr.data.size(), 60u);
        EXPECT_EQ(arr.data[59], 59);
    }
}

TEST(IdxLoader, RejectsATruncatedFile) {
    TempDir d;
    const std::string full = images(10, 28, 28);
    write_raw(d.file("t"), full.substr(0, full.size() - 100));
    expect_rejected(d.file("t"), 3, "truncated");
    write_gz(d.file("t.gz"), full.substr(0, full.size() - 100));
    expect_rejected(d.file("t.gz"), 3, "truncated");
    write_raw(d.file("h"), full.substr(0, 9));
    expect_rejected(d.file("h"), 3, "truncated inside the header");
    write_raw(d.file("e"), "");
    expect_rejected(d.file("e"), 3, "truncated");
}

TEST(IdxLoader, RejectsAWrongMagicNumber) {
    TempDir d;
    write_raw(d.file("labels-as-images"), labels(10));
    expect_rejected(d.file("labels-as-images"), 3, "wrong magic number 0x00000801");
    write_raw(d.file("png"), "\x89PNG\r\n\x1a\n and more bytes");
    expect_rejected(d.file("png"), 3, "wrong magic number");
}

TEST(IdxLoader, RejectsAnAbsurdHeader) {
    TempDir d;
    write_raw(d.file("huge"), be32(0x803) + be32(4000000) + be32(4000) + be32(4000));
    expect_rejected(d.file("huge"), 3, "absurd header");
    write_raw(d.file("zero"), be32(0x803) + be32(0) + be32(28) + be32(28));
    expect_rejected(d.file("zero"), 3, "absurd header");
}

TEST(IdxLoader, RejectsTrailingBytes) {
    TempDir d;
    write_raw(d.file("long"), images(2, 2, 2) + "extra");
    expect_rejected(d.file("long"), 3, "longer than its header says");
}

TEST(IdxLoader, RejectsDamagedCompression) {
    TempDir d;
    std::string gz;
    {
        write_gz(d.file("ok.gz"), images(50, 28, 28));
        std::ifstream in(d.file("ok.gz"), std::ios::binary);
        gz.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (std::size_t i = 20; i < gz.size() - 10; i += 7) gz[i] = char(gz[i] ^ 0x5a);
    write_raw(d.file("bad.gz"), gz);
    EXPECT_THROW(read_idx(d.file("bad.gz"), 3), DataError);
}

TEST(IdxLoader, MissingFileNamesTheFixAndSplitsMustMatch) {
    TempDir d;
    try {
        read_idx_split(d.path(), "train");
        FAIL();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("--data"), std::string::npos);
    }
    write_gz(d.file("train-images-idx3-ubyte.gz"), images(5, 28, 28));
    write_raw(d.file("train-labels-idx1-ubyte"), labels(4));
    try {
        read_idx_split(d.path(), "train");
        FAIL();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("do not belong together"), std::string::npos);
    }
    write_raw(d.file("train-labels-idx1-ubyte"), be32(0x801) + be32(5) + std::string("\x01\x02\x0b\x00\x01", 5));
    try {
        read_idx_split(d.path(), "train");
        FAIL();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("label 11"), std::string::npos) << e.what();
    }
    write_raw(d.file("train-labels-idx1-ubyte"), labels(5));
    const auto split = read_idx_split(d.path(), "train");
    EXPECT_EQ(split.count, 5);
    EXPECT_EQ(split.rows, 28);
    EXPECT_EQ(split.labels[3], 3);
}
