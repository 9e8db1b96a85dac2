#pragma once
// The continual-learning job: a task sequence from Fashion-MNIST, each method (EWC,
// fine-tuning, joint training) trained through it, the accuracy matrix filled as it goes.
#include <torch/types.h>

#include <string>
#include <vector>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/continual.h"
#include "job/job_context.h"

namespace sparq::engine::continual {

/// Every task is a view of the same images: a pixel order and the classes it may predict.
struct TaskSet {
    torch::Tensor perms;   // int64 [T, 784]: pixel order of each task (identity where not permuted)
    torch::Tensor masks;   // bool [T, 10]: the classes each task's logits keep (task-incremental);
                           // all true for permuted and class-incremental tasks
    std::vector<torch::Tensor> train_rows, test_rows;  // int64 per task: rows of each split
    int size() const { return int(train_rows.size()); }
};

/// permuted: task 0 unpermuted, task k a fixed permutation seeded by (task_seed, k).
/// split-task / split-class: task k holds classes 2k and 2k+1; split-task masks the logits
/// to those two classes (a head per task), split-class predicts among all ten.
TaskSet make_tasks(const ContinualSpec& spec, const data::FashionMnist& ds);

/// Inputs (raw pixels in [0, 1], in the task's pixel order), labels and logit masks of rows
/// `rows` of `split`, row r seen as task task_of[r].
struct Batch {
    torch::Tensor x, y, mask;
};
Batch make_batch(const TaskSet& tasks, const data::Split& split, const torch::Tensor& task_of, const torch::Tensor& rows);
/// Logits with the classes outside the mask set to -inf.
torch::Tensor masked_logits(models::ClassifierImpl& model, const torch::Tensor& x, const torch::Tensor& mask);
/// Accuracy on the first `limit` (0 = all) test rows of task `task`.
double task_accuracy(models::ClassifierImpl& model, const TaskSet& tasks, const data::Split& test, int task,
                     std::int64_t limit);

enum class Method { Ewc, Finetune, Joint };
const char* to_string(Method m);

/// Trains `model` through every task with one method and fills its accuracy matrix. With a
/// context, streams progress and series (see continual_job.cpp) and stops when cancelled;
/// without one (tests) it runs silently. EWC appends its per-layer Fisher summaries to
/// `fisher`, when given.
ContinualRun run_method(const ContinualSpec& spec, const TaskSet& tasks, const data::FashionMnist& ds, Method method,
                        models::ClassifierImpl& model, JobContext* ctx,
                        std::vector<FisherSummary>* fisher = nullptr);

/// The model every method starts from (the same weights for the same spec).
std::shared_ptr<models::ClassifierImpl> make_start_model(const ContinualSpec& spec);

/// The whole job: EWC and the baselines the spec asks for.
ContinualResult run_continual(const ContinualSpec& spec, JobContext& ctx);

}  // namespace sparq::engine::continual
