#pragma once
// Continual learning: a sequence of tasks learned one after another, protected against
// forgetting by Elastic Weight Consolidation,
//     L = L_new + lambda * sum_k sum_i F_k,i (theta_i - theta*_k,i)^2,
// with F_k the diagonal Fisher information after task k and theta*_k the weights then.
// Online EWC keeps one merged term instead: F <- gamma * F + F_k, theta* <- theta after k.
// Baselines in the same job: plain fine-tuning (no protection) and, optionally, joint
// training on all tasks so far (the upper bound).
#include <cstdint>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"

namespace sparq::engine {

struct ContinualSpec {
    std::string name;                    // run name; empty = "<scenario> x<tasks>"
    std::string preset;                  // the continual preset this came from, if any
    std::string description;             // a line for people choosing a preset
    std::string scenario = "permuted";   // permuted | split-task | split-class
    int tasks = 10;                      // permuted: any count; split: 5 (two classes each)
    std::uint64_t task_seed = 1;         // seeds the pixel permutations
    // The network and its optimizer (the same for every method).
    std::vector<int> hidden{512, 512};
    std::string optimizer = "adam";      // adam | sgd; a fresh optimizer for every task
    double lr = 0.001;
    double momentum = 0.9;
    int batch_size = 128;
    int epochs_per_task = 1;
    std::uint64_t seed = 1;
    // EWC.
    double lambda = 100.0;
    std::vector<double> lambdas;         // per task (task t trains with lambdas[t]); missing = lambda
    double online_gamma = 0.0;           // 0 = one penalty per task; > 0 = online EWC with this decay
    std::string fisher = "empirical";    // empirical (observed labels) | true (expectation over the model's classes)
    int fisher_samples = 1000;           // training images of the task that estimate F
    // Baselines: "finetune" (default), "joint" (fine-tuning and joint), "none".
    std::string baseline = "finetune";
    int threads = 2;
    std::int64_t limit_train = 0;        // per task: first N of its training images (0 = all)
    std::int64_t limit_test = 0;         // per task: first N of its test images (0 = all)
    std::string data_dir;
    std::string device = "auto";         // auto | cpu

    double lambda_for(int task) const {
        return task < int(lambdas.size()) ? lambdas[std::size_t(task)] : lambda;
    }
};
SPARQ_DECLARE_SPEC_FIELDS(ContinualSpec);
/// Continual presets live in the "continual" folder of the preset folders.
std::vector<std::string> list_continual_presets();
ContinualSpec load_continual_preset(const std::string& name);

/// What one accuracy matrix says. R[i][j] = accuracy on task j after training task i.
struct ContinualMetrics {
    double average_accuracy = 0;       // mean_j R[T-1][j]
    double just_trained_average = 0;   // mean_j R[j][j]
    double retention = 0;              // average_accuracy / just_trained_average
    double backward_transfer = 0;      // mean_{j<T-1} (R[T-1][j] - R[j][j])
    std::vector<double> forgetting;    // per task j < T-1: max_{i<T-1} R[i][j] - R[T-1][j]
};
/// Throws ConfigError unless R is square and non-empty.
ContinualMetrics summarize(const std::vector<std::vector<double>>& R);

/// The result of one method (ewc, finetune or joint).
struct ContinualRun {
    std::vector<std::vector<double>> accuracy_matrix;
    ContinualMetrics metrics;
    double wall_s = 0;
};

/// Mean diagonal Fisher of one parameter tensor after one task.
struct FisherSummary {
    int task = 0;
    std::string param;
    double mean = 0, max = 0;
};

struct ContinualResult {
    std::int64_t run_id = 0;
    std::string status;
    std::string scenario;
    int tasks = 0;
    double lambda = 0;
    double online_gamma = 0;
    ContinualRun ewc;
    bool has_finetune = false, has_joint = false;
    ContinualRun finetune, joint;
    std::vector<FisherSummary> fisher;
    std::int64_t params = 0;
    std::string device = "cpu";    // the device that ran the job
    double wall_s = 0;
};
/// Keys: tasks, lambda, ewc_average_accuracy, ewc_retention, accuracy_matrix (EWC),
/// finetune_average_accuracy, finetune_retention (null without the baseline), and more.
std::string to_json(const ContinualResult& r);

}  // namespace sparq::engine
