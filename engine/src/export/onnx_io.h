#pragma once
// Reading ONNX files back the way a runtime would: protobuf parse, the ONNX checker, strict
// shape inference, and Sparq's interface (one float input, one float output [batch, C]).
#include <onnx/onnx_pb.h>

#include <map>
#include <string>

namespace sparq::engine::exporter {

/// The model's bytes; throws FormatError when protobuf cannot serialize it.
std::string serialize(const onnx::ModelProto& m);

/// Parses `bytes` (read from `what`), runs onnx::checker::check_model and strict shape
/// inference (types checked, node errors thrown) on a copy, and checks that the graph has one
/// float input and one float output whose last dimension is known. Throws FormatError naming
/// `what` and the problem.
onnx::ModelProto parse_checked(const std::string& bytes, const std::string& what);
/// The same for a file.
onnx::ModelProto load_checked(const std::string& path);

/// The model's metadata_props as a map.
std::map<std::string, std::string> metadata(const onnx::ModelProto& m);

}  // namespace sparq::engine::exporter
