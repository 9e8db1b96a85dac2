#pragma once
#include <torch/types.h>

#include <string>

#include "sparq/engine/distill.h"
#include "job/job_context.h"

namespace sparq::engine::distill {

/// Stage 1's hint loss between the projected student feature and the teacher's: "mse" or
/// "cosine" (1 - cosine similarity, averaged over the batch).
torch::Tensor hint_loss(const torch::Tensor& mapped, const torch::Tensor& target, const std::string& kind);

/// Per-sample T^2 * KL(softmax(t / T) || softmax(s / T)).
torch::Tensor kd_per_sample(const torch::Tensor& s_logits, const torch::Tensor& t_logits, double T);

/// Stage 3's weight of the distillation term per sample:
///   unlabelled                 alpha = 1 (the teacher is all there is)
///   labelled, teacher wrong    alpha = 0 (trust the label)
///   labelled, teacher right    alpha = confidence * (1 - discount * agree)
/// confidence: the teacher's top softmax probability at T = 1; agree: 1 when the student's
/// argmax already equals the teacher's. A confident teacher teaches more; a student that
/// already agrees learns more from the label.
torch::Tensor adaptive_alpha(const torch::Tensor& t_logits, const torch::Tensor& s_logits, const torch::Tensor& labels,
                             const torch::Tensor& is_labelled, double discount);

/// Runs the three stages and the baselines for every seed; see sparq/engine/distill.h.
DistillResult run_distill(const DistillSpec& spec, JobContext& ctx);

}  // namespace sparq::engine::distill
