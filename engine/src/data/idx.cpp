#include "data/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "sparq/engine/errors.h"

namespace sparq::engine::data {

namespace {

constexpr std::uint64_t kMaxItems = 1ull << 31;  // 2 GiB of pixels is beyond any IDX data set
constexpr std::uint32_t kMaxDim = 1u << 24;

// A byte source over a raw or gzip file; gzread reads raw files transparently.
class Reader {
public:
    explicit Reader(const std::string& path) : path_(path) {
        file_ = gzopen(path.c_str(), "rb");
        if (!file_)
            throw DataError(path + ": cannot open (" + std::strerror(errno) +
                            "); install dataset-fashion-mnist or pass --data DIR");
        gzbuffer(file_, 1 << 17);
    }
    ~Reader() { gzclose(file_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // Reads up to n bytes; returns the count read (short only at end of data).
    std::size_t read(void* dst, std::size_t n) {
        std::size_t got = 0;
        auto* out = static_cast<unsigned char*>(dst);
        while (got < n) {
            const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
            const int r = gzread(file_, out + got, chunk);
            if (r < 0) {
                int err = 0;
                const char* msg = gzerror(file_, &err);
                throw DataError(path_ + ": damaged compressed data (" + msg +
                                "); download or reinstall the file");
            }
            if (r == 0) {
                // zlib reports a stream cut short as a clean end; check explicitly.
                int err = 0;
                gzerror(file_, &err);
                if (err != Z_OK && err != Z_BUF_ERROR)
                    throw DataError(path_ + ": damaged compressed data");
                break;
            }
            got += static_cast<std::size_t>(r);
        }
        return got;
    }

private:
    std::string path_;
    gzFile file_ = nullptr;
};

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string find_file(const std::string& dir, const std::string& base) {
    namespace fs = std::filesystem;
    for (const char* ext : {"", ".gz"}) {
        const fs::path p = fs::path(dir) / (base + ext);
        if (fs::exists(p)) return p.string();
    }
    throw DataError(dir + ": no " + base + " or " + base +
                    ".gz found; install dataset-fashion-mnist or pass --data DIR with the "
                    "Fashion-MNIST IDX files");
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_dims) {
    Reader in(path);
    unsigned char magic[4];
    if (in.read(magic, 4) != 4)
        throw DataError(path + ": truncated (shorter than the 4-byte IDX magic number)");
    const std::uint32_t expected_magic = 0x0800u | std::uint32_t(expected_dims);
    if (be32(magic) != expected_magic)
        throw DataError(path + ": wrong magic number " + hex32(be32(magic)) + ", expected " +
                        hex32(expected_magic) + " (IDX unsigned bytes, " +
                        std::to_string(expected_dims) + " dimensions); is this the right file?");
    IdxArray a;
    std::uint64_t items = 1;
    for (int i = 0; i < expected_dims; ++i) {
        unsigned char d[4];
        if (in.read(d, 4) != 4)
            throw DataError(path + ": truncated inside the header (dimension " +
                            std::to_string(i + 1) + " missing)");
        const std::uint32_t dim = be32(d);
        if (dim == 0 || dim > kMaxDim)
            throw DataError(path + ": absurd header: dimension " + std::to_string(i + 1) + " is " +
                            std::to_string(dim));
        a.dims.push_back(dim);
        items *= dim;
        if (items > kMaxItems)
            throw DataError(path + ": absurd header: " + std::to_string(items) +
                            "+ items is beyond any IDX data set");
    }
    a.data.resize(items);
    const std::size_t got = in.read(a.data.data(), items);
    if (got != items)
        throw DataError(path + ": truncated: the header promises " + std::to_string(items) +
                        " bytes of data, the file has " + std::to_string(got));
    unsigned char extra;
    if (in.read(&extra, 1) != 0)
        throw DataError(path + ": longer than its header says (" + std::to_string(items) +
                        " bytes of data expected); the file is damaged or not IDX");
    return a;
}

IdxSplit read_idx_split(const std::string& dir, const std::string& prefix, int classes) {
    const std::string img_path = find_file(dir, prefix + "-images-idx3-ubyte");
    const std::string lbl_path = find_file(dir, prefix + "-labels-idx1-ubyte");
    IdxArray img = read_idx(img_path, 3);
    IdxArray lbl = read_idx(lbl_path, 1);
    if (img.dims[0] != lbl.dims[0])
        throw DataError(img_path + " has " + std::to_string(img.dims[0]) + " images but " +
                        lbl_path + " has " + std::to_string(lbl.dims[0]) +
                        " labels; the files do not belong together");
    for (std::size_t i = 0; i < lbl.data.size(); ++i)
        if (lbl.data[i] >= classes)
            throw DataError(lbl_path + ": label " + std::to_string(lbl.data[i]) + " at index " +
                            std::to_string(i) + " is not below " + std::to_string(classes));
    IdxSplit s;
    s.count = img.dims[0];
    s.rows = static_cast<int>(img.dims[1]);
    s.cols = static_cast<int>(img.dims[2]);
    s.pixels = std::move(img.data);
    s.labels = std::move(lbl.data);
    return s;
}

}  // namespace sparq::engine::data
