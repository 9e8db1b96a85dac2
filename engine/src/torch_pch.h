#pragma once
// The LibTorch headers that most engine and test files use, precompiled once for every
// LibTorch target (cmake/SparqBuildSpeed.cmake). Files still include what they use themselves:
// this list only decides what is parsed once. Serialization, CUDA and autocast stay out (few
// files need them, and every header here costs each translation unit its template
// instantiations).
#include <ATen/Parallel.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>
