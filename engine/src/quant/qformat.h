#pragma once
// The INT8 model file (".sqint8"), format version 1. Little-endian throughout:
//
//   offset 0        8 bytes  magic "SQINT8\r\n" (the CR LF catches text-mode mangling)
//   offset 8        u32      format version (1)
//   offset 12       u32      header length H
//   offset 16       H bytes  header: UTF-8 JSON (architecture, input quantization, ops with
//                            their shapes, quantization parameters and blob ranges,
//                            user metadata, payload_bytes)
//   offset 16 + H   P bytes  payload: the arrays the header points at (int8 weights, float
//                            scales, biases and gate weights), raw
//   last 4 bytes    u32      CRC-32 (zlib polynomial) of every byte before it
//
// Readers reject a wrong magic, a newer version, a size that does not add up, a checksum
// mismatch, and any header whose shapes and ranges do not fit the payload, each with a
// message naming the file; nothing in a file is trusted before it has been checked.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "quant/qmodel.h"

namespace sparq::engine::quant {

inline constexpr std::uint32_t kInt8FormatVersion = 1;

/// Writes atomically (temporary name, then rename); returns the file's size in bytes.
std::int64_t save_int8_model(const QuantModel& m, const nlohmann::json& metadata, const std::string& path);

/// Loads and checks a file; throws FormatError (or DataError when it cannot be read).
QuantModel load_int8_model(const std::string& path, nlohmann::json* metadata = nullptr);

/// The file's bytes, and the same checks on bytes held in memory (e.g. inside a bundle);
/// `what` names them in messages.
std::string encode_int8_model(const QuantModel& m, const nlohmann::json& metadata);
QuantModel parse_int8_model(const std::string& file, const std::string& what, nlohmann::json* metadata = nullptr);

}  // namespace sparq::engine::quant
