#include "export/onnx_io.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

namespace {

void check_value(const onnx::ValueInfoProto& v, const std::string& what, const std::string& role) {
    if (!v.type().has_tensor_type() || v.type().tensor_type().elem_type() != onnx::TensorProto_DataType_FLOAT)
        throw FormatError(what + ": the graph's " + role + " '" + v.name() + "' is not a float tensor");
    const auto& shape = v.type().tensor_type().shape();
    if (shape.dim_size() < 2 || !shape.dim(shape.dim_size() - 1).has_dim_value())
        throw FormatError(what + ": the graph's " + role + " '" + v.name() + "' has no [batch, ...] shape");
}

}  // namespace

std::string serialize(const onnx::ModelProto& m) {
    std::string bytes;
    if (!m.SerializeToString(&bytes)) throw FormatError("ONNX export: protobuf could not serialize the model");
    return bytes;
}

onnx::ModelProto parse_checked(const std::string& bytes, const std::string& what) {
    if (bytes.size() > std::size_t(std::numeric_limits<int>::max()))
        throw FormatError(what + ": " + std::to_string(bytes.size()) + " bytes is more than protobuf reads (2 GiB)");
    onnx::ModelProto m;
    if (!m.ParseFromString(bytes))
        throw FormatError(what + ": not an ONNX model (protobuf parsing failed; damaged or another format)");
    try {
        onnx::checker::check_model(m);
    } catch (const std::exception& e) {
        throw FormatError(what + ": the ONNX checker rejects the model: " + e.what());
    }
    try {
        // On a copy: inference writes value_info for every intermediate tensor. check_type
        // and error mode 1 make any node whose types or shapes do not fit an error.
        onnx::ModelProto inferred = m;
        onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(true, 1, true));
    } catch (const std::exception& e) {
        throw FormatError(what + ": ONNX shape inference fails: " + e.what());
    }
    const auto& g = m.graph();
    if (g.input_size() != 1 || g.output_size() != 1)
        throw FormatError(what + ": a Sparq classifier has one input and one output, this graph has " +
                          std::to_string(g.input_size()) + " and " + std::to_string(g.output_size()));
    check_value(g.input(0), what, "input");
    check_value(g.output(0), what, "output");
    return m;
}

onnx::ModelProto load_checked(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path + ": cannot open the ONNX file");
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) throw DataError(path + ": cannot read the ONNX file");
    return parse_checked(ss.str(), path);
}

std::map<std::string, std::string> metadata(const onnx::ModelProto& m) {
    std::map<std::string, std::string> out;
    for (const auto& p : m.metadata_props()) out[p.key()] = p.value();
    return out;
}

}  // namespace sparq::engine::exporter
