// sparq-cli: the headless front end of the Sparq engine. Each command lives in its own file and
// registers itself; this file only puts them on one command line.
#include <cstring>

#include "cli.h"
#include "sparq/engine/openmp.h"

int main(int argc, char** argv) {
    // Commands that compute run with yielding OpenMP threads (set before LibTorch's pool
    // starts: a re-execution); reading the history does not need it.
    const bool computes = argc > 1 && std::strcmp(argv[1], "history") != 0 && std::strcmp(argv[1], "devices") != 0;
    if (computes) sparq::engine::use_yielding_openmp(argv);
    CLI::App app{"Sparq: train, compress and compare neural models", "sparq-cli"};
    app.require_subcommand(1);
    int exit = 0;
    for (auto add : {sparq::cli::add_train, sparq::cli::add_quantize, sparq::cli::add_distill, sparq::cli::add_continual,
                     sparq::cli::add_serve_bench, sparq::cli::add_export, sparq::cli::add_infer, sparq::cli::add_sparsity,
                     sparq::cli::add_history, sparq::cli::add_bench, sparq::cli::add_devices})
        add(app, exit);
    try {
        app.parse(argc, argv);  // runs the chosen command
    } catch (const CLI::ParseError& e) {
        // Bad flags are bad input like bad values: 2, after CLI11's message (help: 0).
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (const std::exception& e) {
        sparq::cli::print_error(e.what());
        return 2;
    }
    return exit;
}
