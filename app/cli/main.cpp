// sparq-cli: the headless front end of the Sparq engine. Each command lives in its own file and
// registers itself; this file only puts them on one command line.
#include "cli.h"

int main(int argc, char** argv) {
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
