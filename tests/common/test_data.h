#pragma once
// The data sets tests read, found in one place. A test that needs one starts with
// SPARQ_REQUIRE_FASHION_MNIST() (or SPARQ_REQUIRE_LICENCE_TEXTS()): with the data it goes on;
// without it the test is skipped on a developer's machine and fails under CI=true, naming what
// is missing, so that a CI machine without the data can never be green.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sparq::test {

/// $SPARQ_DATA_DIR (as the engine reads it) or Debian's dataset-fashion-mnist folder.
inline std::string fashion_mnist_dir() {
    if (const char* dir = std::getenv("SPARQ_DATA_DIR"); dir && *dir) return dir;
    return "/usr/share/datasets/fashion-mnist";
}

inline bool have_fashion_mnist() {
    const std::string dir = fashion_mnist_dir();
    return std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz") ||
           std::filesystem::exists(dir + "/train-images-idx3-ubyte");
}

/// The text tiny-lm trains on (Debian's base-files).
inline std::string licence_texts_dir() { return "/usr/share/common-licenses"; }
inline bool have_licence_texts() { return std::filesystem::is_directory(licence_texts_dir()); }

/// True on a CI machine (CI=true or CI=1, as CI services set it).
inline bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && (std::string(ci) == "true" || std::string(ci) == "1");
}

}  // namespace sparq::test

#define SPARQ_REQUIRE_DATA_(present, what)                                                                \
    do {                                                                                                  \
        if (!(present)) {                                                                                 \
            if (::sparq::test::in_ci()) FAIL() << what << " is missing; CI=true, so this test fails";     \
            GTEST_SKIP() << what << " is missing (installer/setup-deps.sh installs it)";                  \
        }                                                                                                 \
    } while (0)

#define SPARQ_REQUIRE_FASHION_MNIST()                                                                     \
    SPARQ_REQUIRE_DATA_(::sparq::test::have_fashion_mnist(),                                              \
                        "Fashion-MNIST (" + ::sparq::test::fashion_mnist_dir() + ", package dataset-fashion-mnist)")

#define SPARQ_REQUIRE_LICENCE_TEXTS()                                                                     \
    SPARQ_REQUIRE_DATA_(::sparq::test::have_licence_texts(),                                              \
                        "tiny-lm's training text (" + ::sparq::test::licence_texts_dir() + ", package base-files)")
