#pragma once
// Progressive knowledge distillation: a frozen teacher, a small student, three stages.
//   1. structure alignment: a learned projection maps a student feature onto a teacher feature
//      (FitNets hint loss, MSE or cosine) - no labels;
//   2. task distillation: alpha * T^2 * KL(teacher_T || student_T) over every transfer image
//      plus (1 - alpha) * cross-entropy over the labelled ones;
//   3. adaptive distillation: alpha per sample from what is observed (distill_job.cpp has the
//      rule: the teacher's confidence, whether it is right about the label, and whether the
//      student already agrees with it).
// Baselines in the same job: the student on labels alone and the student with stage 2 only,
// same seed, same labelled subset, same number of optimizer steps.
#include <cstdint>
#include <string>

#include "sparq/engine/fields.h"

namespace sparq::engine {

struct DistillSpec {
    std::string teacher_checkpoint;       // trained teacher (a run's checkpoint.pt)
    std::string teacher_preset = "cnn-fashion";  // trained first when no checkpoint
    int teacher_epochs = 3;
    std::string student_preset = "student-fashion";
    std::int64_t labelled = 60000;        // the first N training images keep their labels
    int seeds = 1;
    int stage1_epochs = 1, stage2_epochs = 3, stage3_epochs = 2;
    std::string hint_loss = "mse";        // mse | cosine
    int hint_student_point = -1;          // quantization-point index of the student feature (-1 = last hidden)
    int hint_teacher_point = -1;          // the teacher's (-1 = last hidden)
    double alpha = 0.7;                   // stage 2: weight of the distillation term
    double temperature = 4.0;
    double agreement_discount = 0.5;      // stage 3: alpha shrinks by this share where the student agrees
    bool baselines = true;
    int threads = 2;
    std::int64_t limit_test = 0;
    std::string data_dir;
    std::string device = "auto";          // auto | cpu
};
SPARQ_DECLARE_SPEC_FIELDS(DistillSpec);

struct DistillResult {
    std::int64_t run_id = 0;
    std::string status;
    std::string error;
    double teacher_accuracy = 0;
    double student_accuracy = 0, student_accuracy_std = 0;          // three stages
    double logit_only_accuracy = 0, logit_only_accuracy_std = 0;    // stage 2 only
    double student_alone_accuracy = 0, student_alone_accuracy_std = 0;  // labels only
    double ratio = 0;           // student / teacher
    double gap_recovered = 0;   // (student - alone) / (teacher - alone)
    std::int64_t teacher_params = 0, student_params = 0, labelled = 0;
    int seeds = 1;
    std::int64_t steps = 0;     // optimizer steps of each student
    std::string device = "cpu"; // the device that ran the job
    double wall_s = 0;
};
std::string to_json(const DistillResult& r);

}  // namespace sparq::engine
