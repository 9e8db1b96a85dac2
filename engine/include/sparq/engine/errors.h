#pragma once
// Errors a user can cause. what() names the thing at fault and says what to do.
#include <stdexcept>
#include <string>

namespace sparq::engine {

/// A bad job specification: unknown key, wrong type, value out of range.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A missing, truncated or malformed data or checkpoint file.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A model file that is damaged, truncated, of a newer format version or not a Sparq file.
class FormatError : public DataError {
public:
    using DataError::DataError;
};

}  // namespace sparq::engine
