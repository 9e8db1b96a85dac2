#pragma once
// The little-endian integers and the CRC-32 of Sparq's binary files (the INT8 model format
// and the deployment bundle): fixed-width fields written byte by byte, so a file reads the
// same on any host.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace sparq::engine::file_bytes {

inline void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}

/// The caller checks that [at, at + 4) lies inside `in`.
inline std::uint32_t get_u32(const std::string& in, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t(std::uint8_t(in[at + i])) << (8 * i);
    return v;
}

/// zlib's CRC-32 of any length (zlib takes 32-bit lengths: the data goes in 1 GiB chunks).
inline std::uint32_t crc_of(const char* data, std::size_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        const uInt chunk = uInt(std::min<std::size_t>(n, std::size_t(1) << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
        data += chunk;
        n -= chunk;
    }
    return std::uint32_t(crc);
}

}  // namespace sparq::engine::file_bytes
