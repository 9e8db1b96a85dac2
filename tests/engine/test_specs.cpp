#include <gtest/gtest.h>

#include "sparq/engine/errors.h"
#include "sparq/engine/train.h"

using namespace sparq::engine;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Specs, PresetsLoadAndValidate) {
    const auto names = list_presets();
    ASSERT_NE(std::find(names.begin(), names.end(), "mlp-fashion"), names.end());
    ASSERT_NE(std::find(names.begin(), names.end(), "cnn-fashion"), names.end());
    const TrainSpec mlp = load_preset("mlp-fashion");
    EXPECT_EQ(mlp.model, "mlp");
    EXPECT_EQ(mlp.hidden, (std::vector<int>{512, 256}));
    EXPECT_EQ(mlp.batch_size, 128);
    EXPECT_EQ(mlp.optimizer, "adam");
    EXPECT_EQ(mlp.preset, "mlp-fashion");
    const TrainSpec cnn = load_preset("cnn-fashion");
    EXPECT_EQ(cnn.model, "cnn");
    EXPECT_NO_THROW(validate(cnn));
}

TEST(Specs, UnknownPresetListsTheAvailableOnes) {
    const std::string msg = error_of([] { load_preset("mlp-fashon"); });
    EXPECT_NE(msg.find("unknown preset 'mlp-fashon'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mlp-fashion"), std::string::npos) << msg;
}

TEST(Specs, UnknownKeysAreRejectedWithTheKnownOnes) {
    const std::string msg = error_of([] { train_spec_from_json(R"({"lr_rate": 0.1})", "my.json"); });
    EXPECT_NE(msg.find("my.json"), std::string::npos);
    EXPECT_NE(msg.find("unknown key 'lr_rate'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("batch_size"), std::string::npos) << "lists the known keys";
}

TEST(Specs, WrongTypesAndRangesAreRejected) {
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"epochs": 0})", "x"); }).find("out of range"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"epochs": 2.5})", "x"); }).find("integer"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"lr": "fast"})", "x"); }).find("number"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"optimizer": "lion"})", "x"); }).find("adam, sgd"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"hidden": []})", "x"); }).find("non-empty"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"hidden": [512, -1]})", "x"); }).find("out of range"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json("{not json", "x"); }).find("not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json("[1,2]", "x"); }).find("JSON object"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"kind": "quantize"})", "x"); }).find("not a training job"),
              std::string::npos);
    EXPECT_NE(error_of([] { train_spec_from_json(R"({"limit_train": 10, "batch_size": 64})", "x"); })
                  .find("smaller than 'batch_size'"),
              std::string::npos);
}

TEST(Specs, TextFieldsParseAndRoundTrip) {
    TrainSpec s;
    set_field(s, "epochs", "7");
    set_field(s, "lr", "0.01");
    set_field(s, "hidden", "64, 32");
    set_field(s, "checkpoint", "false");
    EXPECT_EQ(s.epochs, 7);
    EXPECT_DOUBLE_EQ(s.lr, 0.01);
    EXPECT_EQ(s.hidden, (std::vector<int>{64, 32}));
    EXPECT_FALSE(s.checkpoint);
    EXPECT_EQ(get_field(s, "hidden"), "64,32");
    EXPECT_EQ(get_field(s, "epochs"), "7");
    EXPECT_NE(error_of([&] { set_field(s, "epochs", "7x"); }).find("not an integer"), std::string::npos);
    EXPECT_NE(error_of([&] { set_field(s, "threads", "0"); }).find("out of range"), std::string::npos);
    EXPECT_NE(error_of([&] { set_field(s, "hidden", "64,a"); }).find("list of integers"), std::string::npos);
    EXPECT_EQ(s.epochs, 7) << "a rejected value leaves the spec unchanged";

    const TrainSpec back = train_spec_from_json(to_json(s), "round trip");
    EXPECT_EQ(to_json(back), to_json(s));
}

TEST(Specs, EveryFieldIsDescribed) {
    const auto& fields = spec_fields<TrainSpec>();
    EXPECT_GE(fields.size(), 15u);
    int main_fields = 0;
    for (const FieldInfo& f : fields) {
        EXPECT_FALSE(f.help.empty()) << f.key;
        if (f.type == FieldType::Int || f.type == FieldType::Float) {
            EXPECT_LT(f.min, f.max) << f.key;
        }
        main_fields += f.main;
    }
    EXPECT_GE(main_fields, 5);
}
