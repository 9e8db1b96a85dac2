#include "quant/qformat.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_bytes.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::quant {

namespace k = kernels;
using nlohmann::json;

namespace {

constexpr char kMagic[8] = {'S', 'Q', 'I', 'N', 'T', '8', '\r', '\n'};
constexpr std::size_t kFixed = 16;                       // magic, version, header length
constexpr std::uint64_t kMaxFile = std::uint64_t(1) << 31;  // 2 GiB: far beyond any model here

using file_bytes::crc_of;
using file_bytes::get_u32;
using file_bytes::put_u32;

class Writer {
public:
    std::string payload;
    template <class T>
    json blob(const std::vector<T>& v) {
        const std::size_t at = payload.size(), bytes = v.size() * sizeof(T);
        payload.append(reinterpret_cast<const char*>(v.data()), bytes);
        return json::array({at, bytes});
    }
};

json qp(const QParams& q) { return {{"scale", q.scale}, {"zero", q.zero}}; }

class Reader {
public:
    Reader(const std::string& path, const std::string& payload) : path_(path), payload_(payload) {}
    [[noreturn]] void fail(const std::string& msg) const {
        throw FormatError(path_ + ": " + msg + " (not a valid Sparq INT8 model file)");
    }
    template <class T>
    std::vector<T> blob(const json& range, std::size_t count, const std::string& what) const {
        const auto at = range.at(0).get<std::uint64_t>(), bytes = range.at(1).get<std::uint64_t>();
        if (bytes != count * sizeof(T)) fail(what + " holds " + std::to_string(bytes) + " bytes, its shape needs " +
                                              std::to_string(count * sizeof(T)));
        if (at > payload_.size() || bytes > payload_.size() - at) fail(what + " lies outside the payload");
        std::vector<T> v(count);
        if (bytes) std::memcpy(v.data(), payload_.data() + at, bytes);
        return v;
    }

private:
    const std::string& path_;
    const std::string& payload_;
};

QParams read_qp(const json& j) { return {j.at("scale").get<float>(), j.at("zero").get<std::int32_t>()}; }

}  // namespace

std::string encode_int8_model(const QuantModel& m, const json& metadata) {
    Writer w;
    json ops = json::array();
    for (const QOp& op : m.ops) {
        json j{{"kind", to_string(op.kind)}, {"name", op.name},   {"relu", op.relu}, {"float_out", op.float_out},
               {"in", qp(op.in)},            {"out", qp(op.out)}, {"channels", op.channels}, {"side", op.side}};
        if (op.kind != OpKind::MaxPool) {
            j["rows"] = op.w.rows;
            j["cols"] = op.w.cols;
            j["q"] = w.blob(op.w.q);
            j["scale"] = w.blob(op.w.scale);
            j["bias"] = w.blob(op.w.bias);
        }
        if (op.kind == OpKind::Gated) {
            const auto& s = op.gshape;
            const auto& p = op.policy;
            j["gated"] = {{"in", s.in}, {"out", s.out}, {"blocks", s.blocks}, {"groups", s.groups},
                          {"mode", p.mode == k::GateMode::TopK ? "topk" : "threshold"},
                          {"k_groups", p.k_groups}, {"k_blocks", p.k_blocks}, {"threshold", p.threshold}};
            j["gate_c"] = w.blob(op.gate_c);
            j["gate_cb"] = w.blob(op.gate_cb);
            j["gate_f"] = w.blob(op.gate_f);
            j["gate_fb"] = w.blob(op.gate_fb);
        }
        ops.push_back(std::move(j));
    }
    const json header{{"format", "sparq-int8"}, {"version", kInt8FormatVersion},
                      {"arch", m.arch},        {"inputs", m.inputs},
                      {"classes", m.classes},  {"input", qp(m.input)},
                      {"activation_max", k::kActMax}, {"ops", ops},
                      {"metadata", metadata},  {"payload_bytes", w.payload.size()}};
    const std::string h = header.dump();
    std::string file(kMagic, sizeof kMagic);
    put_u32(file, kInt8FormatVersion);
    put_u32(file, std::uint32_t(h.size()));
    file += h;
    file += w.payload;
    put_u32(file, crc_of(file.data(), file.size()));
    return file;
}

std::int64_t save_int8_model(const QuantModel& m, const json& metadata, const std::string& path) {
    const std::string file = encode_int8_model(m, metadata);
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    const fs::path tmp = target.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(file.data(), std::streamsize(file.size()));
        out.flush();
        if (!out) throw DataError(tmp.string() + ": cannot write the INT8 model (disk full or no permission?)");
    }
    fs::rename(tmp, target);
    return std::int64_t(file.size());
}

QuantModel load_int8_model(const std::string& path, json* metadata) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw DataError(path + ": cannot open the INT8 model file");
    const auto size = std::uint64_t(in.tellg());
    if (size > kMaxFile) throw FormatError(path + ": " + std::to_string(size) + " bytes is too large for an INT8 model");
    std::string file(size, '\0');
    in.seekg(0);
    in.read(file.data(), std::streamsize(size));
    if (!in) throw DataError(path + ": cannot read the INT8 model file");
    return parse_int8_model(file, path, metadata);
}

QuantModel parse_int8_model(const std::string& file, const std::string& path, json* metadata) {
    const std::uint64_t size = file.size();
    if (size > kMaxFile) throw FormatError(path + ": " + std::to_string(size) + " bytes is too large for an INT8 model");
    const std::string empty;
    Reader bad(path, empty);
    if (size < kFixed + 4 || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
        bad.fail("no Sparq INT8 magic at the start");
    const std::uint32_t version = get_u32(file, 8);
    if (version == 0 || version > kInt8FormatVersion)
        throw FormatError(path + ": INT8 model format version " + std::to_string(version) +
                          "; this build of Sparq reads version " + std::to_string(kInt8FormatVersion) +
                          (version > kInt8FormatVersion ? " (the file was written by a newer Sparq)" : ""));
    const std::uint32_t stored = get_u32(file, size - 4), computed = crc_of(file.data(), size - 4);
    if (stored != computed) bad.fail("checksum mismatch, the file is damaged or truncated");
    const std::uint64_t hlen = get_u32(file, 12);
    if (hlen > size - kFixed - 4) bad.fail("header length runs past the end of the file");

    const std::string payload = file.substr(kFixed + hlen, size - 4 - kFixed - hlen);
    Reader r(path, payload);
    QuantModel m;
    try {
        const json h = json::parse(file.begin() + kFixed, file.begin() + kFixed + std::ptrdiff_t(hlen));
        if (h.at("format").get<std::string>() != "sparq-int8") r.fail("header format is not sparq-int8");
        if (h.at("payload_bytes").get<std::uint64_t>() != payload.size()) r.fail("payload size does not match the header");
        if (h.at("activation_max").get<int>() != k::kActMax) r.fail("activation range differs from this build's kernels");
        m.arch = h.at("arch").get<std::string>();
        m.inputs = h.at("inputs").get<std::int32_t>();
        m.classes = h.at("classes").get<std::int32_t>();
        m.input = read_qp(h.at("input"));
        for (const json& j : h.at("ops")) {
            QOp op;
            const std::string kind = j.at("kind").get<std::string>();
            if (kind == "linear") op.kind = OpKind::Linear;
            else if (kind == "conv") op.kind = OpKind::Conv;
            else if (kind == "maxpool") op.kind = OpKind::MaxPool;
            else if (kind == "gated") op.kind = OpKind::Gated;
            else r.fail("unknown op kind '" + kind + "'");
            op.name = j.at("name").get<std::string>();
            op.relu = j.at("relu").get<bool>();
            op.float_out = j.at("float_out").get<bool>();
            op.in = read_qp(j.at("in"));
            op.out = read_qp(j.at("out"));
            op.channels = j.at("channels").get<std::int32_t>();
            op.side = j.at("side").get<std::int32_t>();
            if (op.kind != OpKind::MaxPool) {
                op.w.rows = j.at("rows").get<std::int32_t>();
                op.w.cols = j.at("cols").get<std::int32_t>();
                if (op.w.rows <= 0 || op.w.cols <= 0 || std::int64_t(op.w.rows) * op.w.cols > (std::int64_t(1) << 30))
                    r.fail(op.name + ": bad weight shape");
                const std::size_t n = std::size_t(op.w.rows) * op.w.cols;
                op.w.q = r.blob<std::int8_t>(j.at("q"), n, op.name + ".q");
                op.w.scale = r.blob<float>(j.at("scale"), op.w.rows, op.name + ".scale");
                op.w.bias = r.blob<float>(j.at("bias"), op.w.rows, op.name + ".bias");
                for (const std::int8_t v : op.w.q)
                    if (v < -127) r.fail(op.name + ": weight code -128 is outside [-127, 127]");
            }
            if (op.kind == OpKind::Gated) {
                const json& g = j.at("gated");
                op.gshape = {g.at("in").get<std::int32_t>(), g.at("out").get<std::int32_t>(),
                             g.at("blocks").get<std::int32_t>(), g.at("groups").get<std::int32_t>()};
                const std::string mode = g.at("mode").get<std::string>();
                if (mode != "topk" && mode != "threshold") r.fail(op.name + ": unknown gate mode");
                op.policy.mode = mode == "topk" ? k::GateMode::TopK : k::GateMode::Threshold;
                op.policy.k_groups = g.at("k_groups").get<std::int32_t>();
                op.policy.k_blocks = g.at("k_blocks").get<std::int32_t>();
                op.policy.threshold = g.at("threshold").get<float>();
                const auto& s = op.gshape;
                if (s.in <= 0 || s.groups <= 0 || s.blocks <= 0 || s.groups > 256 || s.blocks > 4096)
                    r.fail(op.name + ": bad gated shape");
                op.gate_c = r.blob<float>(j.at("gate_c"), std::size_t(s.groups) * s.in, op.name + ".gate_c");
                op.gate_cb = r.blob<float>(j.at("gate_cb"), s.groups, op.name + ".gate_cb");
                op.gate_f = r.blob<float>(j.at("gate_f"), std::size_t(s.blocks) * s.in, op.name + ".gate_f");
                op.gate_fb = r.blob<float>(j.at("gate_fb"), s.blocks, op.name + ".gate_fb");
            }
            m.ops.push_back(std::move(op));
        }
        if (metadata) *metadata = h.value("metadata", json::object());
    } catch (const json::exception& e) {
        r.fail(std::string("header: ") + e.what());
    }
    validate(m, path);
    for (QOp& op : m.ops)
        if (op.kind != OpKind::MaxPool) k::int8_pack(op.w);
    return m;
}

}  // namespace sparq::engine::quant
