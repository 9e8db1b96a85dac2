// sparq-cli: headless front end of the Sparq engine. Thin: parse, dispatch, report.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/run_store.h"

using namespace sparq;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw engine::ConfigError("cannot read config file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Sparq: train, compress and compare neural models", "sparq-cli"};
    app.require_subcommand(1);

    // train
    auto* train = app.add_subcommand("train", "train a model and record the run in the history");
    cli::TrainOptions to;
    std::string data, resume, epochs, limit_train, limit_test, seed, threads, lr, batch,
        active_fraction, gate;
    std::vector<std::string> sets;
    train->add_option("--preset", to.preset, "preset name (see resources/presets)");
    train->add_option("--config", to.config, "JSON job config applied on top of the preset");
    train->add_option("--data", data, "folder of Fashion-MNIST IDX files");
    train->add_option("--epochs", epochs, "epochs");
    train->add_option("--limit-train", limit_train, "use the first N training images");
    train->add_option("--limit-test", limit_test, "evaluate on the first N test images");
    train->add_option("--seed", seed, "random seed");
    train->add_option("--threads", threads, "CPU threads");
    train->add_option("--lr", lr, "learning rate");
    train->add_option("--batch-size", batch, "batch size");
    train->add_option("--resume", resume, "resume from a checkpoint");
    train->add_option("--active-fraction", active_fraction, "gated models: share of blocks kept per input");
    train->add_option("--gate", gate, "gated models: gate training, st or reinforce");
    train->add_option("--set", sets, "set any job field: KEY=VALUE (repeatable)");
    train->add_option("--db", to.db, "history database (default: " + profiler::default_db_path() + ")");
    train->add_option("--workspace", to.workspace, "folder for run checkpoints");
    train->add_option("--ops-window", to.profile.ops_window,
                      "share of each profiler period with operators recorded (default 0.2; 1 = every op)")
        ->check(CLI::Range(0.01, 1.0));
    train->add_flag("--json", to.json, "print the summary as one JSON object on the last line");
    train->add_flag("--quiet", to.quiet, "no progress or epoch lines");

    // history
    auto* history = app.add_subcommand("history", "read the run history");
    history->require_subcommand(1);
    auto* hlist = history->add_subcommand("list", "list runs, newest first");
    cli::HistoryOptions ho;
    hlist->add_option("--db", ho.db, "history database");
    hlist->add_option("--limit", ho.limit, "at most N runs");
    hlist->add_flag("--json", ho.json, "print one JSON object");
    hlist->add_option("--kind", ho.kind, "only runs of this kind (train, quantize, distill, continual, ...)");
    hlist->add_option("--status", ho.status, "only runs with this status");
    hlist->add_option("--search", ho.search, "text in the name, preset, configuration or summary");
    hlist->add_option("--since", ho.since, "started on or after this date (YYYY-MM-DD)");
    hlist->add_option("--until", ho.until, "started on or before this date (YYYY-MM-DD)");
    hlist->add_option("--tag", ho.tag, "only runs carrying this tag");
    hlist->add_flag("--archived", ho.archived, "include archived runs");
    auto* hshow = history->add_subcommand("show", "one run: configuration, summary, series, events, artifacts");
    auto* hcompare = history->add_subcommand("compare", "runs side by side: status, duration, summary metrics");
    auto* hdiff = history->add_subcommand("diff", "the configuration keys that differ between runs");
    auto* hexport = history->add_subcommand("export", "runs (and their samples) as JSON or CSV");
    auto* hdelete = history->add_subcommand("delete", "delete runs and everything recorded for them");
    auto* htag = history->add_subcommand("tag", "add or remove tags on runs");
    auto* harchive = history->add_subcommand("archive", "hide runs from listings (kept), or --restore them");
    auto* hnote = history->add_subcommand("note", "set a run's notes");
    auto* hrename = history->add_subcommand("rename", "rename a run");
    for (auto* sub : {hshow, hcompare, hdiff, hexport, hdelete, htag, harchive}) {
        sub->add_option("runs", ho.runs, "run ids")->required(sub != hexport);
        sub->add_option("--db", ho.db, "history database");
        sub->add_flag("--json", ho.json, "print one JSON object");
    }
    hdiff->add_flag("--all", ho.all, "every key, not only those that differ");
    hexport->add_option("--format", ho.format, "json or csv")->check(CLI::IsMember({"json", "csv"}));
    hexport->add_flag("--series", ho.series, "the runs' samples too (CSV: one row per sample)");
    hexport->add_option("--out", ho.out, "file to write (default: standard output)");
    hexport->add_option("--kind", ho.kind, "without run ids: runs of this kind");
    hexport->add_option("--status", ho.status, "without run ids: runs with this status");
    hexport->add_option("--search", ho.search, "without run ids: runs whose text contains this");
    hexport->add_option("--tag", ho.tag, "without run ids: runs carrying this tag");
    hexport->add_flag("--archived", ho.archived, "without run ids: include archived runs");
    htag->add_option("--add", ho.add_tags, "tags to add (repeat or comma-separate)")->delimiter(',');
    htag->add_option("--remove", ho.remove_tags, "tags to remove (repeat or comma-separate)")->delimiter(',');
    harchive->add_flag("--restore", ho.restore, "bring archived runs back");
    for (auto* sub : {hnote, hrename}) {
        sub->add_option("run", ho.run, "run id")->required();
        sub->add_option("text", ho.text, sub == hnote ? "the notes (empty clears them)" : "the new name")->required(sub == hrename);
        sub->add_option("--db", ho.db, "history database");
        sub->add_flag("--json", ho.json, "print one JSON object");
    }

    // bench
    auto* bench = app.add_subcommand("bench", "measure engine performance");
    bench->require_subcommand(1);
    auto* btrain = bench->add_subcommand("train", "training throughput of a preset's model");
    cli::BenchTrainOptions bo;
    btrain->add_option("--preset", bo.preset, "preset (default mlp-fashion)");
    btrain->add_option("--data", bo.data, "folder of Fashion-MNIST IDX files");
    btrain->add_option("--threads", bo.threads, "CPU threads")->check(CLI::Range(1, 256));
    btrain->add_option("--steps", bo.steps, "steps per repeat")->check(CLI::Range(10, 100000));
    btrain->add_option("--repeats", bo.repeats, "repeats (median reported)")->check(CLI::Range(1, 100));
    btrain->add_flag("--json", bo.json, "print one JSON object");
    auto* bsparse = bench->add_subcommand("sparse", "gated sparse layers vs the dense LibTorch path, batch 1 and 64");
    cli::BenchSparseOptions so;
    bsparse->add_option("--preset", so.options.preset, "gated preset (default gated-mlp-fashion)");
    bsparse->add_option("--active-fraction", so.options.active_fraction, "share of blocks kept per input")
        ->check(CLI::Range(0.001, 1.0));
    bsparse->add_option("--checkpoint", so.options.checkpoint, "trained weights of that preset");
    bsparse->add_option("--threads", so.options.threads, "CPU threads")->check(CLI::Range(1, 256));
    bsparse->add_option("--seconds", so.options.seconds_per_point, "measuring time per point")
        ->check(CLI::Range(0.1, 600.0));
    bsparse->add_flag("--json", so.json, "print one JSON object");

    auto* bstore = bench->add_subcommand("store", "the history: ingest rate, listing 10k runs, loading 20 x 100k points, bytes per sample");
    cli::BenchStoreOptions sto;
    bstore->add_option("--samples", sto.options.ingest_samples, "samples to ingest")->check(CLI::Range(100000, 1000000000));
    bstore->add_option("--runs", sto.options.runs, "runs to list")->check(CLI::Range(1, 1000000));
    bstore->add_option("--dir", sto.options.dir, "folder for the scratch databases (default: the temp folder)");
    bstore->add_flag("--json", sto.json, "print one JSON object");
    auto* bamp = bench->add_subcommand("amp", "the same model trained in fp32 and bf16: step time, peak memory, accuracy");
    cli::BenchAmpOptions ao;
    bamp->add_option("--preset", ao.options.preset, "preset (default mlp-fashion)");
    bamp->add_option("--precisions", ao.options.precisions, "precisions, the first is the reference")->delimiter(',');
    bamp->add_option("--steps", ao.options.steps, "optimizer steps per precision")->check(CLI::Range(10, 1000000));
    bamp->add_option("--threads", ao.options.threads, "CPU threads")->check(CLI::Range(1, 256));
    bamp->add_option("--limit-test", ao.options.limit_test, "evaluate on the first N test images");
    bamp->add_flag("--json", ao.json, "print one JSON object");
    auto* bprof = bench->add_subcommand("profiler-overhead", "training step time with the profiler off and on, alternated");
    cli::BenchProfilerOptions po;
    bprof->add_option("--presets", po.options.presets, "presets (default mlp-fashion,cnn-fashion)")->delimiter(',');
    bprof->add_option("--rounds", po.options.rounds, "rounds per mode")->check(CLI::Range(3, 100000));
    bprof->add_option("--steps", po.options.steps_per_round, "steps per round (default: as many as fill --round-seconds)")
        ->check(CLI::Range(1, 100000));
    bprof->add_option("--round-seconds", po.options.round_seconds, "length of a round when --steps is not given")
        ->check(CLI::Range(0.05, 3600.0));
    bprof->add_option("--ops-window", po.options.profile.ops_window,
                      "share of each profiler period with operators recorded (1 = every op)")
        ->check(CLI::Range(0.01, 1.0));
    bprof->add_flag("--no-ops", [&po](std::int64_t) { po.options.profile.ops = false; }, "no operator profiling");
    bprof->add_option("--threads", po.options.threads, "CPU threads")->check(CLI::Range(1, 256));
    bprof->add_flag("--json", po.json, "print one JSON object");
    auto* bint8 = bench->add_subcommand("int8", "FP32 LibTorch path vs INT8 kernels on a preset's shapes, batch 1 and 64");
    cli::BenchInt8Options io;
    bint8->add_option("--preset", io.options.preset, "preset whose architecture to time (default mlp-fashion)");
    bint8->add_option("--threads", io.options.threads, "CPU threads")->check(CLI::Range(1, 256));
    bint8->add_option("--seconds", io.options.seconds, "measuring time per point")->check(CLI::Range(0.1, 600.0));
    bint8->add_flag("--json", io.json, "print one JSON object");

    // quantize
    auto* quantize = app.add_subcommand("quantize", "quantize a model to INT8 (PTQ or QAT) and compare it with FP32");
    cli::QuantizeOptions qo;
    auto& qs = qo.spec;
    quantize->add_option("--preset", qs.preset, "train this preset's float model first (default mlp-fashion)");
    quantize->add_option("--checkpoint", qs.checkpoint, "trained float model (a run's checkpoint.pt)");
    quantize->add_option("--mode", qs.mode, "ptq (calibration only) or qat (quantization-aware fine-tuning)")
        ->check(CLI::IsMember({"ptq", "qat"}));
    quantize->add_option("--observer", qs.observer, "calibration observer")
        ->check(CLI::IsMember({"minmax", "ema", "percentile", "mse"}));
    quantize->add_option("--percentile", qs.percentile, "percentile observer: the percentile kept");
    quantize->add_option("--calibration", qs.calibration_samples, "training images held out for calibration");
    quantize->add_option("--qat-epochs", qs.qat_epochs, "QAT fine-tuning epochs");
    quantize->add_option("--freeze-after", qs.freeze_observers_after, "QAT steps before the ranges freeze");
    quantize->add_option("--qat-lr", qs.qat_lr, "QAT learning rate");
    quantize->add_option("--alert", qs.error_alert, "alert when a layer's relative error exceeds this");
    quantize->add_option("--epochs", qs.train_epochs, "epochs of float training when no checkpoint is given");
    quantize->add_option("--threads", qs.threads, "CPU threads");
    quantize->add_option("--limit-train", qs.limit_train, "train / fine-tune on the first N images");
    quantize->add_option("--limit-test", qs.limit_test, "evaluate on the first N test images");
    quantize->add_option("--data", qs.data_dir, "folder of Fashion-MNIST IDX files");
    quantize->add_option("--output", qs.output, "INT8 model file (default: the run's folder)");
    quantize->add_option("--seconds", qs.bench_seconds, "timing per batch size and path");
    quantize->add_option("--seed", qs.seed, "random seed");
    quantize->add_option("--db", qo.db, "history database");
    quantize->add_option("--workspace", qo.workspace, "folder for run files");
    quantize->add_flag("--json", qo.json, "print the summary as one JSON object on the last line");
    quantize->add_flag("--quiet", qo.quiet, "no progress lines");

    // distill
    auto* distill = app.add_subcommand("distill", "distil a teacher into a small student in three stages, with baselines");
    cli::DistillOptions dopt;
    auto& ds = dopt.spec;
    distill->add_option("--teacher", dopt.teacher, "teacher: a run id, a checkpoint path or a preset (default cnn-fashion)");
    std::string distill_config;
    distill->add_option("--config", distill_config, "JSON file of distillation fields (applied before the flags)");
    distill->add_option("--teacher-epochs", ds.teacher_epochs, "epochs when the teacher is trained first");
    distill->add_option("--student", ds.student_preset, "student preset (default student-fashion)");
    distill->add_option("--labelled", ds.labelled, "the first N training images keep their labels");
    distill->add_option("--seeds", ds.seeds, "repeat with K seeds; accuracies are means, *_std added")->check(CLI::Range(1, 20));
    distill->add_option("--stage1-epochs", ds.stage1_epochs, "structure alignment epochs");
    distill->add_option("--stage2-epochs", ds.stage2_epochs, "task distillation epochs");
    distill->add_option("--stage3-epochs", ds.stage3_epochs, "adaptive distillation epochs");
    distill->add_option("--hint-loss", ds.hint_loss, "mse or cosine")->check(CLI::IsMember({"mse", "cosine"}));
    distill->add_option("--alpha", ds.alpha, "stage 2 weight of the distillation term");
    distill->add_option("--temperature", ds.temperature, "distillation temperature");
    distill->add_flag("!--no-baseline", ds.baselines, "skip the label-only and logit-only students");
    distill->add_option("--threads", ds.threads, "CPU threads");
    distill->add_option("--limit-test", ds.limit_test, "evaluate on the first N test images");
    distill->add_option("--data", ds.data_dir, "folder of Fashion-MNIST IDX files");
    distill->add_option("--db", dopt.db, "history database");
    distill->add_option("--workspace", dopt.workspace, "folder for run files");
    distill->add_flag("--json", dopt.json, "print the summary as one JSON object on the last line");
    distill->add_flag("--quiet", dopt.quiet, "no progress lines");

    // continual
    auto* continual = app.add_subcommand("continual", "learn a task sequence with EWC, beside plain fine-tuning");
    cli::ContinualOptions copt;
    std::vector<std::string> continual_sets;
    continual->add_option("--preset", copt.preset, "continual preset (resources/presets/continual; default permuted-fashion)");
    continual->add_option("--config", copt.config, "JSON file of continual fields (applied on top of the preset)");
    // Flags that name a field of the spec, applied after the preset and the config file.
    const std::pair<const char*, const char*> continual_flags[] = {
        {"tasks", "number of tasks"},
        {"lambda", "EWC strength"},
        {"lambdas", "EWC strength per task, comma-separated"},
        {"online_gamma", "online EWC with this decay (0 = a penalty per task)"},
        {"baseline", "finetune, joint (fine-tuning and joint training) or none"},
        {"scenario", "permuted, split-task or split-class"},
        {"epochs_per_task", "epochs per task"},
        {"fisher", "empirical or true"},
        {"fisher_samples", "images per Fisher estimate"},
        {"hidden", "hidden widths, comma-separated"},
        {"lr", "learning rate"},
        {"seed", "random seed"},
        {"threads", "CPU threads"},
        {"limit_train", "per task: first N training images"},
        {"limit_test", "per task: first N test images"},
        {"data_dir", "folder of Fashion-MNIST IDX files"}};
    std::map<std::string, std::string> continual_values;
    for (const auto& [key, help] : continual_flags) {
        std::string flag = std::string("--") + key;
        std::replace(flag.begin(), flag.end(), '_', '-');
        if (std::string(key) == "online_gamma") flag = "--online";
        if (std::string(key) == "data_dir") flag = "--data";
        continual->add_option(flag, continual_values[key], help);
    }
    continual->add_option("--set", continual_sets, "set any continual field: KEY=VALUE (repeatable)");
    continual->add_option("--db", copt.db, "history database");
    continual->add_option("--workspace", copt.workspace, "folder for run files");
    continual->add_flag("--json", copt.json, "print the summary as one JSON object on the last line");
    continual->add_flag("--quiet", copt.quiet, "no progress lines");

    // sparsity
    auto* sparsity = app.add_subcommand("sparsity", "tune a trained gated model");
    sparsity->require_subcommand(1);
    auto* sweep = sparsity->add_subcommand("sweep", "accuracy and latency at other active fractions, no retraining");
    cli::SweepOptions wo;
    sweep->add_option("--checkpoint", wo.checkpoint, "checkpoint of a gated model");
    sweep->add_option("--run", wo.run, "run id whose checkpoint to use (with --db)");
    sweep->add_option("--db", wo.db, "history database");
    sweep->add_option("--fractions", wo.fractions, "active fractions to evaluate")->delimiter(',');
    sweep->add_option("--threads", wo.threads, "CPU threads")->check(CLI::Range(1, 256));
    sweep->add_option("--limit-test", wo.limit_test, "evaluate on the first N test images");
    sweep->add_flag("--json", wo.json, "print one JSON object");

    // export, infer
    auto* exp = app.add_subcommand("export", "export a run's model: ONNX file, Sparq bundle or Triton model repository");
    cli::ExportOptions eo;
    auto& es = eo.spec;
    exp->add_option("--run", es.run_id, "run id whose model to export (train or quantize run)");
    exp->add_option("--checkpoint", es.checkpoint, "instead of a run: a training checkpoint file");
    exp->add_option("--format", es.format, "onnx, bundle or triton")->check(CLI::IsMember({"onnx", "bundle", "triton"}));
    exp->add_option("--precision", es.precision, "fp32 or int8 (quantized first when the run has no INT8 model)")
        ->check(CLI::IsMember({"fp32", "int8"}));
    exp->add_option("--out", es.out, "file to write (onnx, bundle) or Triton repository folder")->required();
    exp->add_option("--db", es.db, "history database");
    exp->add_option("--data", es.data_dir, "folder of Fashion-MNIST IDX files (verification)");
    exp->add_option("--limit-test", es.limit_test, "verify on the first N test images (default all)");
    exp->add_option("--threads", es.threads, "CPU threads")->check(CLI::Range(1, 256));
    exp->add_option("--model-name", es.triton.model_name, "triton: model folder name");
    exp->add_option("--max-batch", es.triton.max_batch_size, "triton: max_batch_size");
    exp->add_option("--preferred-batch", es.triton.preferred_batch_sizes, "triton: preferred batch sizes")->delimiter(',');
    exp->add_option("--max-queue-delay-us", es.triton.max_queue_delay_us, "triton: max queue delay in microseconds");
    exp->add_option("--instances", es.triton.instances, "triton: model instances");
    exp->add_option("--device", es.triton.device, "triton: instance kind, cpu or gpu")->check(CLI::IsMember({"cpu", "gpu"}));
    exp->add_flag("--json", eo.json, "print the result as one JSON object on the last line");
    // serve-bench
    auto* serve = app.add_subcommand("serve-bench", "tiny-lm serving a seeded request workload under a batching policy");
    cli::ServeBenchOptions sbo;
    auto& sb = sbo.spec;
    serve->add_option("--preset", sb.model.preset, "serving model preset (tiny-lm)");
    serve->add_option("--policy", sb.batching.policy, "fifo, max-delay, bucket, kmeans or continuous")
        ->check(CLI::IsMember(engine::serving_policies()));
    serve->add_flag("--compare", sbo.compare, "every policy on the same seeded workload, printed as a JSON array");
    auto* rate = serve->add_option("--rate", sb.workload.rate, "open loop: Poisson arrivals per second");
    serve->add_option("--concurrency", sb.workload.concurrency, "closed loop: clients (default 48)")->excludes(rate);
    serve->add_option("--requests", sb.workload.requests, "requests in the workload");
    serve->add_option("--seed", sb.workload.seed, "workload seed");
    serve->add_option("--prompt", sbo.prompt, "prompt lengths: KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]] (default lognormal:48:0.8:8:320)");
    serve->add_option("--output", sbo.output, "output lengths: KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]] (default lognormal:20:1.2:2:256)");
    serve->add_option("--max-batch", sb.batching.max_batch, "largest batch (continuous: rows)");
    serve->add_option("--preferred-batch", sb.batching.preferred_batch_sizes, "max-delay: preferred batch sizes")->delimiter(',');
    serve->add_option("--max-queue-delay-us", sb.batching.max_queue_delay_us, "max-delay, bucket, kmeans: longest wait for a fuller batch");
    serve->add_option("--bucket-edges", sb.batching.bucket_edges, "bucket: output-length edges")->delimiter(',');
    serve->add_option("--clusters", sb.batching.clusters, "kmeans: clusters");
    serve->add_option("--refit-every", sb.batching.refit_every, "kmeans: arrivals between re-fits");
    serve->add_option("--within", sb.batching.within,
                      "kmeans: a batch from the oldest request's cluster: arrival (its oldest, default) or nearest")
        ->check(CLI::IsMember({"arrival", "nearest"}));
    serve->add_option("--neighbour-window", sb.batching.neighbour_window,
                      "kmeans --within nearest: among the cluster's oldest N (default 0: all of it)");
    serve->add_option("--min-wait-share", sb.batching.min_wait_share,
                      "kmeans: a request joins a batch once it has waited this share of the oldest one's wait "
                      "(default 0.3; 0: at once)")
        ->check(CLI::Range(0.0, 1.0));
    serve->add_option("--output-weight", sb.batching.output_weight,
                      "kmeans: weight of the output-length feature against the prompt's (default 1.5)");
    serve->add_option("--prefill-groups", sb.batching.prefill_groups,
                      "a batch's prompts, sorted by length, run as at most this many padded prefills (default 3; 1: one)")
        ->check(CLI::Range(1, 64));
    serve->add_flag("--no-retire", [&sb](std::int64_t) { sb.batching.retire_finished = false; },
                    "static batches: finished rows stay in the batch until its longest output is done");
    serve->add_option("--attention", sb.attention, "full or segmented")->check(CLI::IsMember({"full", "segmented"}));
    serve->add_option("--window", sb.window, "segmented attention: positions each byte sees (default 128)");
    serve->add_option("--probe-attention", sbo.probe_length,
                      "instead of serving: KV cache and held-out loss of full and segmented attention at this input length");
    serve->add_flag("--route", sb.route, "edge/cloud routing: small tiny-lm-edge model or tiny-lm by the rule");
    serve->add_option("--edge-max-prompt", sb.router.edge_max_prompt, "router: longest prompt the edge model takes");
    serve->add_option("--edge-max-output", sb.router.edge_max_output, "router: longest output the edge model takes");
    serve->add_option("--latency-budget-ms", sb.router.latency_budget_ms,
                      "router: send to the edge when the cloud's estimate exceeds this and the edge's does not");
    serve->add_option("--checkpoint", sb.checkpoint, "trained tiny-lm (default: cached, trained on first use)");
    serve->add_option("--cache-dir", sb.cache_dir, "where trained serving models are cached (default: models/ beside the history)");
    serve->add_option("--train-steps", sb.model.train_steps, "training steps when the model is trained here");
    serve->add_option("--threads", sb.threads, "CPU threads")->check(CLI::Range(1, 256));
    serve->add_option("--db", sb.db, "history database");
    serve->add_flag("--no-record", [&sbo](std::int64_t) { sbo.record = false; }, "do not store the run in the history");
    serve->add_flag("--quiet", sbo.quiet, "no progress lines");
    serve->add_flag("--json", sbo.json, "print the result as JSON on the last line");

    auto* infer = app.add_subcommand("infer", "run a Sparq bundle on images");
    cli::InferOptions ino;
    infer->add_option("--bundle", ino.bundle, "bundle file (sparq-cli export --format bundle)")->required();
    infer->add_option("--input", ino.input,
                      "IDX image file ([N,28,28] bytes, raw or .gz) or raw little-endian float32 pixels in [0,1], N x 784")
        ->required();
    infer->add_option("--labels", ino.labels, "IDX label file: also print the accuracy");
    infer->add_option("--threads", ino.threads, "CPU threads")->check(CLI::Range(1, 256));
    infer->add_flag("--logits", ino.logits, "with --json: every image's logits too");
    infer->add_flag("--json", ino.json, "print one JSON object");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        if (train->parsed()) {
            if (to.preset.empty() && to.config.empty())
                throw engine::ConfigError("train needs --preset NAME or --config FILE.json");
            engine::TrainSpec spec = to.preset.empty() ? engine::TrainSpec{}
                                                       : engine::load_preset(to.preset);
            if (!to.config.empty()) engine::apply_json(spec, read_file(to.config), to.config);
            const std::pair<const char*, const std::string*> flags[] = {
                {"data_dir", &data},  {"epochs", &epochs}, {"limit_train", &limit_train},
                {"limit_test", &limit_test}, {"seed", &seed}, {"threads", &threads},
                {"lr", &lr},          {"batch_size", &batch}, {"resume", &resume},
                {"active_fraction", &active_fraction}, {"gate", &gate}};
            for (const auto& [key, value] : flags)
                if (!value->empty()) engine::set_field(spec, key, *value);
            for (const std::string& kv : sets) {
                const auto eq = kv.find('=');
                if (eq == std::string::npos)
                    throw engine::ConfigError("--set expects KEY=VALUE, got '" + kv + "'");
                engine::set_field(spec, kv.substr(0, eq), kv.substr(eq + 1));
            }
            engine::validate(spec);
            return cli::run_train(spec, to);
        }
        if (hlist->parsed()) return cli::run_history_list(ho);
        if (hshow->parsed()) return cli::run_history_show(ho);
        if (hcompare->parsed()) return cli::run_history_compare(ho);
        if (hdiff->parsed()) return cli::run_history_diff(ho);
        if (hexport->parsed()) return cli::run_history_export(ho);
        if (hdelete->parsed()) return cli::run_history_delete(ho);
        if (htag->parsed()) return cli::run_history_tag(ho);
        if (harchive->parsed()) return cli::run_history_archive(ho);
        if (hnote->parsed()) return cli::run_history_note(ho);
        if (hrename->parsed()) return cli::run_history_rename(ho);
        if (btrain->parsed()) return cli::run_bench_train(bo);
        if (bsparse->parsed()) return cli::run_bench_sparse(so);
        if (sweep->parsed()) return cli::run_sparsity_sweep(wo);
        if (bint8->parsed()) return cli::run_bench_int8(io);
        if (bamp->parsed()) return cli::run_bench_amp(ao);
        if (bprof->parsed()) return cli::run_bench_profiler_overhead(po);
        if (bstore->parsed()) return cli::run_bench_store(sto);
        if (quantize->parsed()) return cli::run_quantize(qo);
        if (exp->parsed()) return cli::run_export(eo);
        if (infer->parsed()) return cli::run_infer(ino);
        if (serve->parsed()) return cli::run_serve_bench(sbo);
        if (continual->parsed()) {
            for (const auto& [key, value] : continual_values)
                if (!value.empty()) copt.fields.emplace_back(key, value);
            for (const std::string& kv : continual_sets) {
                const auto eq = kv.find('=');
                if (eq == std::string::npos) throw engine::ConfigError("--set expects KEY=VALUE, got '" + kv + "'");
                copt.fields.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
            }
            return cli::run_continual(copt);
        }
        if (distill->parsed()) {
            if (!distill_config.empty()) {
                // The file's fields, then the flags given on the command line on top.
                engine::DistillSpec merged;
                engine::apply_json(merged, read_file(distill_config), distill_config);
                auto given = [&](const char* flag) { return distill->count(flag) > 0; };
                const engine::DistillSpec& f = dopt.spec;
                if (given("--teacher-epochs")) merged.teacher_epochs = f.teacher_epochs;
                if (given("--student")) merged.student_preset = f.student_preset;
                if (given("--labelled")) merged.labelled = f.labelled;
                if (given("--seeds")) merged.seeds = f.seeds;
                if (given("--stage1-epochs")) merged.stage1_epochs = f.stage1_epochs;
                if (given("--stage2-epochs")) merged.stage2_epochs = f.stage2_epochs;
                if (given("--stage3-epochs")) merged.stage3_epochs = f.stage3_epochs;
                if (given("--hint-loss")) merged.hint_loss = f.hint_loss;
                if (given("--alpha")) merged.alpha = f.alpha;
                if (given("--temperature")) merged.temperature = f.temperature;
                if (given("--no-baseline")) merged.baselines = f.baselines;
                if (given("--threads")) merged.threads = f.threads;
                if (given("--limit-test")) merged.limit_test = f.limit_test;
                if (given("--data")) merged.data_dir = f.data_dir;
                dopt.spec = merged;
            }
            return cli::run_distill(dopt);
        }
    } catch (const std::exception& e) {
        cli::print_error(e.what());
        return 2;
    }
    return 0;
}
